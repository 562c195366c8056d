// The child's step loop (see step.h): RunChild() executes each op of its
// request, the touch steps under their fault handlers and fork() with a
// child of its own, and observes and reports after each step
// (runners/executor/observe.cc). Nothing allocates between acting and
// observing: every buffer was mapped before the first fork (state.h).
#include "runners/executor/step.h"

#include <setjmp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>

#include "oracles/files.h"
#include "runners/arena_guard.h"
#include "runners/executor/child.h"
#include "runners/executor/observe.h"
#include "runners/executor/probe.h"
#include "runners/executor/state.h"
#include "runners/executor/wire_io.h"
#include "runners/raw_syscalls.h"

namespace mlc::executor {
namespace {

// Touch faults: the handler jumps back into ExecuteTouch().
sigjmp_buf g_touch_jump;
volatile sig_atomic_t g_in_touch = 0;
volatile sig_atomic_t g_touch_signal = 0;
volatile uintptr_t g_null_address = 0;  // volatile: the compiler must not see a NULL store

// SIGSEGV/SIGBUS. Installed one-shot (SA_RESETHAND): outside a touch the
// handler returns, the access repeats under the default action, and the
// runner sees a crash by that signal.
void OnTouchFault(int sig, siginfo_t*, void*) {
  if (g_in_touch) {
    g_touch_signal = sig;
    siglongjmp(g_touch_jump, 1);
  }
}

}  // namespace

// SIGSYS from the seccomp filter (SCMP_ACT_TRAP): report the call and die.
void OnSeccompTrap(int, siginfo_t* info, void*) {
  wire::SeccompRecord r{};
  r.header = {wire::RecordType::kSeccomp, sizeof r, g_run, g_pid};
  r.syscall_nr = info->si_syscall;
  r.step = g_step;
  WriteAll(kRecordFd, &r, sizeof r);
  raw::ExitGroup(kExitSeccomp);
}

void ArmTouchHandlers() {
  struct sigaction sa {};
  sa.sa_sigaction = OnTouchFault;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

namespace {

Outcome ExecuteTouch(uint64_t addr, bool write) {
  volatile char* p = reinterpret_cast<volatile char*>(addr);
  g_touch_signal = 0;
  if (sigsetjmp(g_touch_jump, 1) == 0) {
    g_in_touch = 1;
    if (write) {
      *p = 1;
    } else {
      (void)*p;
    }
    g_in_touch = 0;
    return {0, 0, 0};
  }
  g_in_touch = 0;
  ArmTouchHandlers();
  return {0, 0, g_touch_signal};
}

// fork() under test: the child opens its own smaps and status (the parent's
// descriptors name the parent), maps its probe, observes everything but
// page flags, reports that as a kForkChildStep record and exits; the parent
// reaps it first, so its own observation follows with the child gone.
Outcome ExecuteFork(const wire::WireOp& op) {
  const long pid = raw::Fork();
  if (pid < 0) return {-1, errno, 0};
  if (pid == 0) {
    g_smaps_fd = static_cast<int>(raw::OpenAtReadOnly(wire::kProcDirFd, "self/smaps"));
    g_status_fd = static_cast<int>(raw::OpenAtReadOnly(wire::kProcDirFd, "self/status"));
    if (g_smaps_fd < 0 || g_status_fd < 0) ChildFail("the fork child cannot open its own smaps or status", errno);
    g_page_flags = false;
    const Outcome probe = raw::Mmap(op.addr, op.len, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    uint64_t ns = 0;
    ObserveAndReport(g_step, probe, &ns, wire::RecordType::kForkChildStep);
    raw::ExitGroup(kExitOk);
  }
  int status = 0;
  if (raw::Wait4(pid, &status) != pid) ChildFail("wait4 of the fork child failed", errno);
  // A child that failed reported why itself (kChildError, kSeccomp).
  if (!WIFEXITED(status) || WEXITSTATUS(status) != kExitOk) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == kExitSeccomp) raw::ExitGroup(kExitSeccomp);
    ChildFail("the fork child did not exit cleanly", 0);
  }
  return {0, 0, 0};
}

// memory.reclaim takes the amount as a decimal number of bytes
// (mm/memcontrol.c memory_reclaim() -> page_counter_memparse()); the write
// answers the bytes written, or -EAGAIN when less was reclaimed.
Outcome ExecuteReclaim(uint64_t bytes) {
  if (g_memcg_dir_fd < 0) ChildFail("a reclaim step without the children's memory cgroup", 0);
  char text[24];
  size_t n = sizeof text;
  do {
    text[--n] = static_cast<char>('0' + bytes % 10);
    bytes /= 10;
  } while (bytes != 0);
  const long written = raw::Write(wire::kReclaimFd, text + n, sizeof text - n);
  if (written < 0) return {-1, errno, 0};
  return {0, 0, 0};
}

// move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE) of each page of
// [addr, addr + len) to one node; status[] goes with the step's record.
// Entries the kernel does not store (a batch that aborted) keep a value no
// answer can have.
Outcome ExecuteMovePages(const wire::WireOp& op) {
  if (!g_migration) ChildFail("a move_pages step without two NUMA nodes", 0);
  const uint64_t first = op.addr & ~(g_page_size - 1);
  const uint64_t count = (op.addr + op.len - first + g_page_size - 1) / g_page_size;
  if (count > g_config.arena_pages) ChildFail("a move_pages step longer than the arena", 0);
  for (uint64_t k = 0; k < count; ++k) {
    g_move_pages[k] = op.addr + k * g_page_size;
    g_move_nodes[k] = static_cast<int>(op.offset);
    g_move_status[k] = wire::kMoveStatusUnset;
  }
  g_move_status_count = static_cast<uint32_t>(count);
  return raw::MovePages(count, g_move_pages, g_move_nodes, g_move_status, uapi::kMpolMfMove);
}

// migrate_pages() of this whole process to node op.offset from every other
// node with memory: the child's pages outside the arena move too, so only
// where the run has the machine (the executor's compaction option).
Outcome ExecuteMigratePages(const wire::WireOp& op) {
  if (!g_migration || !g_config.compaction) {
    ChildFail("a migrate_pages step without two NUMA nodes on a machine the run has to itself", 0);
  }
  if (op.offset >= 64) ChildFail("a migrate_pages step to a node beyond 63", 0);
  const uint64_t target = uint64_t{1} << op.offset;
  const uint64_t sources = g_numa_memory_nodes & ~target;
  return raw::MigratePages(65, &sources, &target);
}

// compact(allowed): compact_unevictable_allowed, then compact_memory, with
// the arena's PFNs read before and after (pagemap, bits 0-54 of a present
// entry): which pages got another page frame.
Outcome ExecuteCompact(const wire::WireOp& op) {
  if (!g_compaction) ChildFail("a compact step without compaction", 0);
  const char allowed = op.offset == 0 ? '0' : '1';
  if (raw::Pwrite(wire::kCompactUnevictableFd, &allowed, 1, 0) != 1) {
    ChildFail("cannot write /proc/sys/vm/compact_unevictable_allowed", errno);
  }
  const uint64_t bytes = g_config.arena_pages * sizeof(uint64_t);
  const uint64_t at = g_config.arena_base / g_page_size * sizeof(uint64_t);
  if (raw::Pread(g_pagemap_fd, g_compact_pfn_before, bytes, at) != static_cast<long>(bytes)) {
    ChildFail("cannot read the arena's pagemap", errno);
  }
  const long written = raw::Write(wire::kCompactMemoryFd, "1", 1);
  if (raw::Pread(g_pagemap_fd, g_compact_pfn_after, bytes, at) != static_cast<long>(bytes)) {
    ChildFail("cannot read the arena's pagemap", errno);
  }
  constexpr uint64_t kPresent = uint64_t{1} << 63;
  constexpr uint64_t kPfnMask = (uint64_t{1} << 55) - 1;
  for (uint64_t p = 0; p < g_config.arena_pages; ++p) {
    const uint64_t a = g_compact_pfn_before[p], b = g_compact_pfn_after[p];
    g_compact_moved[p] = (a & kPresent) && (b & kPresent) && (a & kPfnMask) != (b & kPfnMask);
  }
  g_compact_bytes = static_cast<uint32_t>(g_config.arena_pages);
  if (written != 1) return {-1, errno, 0};
  return {0, 0, 0};
}

[[noreturn]] void Hang() {
  for (;;) {
    asm volatile("" ::: "memory");
  }
}

Outcome Execute(const wire::WireOp& op) {
  switch (op.kind) {
    case static_cast<uint32_t>(OpKind::kMmap): {
      const Outcome out = raw::Mmap(op.addr, op.len, op.prot, op.flags);
      // --thp: private anonymous mappings ask for THPs (transhuge.rst,
      // "madvise" mode); populate by MAP_POPULATE/MAP_LOCKED came first.
      const int type = op.flags & (uapi::kMapShared | uapi::kMapPrivate);
      if (g_config.thp && out.ret >= 0 && type == uapi::kMapPrivate) {
        const Outcome adv = raw::MadviseHugepage(static_cast<uint64_t>(out.ret), op.len);
        if (adv.ret != 0) ChildFail("madvise(MADV_HUGEPAGE) of a new mapping failed", adv.err);
      }
      return out;
    }
    case static_cast<uint32_t>(OpKind::kMunmap): return raw::Munmap(op.addr, op.len);
    case static_cast<uint32_t>(OpKind::kMprotect): return raw::Mprotect(op.addr, op.len, op.prot);
    case static_cast<uint32_t>(OpKind::kMlock): return raw::Mlock(op.addr, op.len);
    case static_cast<uint32_t>(OpKind::kMlock2): return raw::Mlock2(op.addr, op.len, op.flags);
    case static_cast<uint32_t>(OpKind::kMunlock): return raw::Munlock(op.addr, op.len);
    case static_cast<uint32_t>(OpKind::kMlockall): return raw::Mlockall(op.flags);
    case static_cast<uint32_t>(OpKind::kMunlockall): return raw::Munlockall();
    case static_cast<uint32_t>(OpKind::kReadTouch): return ExecuteTouch(op.addr, false);
    case static_cast<uint32_t>(OpKind::kWriteTouch): return ExecuteTouch(op.addr, true);
    case static_cast<uint32_t>(OpKind::kDropCapIpcLock): return raw::DropCapability(g_caps, uapi::kCapIpcLock);
    case static_cast<uint32_t>(OpKind::kSetMemlockLimit): return raw::SetMemlockLimit(op.len, op.addr);
    case static_cast<uint32_t>(OpKind::kMmapFile):
      if (op.file < 0 || op.file >= kFileCount) ChildFail("mmap of an unknown file", 0);
      return raw::MmapFile(op.addr, op.len, op.prot, op.flags, wire::kFileFdBase + op.file, op.offset);
    case static_cast<uint32_t>(OpKind::kFtruncate):
      if (op.file < 0 || op.file >= kFileCount) ChildFail("ftruncate of an unknown file", 0);
      return raw::Ftruncate(wire::kFileFdBase + op.file, op.len);
    case static_cast<uint32_t>(OpKind::kMadvise): return raw::Madvise(op.addr, op.len, op.flags);
    case static_cast<uint32_t>(OpKind::kMremap):
      return raw::Mremap(op.addr, op.len, op.new_len, op.flags, op.new_addr);
    case static_cast<uint32_t>(OpKind::kBrk): return raw::Brk(g_heap_base + op.len);
    case static_cast<uint32_t>(OpKind::kFork): return ExecuteFork(op);
    case static_cast<uint32_t>(OpKind::kReclaim): return ExecuteReclaim(op.len);
    case static_cast<uint32_t>(OpKind::kMovePages): return ExecuteMovePages(op);
    case static_cast<uint32_t>(OpKind::kCompact): return ExecuteCompact(op);
    case static_cast<uint32_t>(OpKind::kMigratePages): return ExecuteMigratePages(op);
    case wire::kSelfTestForbiddenSyscall: return {raw::Getppid(), 0, 0};
    case wire::kSelfTestCrash: {
      // A fault outside any touch: the handler returns and the default action kills.
      volatile int* const null_page = reinterpret_cast<volatile int*>(g_null_address);
      *null_page = 1;
      return {};
    }
    case wire::kSelfTestHang: Hang();
    case wire::kSelfTestOtherRlimit: return raw::SetRlimit(RLIMIT_CORE, 0, 0);
  }
  ChildFail("unknown op kind", 0);
}

}  // namespace

[[noreturn]] void RunChild(uint32_t op_count) {
  const ArenaBounds arena{g_config.arena_base, g_config.arena_pages * g_page_size, g_page_size, g_huge_page_size};
  uint64_t kernel_ns = 0;
  // brk's offsets are from the break this child starts with, which the
  // model knows as the executor's (fork copies mm->brk).
  if (static_cast<uint64_t>(raw::Brk(0).ret) != g_heap_base) {
    ChildFail("the child's initial break is not the executor's heap region", 0);
  }
  WaitForHugePagePool();
  // --system-counters: the runner sent this request once the previous
  // child was reaped (its exit_mmap() done); what it left in the per-CPU
  // batches is drained, and the counters read, before the first step.
  if (g_stat_refresh_fd >= 0) {
    DrainAllCpus();
    if (!ReadSystemCounters(&g_base_counters)) {
      ChildFail("cannot read /proc/meminfo's Mlocked and Unevictable or /proc/vmstat's unevictable_pgs_*", errno);
    }
  }
  const uint64_t begin = raw::MonotonicNs();
  for (uint32_t i = 0; i < op_count; ++i) {
    g_step = i;
    if (!MayExecute(g_ops[i], arena)) ChildFail("refused a call that could touch memory outside the arena", 0);
    const uint64_t t0 = raw::MonotonicNs();
    g_move_status_count = 0;
    g_compact_bytes = 0;
    const Outcome outcome = Execute(g_ops[i]);
    kernel_ns += raw::MonotonicNs() - t0;
    ObserveAndReport(i, outcome, &kernel_ns);
  }
  wire::DoneRecord done{};
  done.header = {wire::RecordType::kDone, sizeof done, g_run, g_pid};
  done.steps = op_count;
  done.kernel_ns = kernel_ns;
  done.child_ns = raw::MonotonicNs() - begin;
  WriteAll(kRecordFd, &done, sizeof done);
  raw::ExitGroup(kExitOk);
}

}  // namespace mlc::executor
