#include "runners/host.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <filesystem>

#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "oracles/op.h"
#include "runners/raw_syscalls.h"
#include "runners/smaps_parser.h"

namespace mlc {
namespace {

// The file's text, or nullopt when it cannot be opened.
std::optional<std::string> ReadFileIfPresent(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadFile(const std::string& path) { return ReadFileIfPresent(path).value_or(""); }

std::optional<uint64_t> ParseCapEff(std::string_view status_text) {
  const std::string_view key = "\nCapEff:";
  const size_t at = status_text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string value(status_text.substr(at + key.size(), 32));
  char* end = nullptr;
  const unsigned long long caps = std::strtoull(value.c_str(), &end, 16);
  if (end == value.c_str()) return std::nullopt;
  return caps;
}

}  // namespace

std::string KernelRelease() {
  utsname uts{};
  return uname(&uts) == 0 ? uts.release : "unknown";
}

std::string KernelBuild() {
  utsname uts{};
  return uname(&uts) == 0 ? uts.version : "";
}

std::optional<bool> ParseCapIpcLock(std::string_view status_text) {
  const std::optional<uint64_t> caps = ParseCapEff(status_text);
  if (!caps) return std::nullopt;
  return ((*caps >> uapi::kCapIpcLock) & 1) != 0;
}

std::optional<bool> HasCapIpcLock() { return ParseCapIpcLock(ReadFile("/proc/self/status")); }

HostPrivileges ReadHostPrivileges() {
  HostPrivileges p;
  rlimit memlock{};
  if (getrlimit(RLIMIT_MEMLOCK, &memlock) == 0) {
    p.memlock_cur = memlock.rlim_cur;
    p.memlock_max = memlock.rlim_max;
  }
  const std::optional<std::string> uid_map = ReadFileIfPresent("/proc/self/uid_map");
  const std::optional<std::string> setgroups = ReadFileIfPresent("/proc/self/setgroups");
  const bool initial =
      IsInitialUserNamespace(uid_map ? uid_map->c_str() : nullptr, setgroups ? setgroups->c_str() : nullptr);
  const std::optional<uint64_t> caps = ParseCapEff(ReadFile("/proc/self/status"));
  p.cap_ipc_lock = initial && caps && ((*caps >> uapi::kCapIpcLock) & 1);
  p.cap_sys_resource = initial && caps && ((*caps >> uapi::kCapSysResource) & 1);
  return p;
}

std::optional<bool> ExecOnlyIsReadable() {
  const long page_size = sysconf(_SC_PAGESIZE);
  void* p = mmap(nullptr, static_cast<size_t>(page_size), PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return std::nullopt;
  const pid_t pid = fork();
  if (pid == 0) {
    const char byte = *static_cast<volatile const char*>(p);  // SIGSEGV where execute-only
    _exit(byte == 0 ? 0 : 1);
  }
  int status = 0;
  const bool waited = pid > 0 && waitpid(pid, &status, 0) == pid;
  munmap(p, static_cast<size_t>(page_size));
  if (!waited) return std::nullopt;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) return false;
  return std::nullopt;
}

HostFacts ReadHostFacts(const std::string& cmdline_path) {
  HostFacts facts;
  facts.cmdline = ReadFile(cmdline_path);
  while (!facts.cmdline.empty() && facts.cmdline.back() == '\n') facts.cmdline.pop_back();
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) == 0) {
      facts.ospke = (line + " ").find(" ospke ") != std::string::npos;
      break;
    }
  }
  return facts;
}

