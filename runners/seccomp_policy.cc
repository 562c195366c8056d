#include "runners/seccomp_policy.h"

#include "oracles/files.h"
#include "oracles/op.h"
#include "runners/raw_syscalls.h"
#include "runners/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>

namespace mlc {
namespace {

// Why each syscall is allowed.
constexpr const char* kAllowed[] = {
    // The calls under test (oracles/op.h).
    "mmap", "munmap", "mprotect", "mlock", "mlock2", "munlock", "mlockall", "munlockall", "mremap",
    // Observation: smaps and status are read with pread on fds opened before
    // the filter; residency comes from mincore.
    "pread64", "mincore",
    // Reporting to the runner and ending.
    "write", "exit_group", "exit",
    // Touches catch SIGSEGV/SIGBUS: siglongjmp restores the mask and the
    // one-shot handler is re-armed; clock_gettime is the vDSO's fallback.
    "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "clock_gettime",
    // Waiting for the huge page pool to refill (executor/child.cc
    // WaitForHugePagePool()) without spinning against the exiting child.
    "sched_yield",
};

constexpr int kMadviseAdvice[] = {uapi::kMadvWillneed,      uapi::kMadvDontneed,       uapi::kMadvFree,
                                   uapi::kMadvCold,          uapi::kMadvPageout,        uapi::kMadvPopulateRead,
                                   uapi::kMadvPopulateWrite, uapi::kMadvDontneedLocked, 5,
                                   99};

}  // namespace

size_t BuildSeccompProgram(const SeccompOptions& options, sock_filter* out, size_t max,
                           std::string* error) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
  if (ctx == nullptr) {
    *error = "seccomp_init failed";
    return 0;
  }
  auto fail = [&](const std::string& what, int rc) -> size_t {
    *error = what + ": " + std::strerror(-rc);
    seccomp_release(ctx);
    return 0;
  };
  for (const char* name : kAllowed) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return fail(std::string("unknown syscall ") + name, -EINVAL);
    const bool deny = options.mlock2_enosys && std::strcmp(name, "mlock2") == 0;
    const int rc = seccomp_rule_add(ctx, deny ? SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_ALLOW, nr, 0);
    if (rc < 0) return fail(std::string("seccomp_rule_add(") + name + ")", rc);
  }
  // A waiting child reads its request after the filter is in place, and
  // reads nothing else.
  const int rc_read = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
                                       SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(wire::kRequestFd)));
  if (rc_read < 0) return fail("seccomp_rule_add(read)", rc_read);
  // Sequences that run without CAP_IPC_LOCK drop it with capset(2), which
  // can only lower the permitted set (its arguments are pointers the filter
  // cannot inspect). RLIMIT_MEMLOCK changes use prlimit64 on this process
  // and this one limit only, without reading the old value.
  const int rc_capset = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(capset), 0);
  if (rc_capset < 0) return fail("seccomp_rule_add(capset)", rc_capset);
  const int rc_prlimit = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 3, SCMP_A0(SCMP_CMP_EQ, 0),
                                          SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(RLIMIT_MEMLOCK)),
                                          SCMP_A3(SCMP_CMP_EQ, 0));
  if (rc_prlimit < 0) return fail("seccomp_rule_add(prlimit64)", rc_prlimit);
  // move_pages of this process only (pid 0): the move_pages() step and the
  // node of every page (runners/executor/observe.cc). The pages it names
  // are the arena's (runners/arena_guard.cc); the filter cannot read the
  // array.
  const int rc_move = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(move_pages), 1, SCMP_A0(SCMP_CMP_EQ, 0));
  if (rc_move < 0) return fail("seccomp_rule_add(move_pages)", rc_move);
  // migrate_pages of this process only (pid 0): the migrate_pages() step,
  // run only on a machine the run has to itself (runners/executor/step.cc).
  const int rc_migrate = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(migrate_pages), 1, SCMP_A0(SCMP_CMP_EQ, 0));
  if (rc_migrate < 0) return fail("seccomp_rule_add(migrate_pages)", rc_migrate);
  // pwrite64 only to compact_unevictable_allowed (a compact() step; a
  // sysctl takes a write at offset 0 only, and lseek is not allowed).
  const int rc_pwrite = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pwrite64), 1,
                                         SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(wire::kCompactUnevictableFd)));
  if (rc_pwrite < 0) return fail("seccomp_rule_add(pwrite64)", rc_pwrite);
  // msync only as the lock witness: MS_INVALIDATE, which has no other effect
  // without MS_SYNC (mm/msync.c).
  const int rc_msync = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(msync), 1,
                                        SCMP_A2(SCMP_CMP_EQ, static_cast<scmp_datum_t>(uapi::kMsInvalidate)));
  if (rc_msync < 0) return fail("seccomp_rule_add(msync)", rc_msync);
  // ftruncate (a call under test) only of the child's own files.
  for (int f = 0; f < kFileCount; ++f) {
    if (!IsTruncatable(f)) continue;
    const int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ftruncate), 1,
                                    SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(wire::kFileFdBase + f)));
    if (rc < 0) return fail("seccomp_rule_add(ftruncate)", rc);
  }
  // madvise (a call under test) only with the advice the model knows and
  // the unassigned values generators use for EINVAL: never one that would
  // change more than the arena's pages (e.g. MADV_HWPOISON).
  for (const int advice : kMadviseAdvice) {
    const int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 1,
                                    SCMP_A2(SCMP_CMP_EQ, static_cast<scmp_datum_t>(advice)));
    if (rc < 0) return fail("seccomp_rule_add(madvise)", rc);
  }
  // brk (a call under test): the runner keeps its target within the heap
  // region (MayExecute()).
  const int rc_brk = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(brk), 0);
  if (rc_brk < 0) return fail("seccomp_rule_add(brk)", rc_brk);
  // fork steps: clone(SIGCHLD) exactly (a plain fork, no shared VM or
  // threads), wait4 without options or rusage, and in the child openat of
  // /proc-relative paths, read-only, for its own smaps and status.
  const int rc_clone = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                        SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(SIGCHLD)));
  if (rc_clone < 0) return fail("seccomp_rule_add(clone)", rc_clone);
  const int rc_wait = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(wait4), 2, SCMP_A2(SCMP_CMP_EQ, 0),
                                       SCMP_A3(SCMP_CMP_EQ, 0));
  if (rc_wait < 0) return fail("seccomp_rule_add(wait4)", rc_wait);
  const int rc_openat =
      seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 2,
                       SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(wire::kProcDirFd)),
                       SCMP_A2(SCMP_CMP_EQ, static_cast<scmp_datum_t>(O_RDONLY | O_CLOEXEC)));
  if (rc_openat < 0) return fail("seccomp_rule_add(openat)", rc_openat);
  // --thp: madvise only to mark a mapping MADV_HUGEPAGE (no effect but
  // VM_HUGEPAGE), and ioctl only to ask the pagemap which ranges are
  // PMD-mapped (PAGEMAP_SCAN without PM_SCAN_WP_MATCHING changes nothing).
  if (options.thp) {
    const int rc_madvise = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 1,
                                            SCMP_A2(SCMP_CMP_EQ, static_cast<scmp_datum_t>(MADV_HUGEPAGE)));
    if (rc_madvise < 0) return fail("seccomp_rule_add(madvise)", rc_madvise);
    const int rc_ioctl = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                          SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(raw::kPagemapScan)));
    if (rc_ioctl < 0) return fail("seccomp_rule_add(ioctl)", rc_ioctl);
  }
  // libseccomp 2.5 exports BPF only to a file descriptor.
  int fds[2];
  if (pipe(fds) != 0) return fail("pipe", -errno);
  const int rc = seccomp_export_bpf(ctx, fds[1]);
  close(fds[1]);
  seccomp_release(ctx);
  if (rc < 0) {
    close(fds[0]);
    *error = std::string("seccomp_export_bpf: ") + std::strerror(-rc);
    return 0;
  }
  size_t bytes = 0;
  const size_t capacity = max * sizeof(sock_filter);
  char* dst = reinterpret_cast<char*>(out);
  for (;;) {
    const ssize_t n = read(fds[0], dst + bytes, capacity - bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes += static_cast<size_t>(n);
    if (bytes == capacity) break;
  }
  close(fds[0]);
  if (bytes == 0 || bytes % sizeof(sock_filter) != 0 || bytes == capacity) {
    *error = "seccomp program has an unexpected size";
    return 0;
  }
  return bytes / sizeof(sock_filter);
}

std::string SyscallName(int nr) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (name == nullptr) return "#" + std::to_string(nr);
  std::string out = name;
  free(name);
  return out;
}

}  // namespace mlc
