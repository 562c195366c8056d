// The calls under test, issued with syscall(2) so that the kernel ABI is what
// gets tested: glibc's wrappers may translate errors (mlock2() turns ENOSYS
// into EINVAL and routes flags == 0 to mlock(), sysdeps/unix/sysv/linux/mlock2.c).
// errno is captured at the call site into the returned value.
//
// This is the only file of the project that includes <sys/syscall.h>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "oracles/op.h"

namespace mlc::raw {

Outcome Mmap(uint64_t addr, uint64_t len, int prot, int flags);
Outcome Munmap(uint64_t addr, uint64_t len);
Outcome Mprotect(uint64_t addr, uint64_t len, int prot);
Outcome Mlock(uint64_t addr, uint64_t len);
Outcome Mlock2(uint64_t addr, uint64_t len, int flags);
Outcome Munlock(uint64_t addr, uint64_t len);
Outcome Mlockall(int flags);
Outcome Munlockall();
Outcome Mincore(uint64_t addr, uint64_t len, unsigned char* vec);
Outcome MmapFile(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t offset);
Outcome Ftruncate(int fd, uint64_t len);
// All five arguments, always: glibc's mremap() passes a garbage new_address
// unless MREMAP_FIXED is given, which MREMAP_DONTUNMAP validates (ref 59).
Outcome Mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr);
Outcome Msync(uint64_t addr, uint64_t len, int flags);
Outcome Madvise(uint64_t addr, uint64_t len, int advice);
// move_pages(0, count, pages, nodes, status, flags) of the calling process;
// nodes == nullptr asks where each page is.
Outcome MovePages(uint64_t count, const uint64_t* pages, const int* nodes, int* status, int flags);
// migrate_pages(0, maxnode, old_nodes, new_nodes): this process.
Outcome MigratePages(uint64_t maxnode, const uint64_t* old_nodes, const uint64_t* new_nodes);
Outcome MemfdSecret(unsigned int flags);  // memfd_secret(2), syscall 447 on x86-64
// brk(2) as the kernel answers it: the new break, or the unchanged one on
// failure (glibc's brk() turns that into -1 ENOMEM).
Outcome Brk(uint64_t addr);
// fork(2) as clone(SIGCHLD, 0): 0 in the child, its pid in the parent.
long Fork();
// wait4(pid, &status, 0, NULL).
long Wait4(long pid, int* status);
// openat(dirfd, path, O_RDONLY | O_CLOEXEC).
long OpenAtReadOnly(int dirfd, const char* path);
// --thp: madvise(addr, len, MADV_HUGEPAGE) after a private anonymous mmap.
Outcome MadviseHugepage(uint64_t addr, uint64_t len);
// --thp: ioctl(pagemap_fd, PAGEMAP_SCAN) (6.7+, fs/proc/task_mmu.c) for the
// PMD-mapped parts of [start, end): up to `max` (start, end, categories)
// triples into `out`; returns their number, or -1 with the errno.
// _IOWR('f', 16, struct pm_scan_arg), the struct being 12 u64s.
constexpr unsigned long kPagemapScan = 0xC0606610UL;
constexpr uint64_t kPageIsPfnZero = 1 << 5;  // include/uapi/linux/fs.h
constexpr uint64_t kPageIsHuge = 1 << 6;
struct PageRegion {
  uint64_t start, end, categories;
};
Outcome PagemapScanHuge(int pagemap_fd, uint64_t start, uint64_t end, PageRegion* out, uint64_t max);

// Observation and plumbing, also raw: the child runs under a seccomp
// allow-list and must not reach libc paths that allocate or add syscalls.
long Pread(int fd, void* buf, size_t count, uint64_t offset);
void SchedYield();
long Write(int fd, const void* buf, size_t count);
long Pwrite(int fd, const void* buf, size_t count, uint64_t offset);
[[noreturn]] void ExitGroup(int code);
long Getppid();
long InstallSeccompFilter(const void* sock_fprog);
uint64_t MonotonicNs();  // clock_gettime(CLOCK_MONOTONIC) through the vDSO

// Privileges and limits (capget(2)/capset(2) without libcap, prlimit(2)).
struct CapSets {
  uint32_t effective[2];
  uint32_t permitted[2];
  uint32_t inheritable[2];
};
bool CapGet(CapSets* sets);
// Clears `cap` from the effective and permitted sets of `sets` and applies them.
Outcome DropCapability(const CapSets& sets, int cap);
// prlimit64(0, resource, {cur, max}, NULL); the filter allows RLIMIT_MEMLOCK only.
Outcome SetRlimit(int resource, uint64_t cur, uint64_t max);
Outcome SetMemlockLimit(uint64_t cur, uint64_t max);

}  // namespace mlc::raw