std::optional<MeasuredBehaviour> MeasureBehaviour(const MeasuredBehaviour& fallback, std::string* why) {
  MeasuredBehaviour m = fallback;
  const std::optional<bool> zero_page = ReadFaultMapsZeroPage();
  if (!zero_page) {
    *why = "cannot tell whether read faults map the zero page (/proc/self/smaps unreadable)";
    return std::nullopt;
  }
  m.read_fault_maps_zero_page = *zero_page;
  const std::optional<bool> exec_readable = ExecOnlyIsReadable();
  if (!exec_readable) {
    *why = "cannot tell whether PROT_EXEC mappings are readable (the probe child failed)";
    return std::nullopt;
  }
  m.exec_only_readable = *exec_readable;
  // Without memfd_secret (the run skips it) the prediction stands for it.
  m.secretmem_locked = SecretmemMappingsAreLocked().value_or(fallback.secretmem_locked);
  return m;
}

// The line starting with `field` in this process's smaps entry of the VMA
// that starts at `start`.
std::optional<std::string> SelfSmapsLine(const void* start, std::string_view field) {
  char header[32];
  std::snprintf(header, sizeof header, "%lx-", reinterpret_cast<unsigned long>(start));
  std::istringstream smaps(ReadFile("/proc/self/smaps"));
  bool in_vma = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.rfind(header, 0) == 0) {
      in_vma = true;
    } else if (in_vma && line.rfind(field, 0) == 0) {
      return line;
    } else if (in_vma && line.find('-') < line.find(' ') && line.find(':') > line.find(' ')) {
      return std::nullopt;  // the next VMA's header
    }
  }
  return std::nullopt;
}

