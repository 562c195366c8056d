// mlockcheck-executor: the fork server that runs generated sequences.
//
// Started once by the runner (runners/executor.cc) with the pipes of
// runners/wire.h on fds 3-6. It is a small static binary so that the address
// space outside the arena is small and known: it measures that space once,
// maps nothing after the measurement, and serves every sequence with a fresh
// child. One child always waits, already prepared (its /proc files open, the
// seccomp allow-list installed), reading the request pipe; it runs the
// sequence it reads, and after every step reads smaps, mincore and status
// into buffers allocated before the fork, so no allocation ever happens
// between acting and observing. The runner tells this process when the
// waiting child took a request; it then forks the next one.
//
// This file is the fork server and its start-up: Main() sets up everything
// the children share (state.h) and says hello, Serve() keeps a child waiting.
// The rest of the executor, by what runs where:
//   state.h/.cc    the configuration and the globals set up before the first fork
//   wire_io.h/.cc  the wire protocol's reads and writes (runners/wire.h)
//   probe.h/.cc    what the hello record reports, and the probe child
//   child.h/.cc    a waiting child's set-up before its seccomp filter
//   step.h/.cc     the child's step loop and its signal handlers
//   observe.h/.cc  the observation of each channel after a step
#include <alloca.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "oracles/files.h"
#include "oracles/kernel_profile.h"
#include "runners/executor/child.h"
#include "runners/executor/probe.h"
#include "runners/executor/state.h"
#include "runners/executor/step.h"
#include "runners/executor/wire_io.h"
#include "runners/raw_syscalls.h"
#include "runners/seccomp_policy.h"
#include "runners/wire.h"

namespace mlc::executor {
namespace {

// Children that took a request and have not been reaped yet, and children
// reaped before the runner's word that they took one arrived.
class RunningChildren {
 public:
  void NoteEarlyExit(pid_t pid, int status) {
    early_pid_[early_next_ % kMaxEarly] = pid;
    early_status_[early_next_ % kMaxEarly] = status;
    ++early_next_;
  }
  // The status of `pid` if it was reaped early, forgotten.
  bool TakeEarlyExit(pid_t pid, int* status) {
    for (size_t i = 0; i < kMaxEarly; ++i) {
      if (early_pid_[i] == pid) {
        early_pid_[i] = 0;
        *status = early_status_[i];
        return true;
      }
    }
    return false;
  }
  bool Add(pid_t pid, uint32_t run) {
    if (count_ == kMax) return false;
    pids_[count_] = pid;
    runs_[count_] = run;
    ++count_;
    return true;
  }
  // The run of `pid`, forgotten; 0 for a child that never took one.
  uint32_t Take(pid_t pid) {
    for (size_t i = 0; i < count_; ++i) {
      if (pids_[i] != pid) continue;
      const uint32_t run = runs_[i];
      --count_;
      pids_[i] = pids_[count_];
      runs_[i] = runs_[count_];
      return run;
    }
    return 0;
  }

 private:
  static constexpr size_t kMax = 64;
  static constexpr size_t kMaxEarly = 16;
  pid_t pids_[kMax];
  uint32_t runs_[kMax];
  size_t count_ = 0;
  pid_t early_pid_[kMaxEarly] = {};
  int early_status_[kMaxEarly] = {};
  size_t early_next_ = 0;
};

// Extends the stack VMA now, so that no later call chain grows it: a grown
// stack under mlockall(MCL_CURRENT) would change VmLck (mm/mmap.c
// acct_stack_growth(), ref 29).
__attribute__((noinline)) void GrowStack() {
  volatile char* reserve = static_cast<volatile char*>(alloca(kStackReserve));
  for (size_t i = 0; i < kStackReserve; i += 1024) reserve[i] = 0;
}

void* MapBuffer(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mlockcheck-executor: mmap");
    std::exit(2);
  }
  return p;
}

bool ParseArgs(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(a, "--mlock2-enosys") == 0) {
      g_config.mlock2_enosys = true;
    } else if (std::strcmp(a, "--thp") == 0) {
      g_config.thp = true;
    } else if (std::strcmp(a, "--system-counters") == 0) {
      g_config.system_counters = true;
    } else if (std::strcmp(a, "--compaction") == 0) {
      g_config.compaction = true;
    } else if (v && std::strcmp(a, "--arena-base") == 0) {
      g_config.arena_base = std::strtoull(v, nullptr, 0);
      ++i;
    } else if (v && std::strcmp(a, "--arena-pages") == 0) {
      g_config.arena_pages = std::strtoull(v, nullptr, 0);
      ++i;
    } else if (v && std::strcmp(a, "--max-steps") == 0) {
      g_config.max_steps = std::strtoull(v, nullptr, 0);
      ++i;
    } else {
      std::fprintf(stderr, "mlockcheck-executor: unknown argument %s\n", a);
      return false;
    }
  }
  return g_config.arena_pages > 0 && g_config.max_steps > 0;
}

