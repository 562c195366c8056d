#include "runners/raw_syscalls.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <ctime>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// Numbers missing from old headers, with their x86-64 values
// (arch/x86/entry/syscalls/syscall_64.tbl).
#ifndef SYS_mlock2
#define SYS_mlock2 325
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

namespace mlc::raw {
namespace {

Outcome Capture(long ret) { return {ret, ret == -1 ? errno : 0, 0}; }

}  // namespace

Outcome Mmap(uint64_t addr, uint64_t len, int prot, int flags) {
  return Capture(syscall(SYS_mmap, addr, len, prot, flags, -1, 0));
}
Outcome Munmap(uint64_t addr, uint64_t len) { return Capture(syscall(SYS_munmap, addr, len)); }
Outcome Mprotect(uint64_t addr, uint64_t len, int prot) {
  return Capture(syscall(SYS_mprotect, addr, len, prot));
}
Outcome Mlock(uint64_t addr, uint64_t len) { return Capture(syscall(SYS_mlock, addr, len)); }
Outcome Mlock2(uint64_t addr, uint64_t len, int flags) {
  return Capture(syscall(SYS_mlock2, addr, len, flags));
}
Outcome Munlock(uint64_t addr, uint64_t len) { return Capture(syscall(SYS_munlock, addr, len)); }
Outcome Mlockall(int flags) { return Capture(syscall(SYS_mlockall, flags)); }
Outcome Munlockall() { return Capture(syscall(SYS_munlockall)); }
Outcome MmapFile(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t offset) {
  return Capture(syscall(SYS_mmap, addr, len, prot, flags, fd, offset));
}
Outcome MemfdSecret(unsigned int flags) { return Capture(syscall(SYS_memfd_secret, flags)); }
Outcome Ftruncate(int fd, uint64_t len) { return Capture(syscall(SYS_ftruncate, fd, len)); }
Outcome Mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr) {
  return Capture(syscall(SYS_mremap, addr, old_len, new_len, static_cast<unsigned long>(static_cast<unsigned>(flags)),
                         new_addr));
}

Outcome Brk(uint64_t addr) { return {syscall(SYS_brk, addr), 0, 0}; }
long Fork() { return syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }
long Wait4(long pid, int* status) { return syscall(SYS_wait4, pid, status, 0, 0); }
long OpenAtReadOnly(int dirfd, const char* path) {
  return syscall(SYS_openat, dirfd, path, O_RDONLY | O_CLOEXEC);
}
Outcome Msync(uint64_t addr, uint64_t len, int flags) { return Capture(syscall(SYS_msync, addr, len, flags)); }
Outcome Madvise(uint64_t addr, uint64_t len, int advice) { return Capture(syscall(SYS_madvise, addr, len, advice)); }
Outcome MovePages(uint64_t count, const uint64_t* pages, const int* nodes, int* status, int flags) {
  return Capture(syscall(SYS_move_pages, 0, count, pages, nodes, status, flags));
}
Outcome MigratePages(uint64_t maxnode, const uint64_t* old_nodes, const uint64_t* new_nodes) {
  return Capture(syscall(SYS_migrate_pages, 0, maxnode, old_nodes, new_nodes));
}
Outcome MadviseHugepage(uint64_t addr, uint64_t len) {
  return Capture(syscall(SYS_madvise, addr, len, MADV_HUGEPAGE));
}

namespace {
// include/uapi/linux/fs.h (6.7+); Debian 12's headers predate it.
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
      category_anyof_mask, return_mask;
};
}  // namespace

Outcome PagemapScanHuge(int pagemap_fd, uint64_t start, uint64_t end, PageRegion* out, uint64_t max) {
  PmScanArg arg{};
  arg.size = sizeof arg;
  arg.start = start;
  arg.end = end;
  arg.vec = reinterpret_cast<uintptr_t>(out);
  arg.vec_len = max;
  arg.category_mask = kPageIsHuge;  // only PMD-mapped (or hugetlb) pages
  arg.return_mask = kPageIsHuge | kPageIsPfnZero;
  return Capture(syscall(SYS_ioctl, pagemap_fd, kPagemapScan, &arg));
}

Outcome Mincore(uint64_t addr, uint64_t len, unsigned char* vec) {
  return Capture(syscall(SYS_mincore, addr, len, vec));
}

long Pread(int fd, void* buf, size_t count, uint64_t offset) {
  return syscall(SYS_pread64, fd, buf, count, offset);
}
long Write(int fd, const void* buf, size_t count) { return syscall(SYS_write, fd, buf, count); }
long Pwrite(int fd, const void* buf, size_t count, uint64_t offset) {
  return syscall(SYS_pwrite64, fd, buf, count, offset);
}
void SchedYield() { syscall(SYS_sched_yield); }
void ExitGroup(int code) {
  syscall(SYS_exit_group, code);
  __builtin_unreachable();
}
long Getppid() { return syscall(SYS_getppid); }

long InstallSeccompFilter(const void* sock_fprog) {
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, sock_fprog);
}

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool CapGet(CapSets* sets) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  for (int i = 0; i < 2; ++i) {
    sets->effective[i] = data[i].effective;
    sets->permitted[i] = data[i].permitted;
    sets->inheritable[i] = data[i].inheritable;
  }
  return true;
}

Outcome DropCapability(const CapSets& sets, int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  const uint32_t bit = 1u << (cap % 32);
  for (int i = 0; i < 2; ++i) {
    data[i].effective = sets.effective[i];
    data[i].permitted = sets.permitted[i];
    data[i].inheritable = sets.inheritable[i];
  }
  data[cap / 32].effective &= ~bit;
  data[cap / 32].permitted &= ~bit;
  return Capture(syscall(SYS_capset, &header, data));
}

Outcome SetRlimit(int resource, uint64_t cur, uint64_t max) {
  const rlimit limit{cur, max};
  return Capture(syscall(SYS_prlimit64, 0, resource, &limit, nullptr));
}

Outcome SetMemlockLimit(uint64_t cur, uint64_t max) { return SetRlimit(RLIMIT_MEMLOCK, cur, max); }

}  // namespace mlc::raw
