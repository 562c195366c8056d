#include "runners/system_mlocked.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "runners/raw_syscalls.h"
#include "runners/smaps_parser.h"

namespace mlc {
namespace {

// The whole of a small /proc file, or empty.
std::string ReadProcFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

std::string Comm(const std::string& pid) {
  std::string comm = ReadProcFile("/proc/" + pid + "/comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

}  // namespace

LockingProcess::LockingProcess(size_t bytes) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const char ok = p != MAP_FAILED && mlock(p, bytes) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &ok, 1);
    for (;;) pause();
  }
  close(ready[1]);
  char ok = 'n';
  if (pid_ > 0 && read(ready[0], &ok, 1) == 1) locked_ = ok == 'y';
  close(ready[0]);
}

LockingProcess::~LockingProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

MlockedSample SampleMlocked() {
  MlockedSample sample;
  // do_pages_move() brackets its (here empty) work with lru_cache_disable(),
  // whose lru_add_drain_all() empties every CPU's LRU and mlock batches
  // (mm/swap.c; mlock_drain_local() is one of them since 5.18).
  int node = 0, status = 0;
  uint64_t page = 0;
  sample.drained = raw::MovePages(0, &page, &node, &status, 0).ret == 0;

  const std::string meminfo = ReadProcFile("/proc/meminfo");
  const auto mlocked = ParseStatusKb(meminfo, "Mlocked");
  if (!mlocked) {
    sample.error = meminfo.empty() ? std::string("cannot read /proc/meminfo: ") + std::strerror(errno)
                                   : "no Mlocked: line in /proc/meminfo";
    return sample;
  }
  sample.mlocked_kb = static_cast<int64_t>(*mlocked);

  DIR* proc = opendir("/proc");
  if (proc == nullptr) {
    sample.error = std::string("cannot list /proc: ") + std::strerror(errno);
    return sample;
  }
  while (const dirent* entry = readdir(proc)) {
    const std::string pid = entry->d_name;
    if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) continue;
    // VmLck: is readable by everyone; processes without it (kernel
    // threads) or with 0 hold no locked mapping.
    const auto vmlck = ParseStatusKb(ReadProcFile("/proc/" + pid + "/status"), "VmLck");
    if (!vmlck || *vmlck == 0) continue;
    // smaps_rollup needs ptrace read access (fs/proc/base.c); a process
    // that exited meanwhile leaves nothing to count.
    const std::string rollup = ReadProcFile("/proc/" + pid + "/smaps_rollup");
    const auto locked = ParseStatusKb(rollup, "Locked");
    if (locked) {
      sample.mapped_locked_kb += static_cast<int64_t>(*locked);
    } else if (access(("/proc/" + pid).c_str(), F_OK) == 0 && sample.hidden.empty()) {
      sample.hidden = "pid " + pid + " (" + Comm(pid) + "), VmLck " + std::to_string(*vmlck) + " kB";
    }
  }
  closedir(proc);
  return sample;
}

}  // namespace mlc