// Forks the child for the next request. It prepares itself (open files,
// handlers, filter) and blocks reading the request pipe, so fork and set-up
// happen while the current child runs, and a request reaches its child
// without passing through this process.
pid_t ForkWaitingChild() {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  g_pid = getpid();
  PrepareChild();
  const wire::RequestHeader req = ReceiveRequest();
  if (req.type == wire::RequestType::kProbe) ProbeChild();
  RunChild(req.op_count);
}

// The server loop: keeps one child waiting for the next request, forks a new
// one as soon as it takes its request, and reaps children as SIGCHLD
// arrives. The runner closing the request pipe ends it.
int Serve() {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  const int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) return 2;
  fcntl(kTakenFd, F_SETFL, O_NONBLOCK);
  RunningChildren running;
  pid_t waiting = ForkWaitingChild();
  // The runner reports each child that started; a child may also be reaped
  // before that report arrives.
  auto drain_taken = [&]() {
    wire::TakenMessage taken;
    while (read(kTakenFd, &taken, sizeof taken) == sizeof taken) {
      int status = 0;
      if (taken.pid == waiting) {
        if (!running.Add(waiting, taken.run)) return false;
        waiting = ForkWaitingChild();
        if (waiting < 0) return false;
      } else if (running.TakeEarlyExit(taken.pid, &status)) {
        if (!ReportExit(taken.run, status)) return false;
      }
    }
    return errno == EAGAIN;
  };
  for (;;) {
    pollfd pfds[2] = {{kTakenFd, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (poll(pfds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    if (!drain_taken()) return 2;
    if (!(pfds[1].revents & POLLIN)) continue;
    signalfd_siginfo info;
    while (read(sigfd, &info, sizeof info) == sizeof info) {
    }
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      const uint32_t run = running.Take(pid);
      if (run != 0) {
        if (!ReportExit(run, status)) return 2;
      } else if (pid == waiting) {
        // The runner closed the request pipe, or the child ended before
        // the runner's report that it took a request (kept for that report).
        if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoRequest) return 0;
        running.NoteEarlyExit(pid, status);
        waiting = ForkWaitingChild();
        if (waiting < 0) return 2;
      }
    }
  }
}

int Main(int argc, char** argv) {
  if (!ParseArgs(argc, argv)) return 2;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  // No THP in the arena unless --thp: the core model has no large folios
  // (inherited by the children, prctl(2) PR_SET_THP_DISABLE).
  if (!g_config.thp) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  g_page_size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  GrowStack();

  wire::HelloRecord hello{};
  hello.header = {wire::RecordType::kHello, sizeof hello, 0, 0};
  hello.page_size = g_page_size;
  hello.arena_base = g_config.arena_base;
  hello.arena_pages = g_config.arena_pages;
  utsname uts{};
  uname(&uts);
  std::memcpy(hello.release, uts.release, std::min(sizeof hello.release - 1, std::strlen(uts.release)));
  std::memcpy(hello.build, uts.version, std::min(sizeof hello.build - 1, std::strlen(uts.version)));
  std::string why;
  const auto profile = ProfileForRelease(uts.release, &why);
  if (profile) g_dialect = profile->smaps;

  // Buffers sized for the worst case of this run: every step can add a few
  // VMAs (split at both ends); ~2 kB of smaps text per VMA.
  const uint64_t max_vmas = 64 + 4 * g_config.max_steps;
  g_smaps_cap = static_cast<size_t>(max_vmas * 2048 + 64 * 1024);
  g_smaps_buf = static_cast<char*>(MapBuffer(g_smaps_cap));
  g_mincore = static_cast<unsigned char*>(MapBuffer(std::max<uint64_t>(g_config.arena_pages, kHeapPages)));
  g_status_buf = static_cast<char*>(MapBuffer(kStatusCap));
  g_record_cap = sizeof(wire::StepRecord) + g_config.arena_pages * sizeof(wire::WireVma) +
                 (g_config.arena_pages + 7) / 8 + g_config.arena_pages + kHeapPages * sizeof(wire::WireVma) +
                 kHeapPages / 8 + g_config.arena_pages + g_config.arena_pages * sizeof(int32_t) +
                 g_config.arena_pages;
  g_record = static_cast<char*>(MapBuffer(g_record_cap));
  g_ops = static_cast<wire::WireOp*>(MapBuffer(g_config.max_steps * sizeof(wire::WireOp)));
  g_page_flags = ProbePageFlags(&hello);
  g_meminfo_fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (g_meminfo_fd >= 0 && ReadHugePool(g_meminfo_fd, &g_huge_pool)) {
    hello.huge_page_size = g_huge_pool.page_size;
    hello.huge_pages_free = g_huge_pool.free;
    hello.huge_pages_rsvd = g_huge_pool.reserved;
  }
  g_huge_page_size = hello.huge_page_size;
  // Without free huge pages no sequence can hold any: nothing to wait for.
  if (g_huge_pool.free == 0 && g_meminfo_fd >= 0) {
    close(g_meminfo_fd);
    g_meminfo_fd = -1;
  }
  // memfd_secret(2): CONFIG_SECRETMEM, and before 6.5 secretmem.enable=1.
  const Outcome secret = raw::MemfdSecret(0);
  g_has_secretmem = secret.ret >= 0;
  hello.secretmem_err = g_has_secretmem ? 0 : secret.err;
  // mmap(PROT_EXEC) of a file on a noexec mount is EPERM (mm/mmap.c
  // do_mmap() path_noexec(), which also honours SB_I_NOEXEC that statfs
  // does not show): /dev/shm may be mounted so, and secretmem's internal
  // mount is. Asked of the kernel with a mapping undone at once, before
  // the address space is measured.
  const int probe_fds[kFileCount] = {memfd_create("mlockcheck-probe", MFD_CLOEXEC),
                                     open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600),
                                     g_has_secretmem ? static_cast<int>(secret.ret) : -1};
  g_has_tmpfile = probe_fds[kTmpfile] >= 0;
  hello.tmpfile_err = g_has_tmpfile ? 0 : errno;
  for (int f = 0; f < kFileCount; ++f) {
    if (probe_fds[f] < 0) continue;
    void* p = mmap(nullptr, g_page_size, PROT_READ | PROT_EXEC, MAP_SHARED, probe_fds[f], 0);
    if (p == MAP_FAILED && errno == EPERM) hello.noexec_files |= 1u << f;
    if (p != MAP_FAILED) munmap(p, g_page_size);
    close(probe_fds[f]);
  }
  hello.page_flags = g_page_flags;
  hello.memcg_reclaim = ProbeMemcg(&hello);
  g_migration = ProbeNuma(&hello);
  hello.migration = g_migration;
  g_observe_nodes = g_migration && hello.numa_balancing == 0;
  hello.system_counters = g_config.system_counters && ProbeSystemCounters(&hello);
  if (g_config.compaction) {
    g_compaction = ProbeCompaction(&hello);
    hello.compaction = g_compaction;
    if (g_compaction) {
      g_compact_pfn_before = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
      g_compact_pfn_after = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
      g_compact_moved = static_cast<uint8_t*>(MapBuffer(g_config.arena_pages));
    }
  }
  if (g_migration) {
    g_move_pages = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
    g_move_nodes = static_cast<int*>(MapBuffer(g_config.arena_pages * sizeof(int)));
    g_move_status = static_cast<int*>(MapBuffer(g_config.arena_pages * sizeof(int)));
    g_node_pages = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
    g_node_status = static_cast<int*>(MapBuffer(g_config.arena_pages * sizeof(int)));
  }
  if (g_page_flags) {
    g_pagemap = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
    g_pagemap_again = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
    g_pfns = static_cast<PfnPage*>(MapBuffer(g_config.arena_pages * sizeof(PfnPage)));
    g_kpf = static_cast<uint64_t*>(MapBuffer(kKpfBatch * sizeof(uint64_t)));
  }

  // --thp needs PAGEMAP_SCAN (6.7+) to see which ranges are PMD-mapped.
  hello.thp = g_config.thp;
  if (g_config.thp) {
    const int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    const Outcome scan = pagemap < 0 ? Outcome{-1, errno, 0}
                                     : raw::PagemapScanHuge(pagemap, reinterpret_cast<uintptr_t>(g_record),
                                                            reinterpret_cast<uintptr_t>(g_record) + g_page_size,
                                                            g_regions, 1);
    if (pagemap >= 0) close(pagemap);
    hello.pagemap_scan_err = scan.ret < 0 ? scan.err : 0;
  }

  SeccompOptions options;
  options.mlock2_enosys = g_config.mlock2_enosys;
  options.thp = g_config.thp;
  const size_t instructions = BuildSeccompProgram(options, g_filter, kMaxFilter, &why);
  g_program.len = static_cast<unsigned short>(instructions);
  g_program.filter = g_filter;

  // The privileges and the limit every child starts with.
  rlimit memlock{};
  getrlimit(RLIMIT_MEMLOCK, &memlock);
  hello.memlock_cur = memlock.rlim_cur;
  hello.memlock_max = memlock.rlim_max;
  raw::CapSets caps{};
  const bool caps_known = raw::CapGet(&caps);
  hello.initial_user_namespace = InInitialUserNamespace();
  hello.cap_ipc_lock = hello.initial_user_namespace && ((caps.effective[0] >> uapi::kCapIpcLock) & 1);
  hello.cap_sys_nice = hello.initial_user_namespace && ((caps.effective[0] >> uapi::kCapSysNice) & 1);
  hello.cap_sys_resource = hello.initial_user_namespace && ((caps.effective[0] >> uapi::kCapSysResource) & 1);

  // The heap region: the break moved to a page boundary through glibc's own
  // sbrk() (so that its cached break stays true), and one PROT_NONE page
  // there, which no brk VMA can merge with: the region above it is brk's
  // alone (and the model's), what lies below is the executor's and measured
  // with the rest. Nothing allocates from the heap after this point; each
  // child checks its break.
  const auto brk0 = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t aligned = (brk0 + g_page_size - 1) & ~(g_page_size - 1);
  const bool heap_ok = sbrk(static_cast<intptr_t>(aligned - brk0 + g_page_size)) != reinterpret_cast<void*>(-1) &&
                       mprotect(reinterpret_cast<void*>(aligned), g_page_size, PROT_NONE) == 0;
  g_heap_base = aligned + g_page_size;
  hello.heap_base = g_heap_base;

  // The measurement comes last: nothing is mapped after it.
  hello.status = wire::HelloStatus::kFailed;
  if (!heap_ok) {
    CopyMessage(hello.message, "cannot set up the heap region (sbrk)");
  } else if (!caps_known) {
    CopyMessage(hello.message, "capget failed");
  } else if (instructions == 0) {
    CopyMessage(hello.message, why.c_str());
  } else if (MeasureAddressSpace(&hello)) {
    hello.status = wire::HelloStatus::kOk;
  }
  if (!WriteAll(kControlFd, &hello, sizeof hello)) return 2;
  const int rc = hello.status == wire::HelloStatus::kOk ? Serve() : 0;
  RemoveMemcg();
  RestoreCompaction();
  return rc;
}

}  // namespace
}  // namespace mlc::executor

int main(int argc, char** argv) { return mlc::executor::Main(argc, argv); }