std::optional<bool> ReadFaultMapsZeroPage() {
  const long page_size = sysconf(_SC_PAGESIZE);
  void* p = mmap(nullptr, static_cast<size_t>(page_size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return std::nullopt;
  const char byte = *static_cast<volatile const char*>(p);
  (void)byte;
  std::optional<bool> zero_page;
  if (const auto rss = SelfSmapsLine(p, "Rss:")) zero_page = std::atol(rss->c_str() + 4) == 0;
  munmap(p, static_cast<size_t>(page_size));
  return zero_page;
}

std::optional<bool> SecretmemMappingsAreLocked() {
  const Outcome fd = raw::MemfdSecret(0);
  if (fd.ret < 0) return std::nullopt;
  const int secret = static_cast<int>(fd.ret);
  const long page_size = sysconf(_SC_PAGESIZE);
  std::optional<bool> locked;
  if (ftruncate(secret, page_size) == 0) {
    void* p = mmap(nullptr, static_cast<size_t>(page_size), PROT_READ | PROT_WRITE, MAP_SHARED, secret, 0);
    if (p != MAP_FAILED) {
      if (const auto flags = SelfSmapsLine(p, "VmFlags:")) locked = (*flags + " ").find(" lo ") != std::string::npos;
      munmap(p, static_cast<size_t>(page_size));
    }
  }
  close(secret);
  return locked;
}

uint64_t FaultAroundPages(uint64_t page_size) {
  std::ifstream in("/sys/kernel/debug/fault_around_bytes");
  uint64_t bytes = 65536;
  if (in) in >> bytes;
  return std::max<uint64_t>(1, bytes / page_size);
}

SwapState ParseSwaps(bool exists, std::string_view text) {
  SwapState state;
  state.config_swap = exists;
  const size_t nl = text.find('\n');
  state.active = nl != std::string_view::npos && text.find_first_not_of(" \t\n", nl + 1) != std::string_view::npos;
  return state;
}

SwapState ReadSwapState() {
  std::ifstream in("/proc/swaps");
  return ParseSwaps(static_cast<bool>(in), in ? ReadFile("/proc/swaps") : std::string());
}

HugetlbState ReadHugetlbState() {
  HugetlbState state;
  const HugetlbPool pool = ParseHugetlbMeminfo(ReadFile("/proc/meminfo"));
  state.page_size = pool.page_size;
  state.free = pool.free;
  state.reserved = pool.reserved;
  state.overcommit = std::strtoull(ReadFile("/proc/sys/vm/nr_overcommit_hugepages").c_str(), nullptr, 10);
  return state;
}

namespace {
// The [selected] word of a THP sysfs setting, "" if unreadable.
std::string SelectedSetting(const std::string& path) {
  const std::string text = ReadFile(path);
  const size_t open = text.find('[');
  const size_t close = text.find(']', open);
  return open == std::string::npos || close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
}
}  // namespace

std::string ThpUnavailableReason(const std::string& sysfs) {
  const std::string enabled = SelectedSetting(sysfs + "/enabled");
  if (enabled.empty()) return "no " + sysfs + "/enabled (kernel without CONFIG_TRANSPARENT_HUGEPAGE)";
  if (enabled == "never") return sysfs + "/enabled is never";
  const std::string pmd = ReadFile(sysfs + "/hpage_pmd_size");
  if (!pmd.empty() && std::atol(pmd.c_str()) != 2 * 1024 * 1024) {
    return "PMD-sized THPs are " + std::to_string(std::atol(pmd.c_str())) + " bytes; --thp models 2 MiB";
  }
  const std::string shmem = SelectedSetting(sysfs + "/shmem_enabled");
  if (shmem == "always" || shmem == "within_size" || shmem == "force") {
    return sysfs + "/shmem_enabled is " + shmem + ": --thp models anonymous THPs only";
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sysfs, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("hugepages-", 0) != 0 || name == "hugepages-2048kB") continue;
    const std::string size = SelectedSetting(entry.path().string() + "/enabled");
    if (!size.empty() && size != "never") {
      return sysfs + "/" + name + "/enabled is " + size + ": --thp models PMD-sized THPs only";
    }
    const std::string size_shmem = SelectedSetting(entry.path().string() + "/shmem_enabled");
    if (size_shmem == "always" || size_shmem == "within_size") {
      return sysfs + "/" + name + "/shmem_enabled is " + size_shmem + ": --thp models anonymous THPs only";
    }
  }
  return "";
}

long SelfMaxRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::optional<long> StatusFieldKb(int pid, std::string_view field) {
  const std::string text =
      ReadFile(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  const auto kb = ParseStatusKb(text, field);
  if (!kb) return std::nullopt;
  return static_cast<long>(*kb);
}

}  // namespace mlc

namespace mlc {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string CannotWriteFile(const std::string& path) {
  return access(path.c_str(), W_OK) == 0 ? "" : std::strerror(errno);
}

std::string CannotCreateIn(const std::string& dir) {
  return access(dir.c_str(), W_OK | X_OK) == 0 ? "" : std::strerror(errno);
}

int StderrColumns() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

uint64_t RandomSeed() { return std::random_device{}(); }

int RunSelf(const std::vector<std::string>& args, std::string* out) {
  SelfProcess process;
  if (!StartSelf(args, -1, &process, out)) return -1;
  return WaitSelf(&process, out);
}

bool StartSelf(const std::vector<std::string>& args, int cpu, SelfProcess* process, std::string* error) {
  const int fd = memfd_create("mlockcheck-run-output", MFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return false;
  }
  std::vector<std::string> owned = {"/proc/self/exe"};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(fd);
    return false;
  }
  if (pid == 0) {
    // A job outlives no parent (a CI's timeout or Ctrl-C ends the parent
    // only): its executor and children go with it, their pipes closed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (cpu >= 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      sched_setaffinity(0, sizeof one, &one);
    }
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  process->pid = pid;
  process->output_fd = fd;
  return true;
}

int WaitSelf(SelfProcess* process, std::string* out) {
  out->clear();
  int status = 0;
  while (waitpid(process->pid, &status, 0) < 0 && errno == EINTR) {
  }
  char buf[4096];
  for (uint64_t at = 0;;) {
    const ssize_t n = pread(process->output_fd, buf, sizeof buf, static_cast<off_t>(at));
    if (n > 0) {
      out->append(buf, static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(process->output_fd);
  process->output_fd = -1;
  process->pid = -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::string MakeTempDir(const std::string& prefix, std::string* error) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) {
    *error = "mkdtemp " + path + ": " + std::strerror(errno);
    return "";
  }
  return path;
}

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

}  // namespace mlc
