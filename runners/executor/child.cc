// Preparing a child (see child.h). A waiting child is prepared while the
// previous one runs: everything that needs open(), or any call the seccomp
// filter forbids, happens here, before the filter is installed.
#include "runners/executor/child.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "oracles/files.h"
#include "runners/executor/observe.h"
#include "runners/executor/state.h"
#include "runners/executor/step.h"
#include "runners/executor/wire_io.h"
#include "runners/raw_syscalls.h"

namespace mlc::executor {
namespace {

// The child's files (oracles/files.h) at their fixed descriptors: fresh ones
// per child, so every sequence starts with empty page caches, and the
// filter needs no open(). Returns what failed, or nullptr.
const char* CreateFiles() {
  const Outcome secret = g_has_secretmem ? raw::MemfdSecret(0) : Outcome{-1, ENOSYS, 0};
  const int fds[kFileCount] = {
      memfd_create("mlockcheck", MFD_CLOEXEC),
      // A regular tmpfs file with no name to clean up.
      open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600),
      static_cast<int>(secret.ret),
  };
  for (int f = 0; f < kFileCount; ++f) {
    if ((f == kSecretmem && !g_has_secretmem) || (f == kTmpfile && !g_has_tmpfile)) {
      if (fds[f] >= 0) close(fds[f]);
      continue;
    }
    if (fds[f] < 0) {
      return f == kMemfd     ? "memfd_create failed"
             : f == kTmpfile ? "cannot create a tmpfs file in /dev/shm"
                             : "memfd_secret failed in a child";
    }
    if (dup3(fds[f], wire::kFileFdBase + f, O_CLOEXEC) < 0) return "cannot place the file descriptors";
    close(fds[f]);
    if (ftruncate(wire::kFileFdBase + f, static_cast<off_t>(kFileInitialPages * g_page_size)) != 0) {
      return "cannot size the files";
    }
  }
  return nullptr;
}

}  // namespace

// Set-up of a waiting child, done while the previous child runs: its own
// /proc files, fault handlers, then the filter. Errors are kept until the
// child knows which run to report them to.
void PrepareChild() {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  g_smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  g_status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (g_smaps_fd < 0 || g_status_fd < 0) {
    g_setup_error = "cannot open /proc/self/smaps or status";
    g_setup_errno = errno;
    return;
  }
  if (!raw::CapGet(&g_caps)) {
    g_setup_error = "capget failed";
    g_setup_errno = errno;
    return;
  }
  if (g_config.thp && !g_page_flags) {
    g_pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (g_pagemap_fd < 0) {
      g_setup_error = "cannot open /proc/self/pagemap";
      g_setup_errno = errno;
      return;
    }
  }
  if (g_page_flags) {
    // The child's own pagemap; and one CPU, so that the drains the model
    // relies on (Model::DrainsAtEnd) empty the batches its pages went to.
    g_pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    cpu_set_t one;
    CPU_ZERO(&one);
    const int cpu = sched_getcpu();
    if (cpu >= 0) CPU_SET(cpu, &one);
    if (g_pagemap_fd < 0 || cpu < 0 || sched_setaffinity(0, sizeof one, &one) != 0) {
      g_setup_error = "cannot open /proc/self/pagemap or pin the child to a CPU";
      g_setup_errno = errno;
      return;
    }
  }
  // /proc for a fork step's child (its own smaps and status).
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0 || dup3(proc, wire::kProcDirFd, O_CLOEXEC) < 0) {
    g_setup_error = "cannot open /proc";
    g_setup_errno = errno;
    return;
  }
  close(proc);
  // Into the children's memory cgroup before anything is charged: the
  // arena and the files are allocated after this (ProbeMemcg()).
  if (g_memcg_dir_fd >= 0) {
    const int procs = openat(g_memcg_dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    const bool joined = procs >= 0 && write(procs, "0", 1) == 1;  // 0: the writer itself
    if (procs >= 0) close(procs);
    const int reclaim = joined ? openat(g_memcg_dir_fd, "memory.reclaim", O_WRONLY | O_CLOEXEC) : -1;
    if (reclaim < 0 || dup3(reclaim, wire::kReclaimFd, O_CLOEXEC) < 0) {
      g_setup_error = "cannot join the children's memory cgroup";
      g_setup_errno = errno;
      return;
    }
    close(reclaim);
  }
  if (const char* failed = CreateFiles()) {
    g_setup_error = failed;
    g_setup_errno = errno;
    return;
  }
  struct sigaction sa {};
  sa.sa_sigaction = OnSeccompTrap;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
  ArmTouchHandlers();
  if (raw::InstallSeccompFilter(&g_program) != 0) {
    g_setup_error = "cannot install the seccomp filter";
    g_setup_errno = errno;
  }
}

// /proc/meminfo's hugetlb lines, allocation-free: the children call it.
bool ReadHugePool(int fd, HugetlbPool* pool) {
  char buf[8192];
  const long n = ReadProcFile(fd, buf, sizeof buf);
  if (n < 0) return false;
  *pool = ParseHugetlbMeminfo(std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

// A child that ran before this one may still be exiting with its huge pages
// (exit_mmap() runs after its last record reached the runner), so wait,
// yielding, until the pool is back to what the executor measured.
void WaitForHugePagePool() {
  if (g_meminfo_fd < 0) return;
  const uint64_t begin = raw::MonotonicNs();
  for (;;) {
    HugetlbPool now;
    if (!ReadHugePool(g_meminfo_fd, &now)) ChildFail("cannot read /proc/meminfo", 0);
    if (now.free == g_huge_pool.free && now.reserved == g_huge_pool.reserved) return;
    if (raw::MonotonicNs() - begin > 10'000'000'000ull) {
      ChildFail("the huge page pool did not return to its size at start within 10 s (another user of huge pages?)",
                0);
    }
    raw::SchedYield();
  }
}

}  // namespace mlc::executor
