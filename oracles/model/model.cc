// The model's core: the page record, event names, construction, and Apply(),
// which dispatches each call to its rule family (one file per family, named
// after the mm/ file it mirrors).

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

bool operator==(const PageState& a, const PageState& b) {
  return a.mapped == b.mapped && a.shared == b.shared && a.prot == b.prot && a.lock == b.lock &&
         a.residency == b.residency && a.file == b.file && a.cow == b.cow && a.file_page == b.file_page &&
         a.account == b.account && a.open == b.open && a.shm_cached == b.shm_cached && a.shm_id == b.shm_id &&
         a.shm_mlock_uncertain == b.shm_mlock_uncertain &&
         a.thp_folio == b.thp_folio && a.stale_mlock == b.stale_mlock && a.hugetlb == b.hugetlb;
}

const char* ThpStateName(ThpState s) {
  switch (s) {
    case ThpState::kNone: return "not PMD-mapped";
    case ThpState::kPmdThp: return "PMD-mapped THP";
    case ThpState::kHugeZero: return "PMD-mapped huge zero page";
  }
  return "?";
}

const char* EventName(Event e) {
  switch (e) {
    case Event::kLockAcrossHole: return "lock call crossed a hole after changing pages (ENOMEM)";
    case Event::kLockStartsInHole: return "lock call started in a hole (ENOMEM, no change)";
    case Event::kPopulateStoppedAtProtNone: return "populate stopped at PROT_NONE (ENOMEM)";
    case Event::kPopulateSkippedOnFault: return "populate skipped an ONFAULT page";
    case Event::kMapFixedReplacedLocked: return "MAP_FIXED replaced locked pages";
    case Event::kMunmapOfLocked: return "munmap of locked pages";
    case Event::kMprotectPopulated: return "mprotect(+W) populated a locked private page";
    case Event::kZeroPageReplaced: return "zero page replaced by a real page";
    case Event::kTouchFaulted: return "touch raised SIGSEGV";
    case Event::kFutureLockedMmap: return "mmap locked by MCL_FUTURE";
    case Event::kNoLockPermission: return "EPERM: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK";
    case Event::kMlockOverLimit: return "mlock/mlock2 over RLIMIT_MEMLOCK (ENOMEM)";
    case Event::kMlockFitAfterDiscount: return "mlock fit the limit only after discounting locked pages";
    case Event::kMlockallOverTotalVm: return "mlockall(MCL_CURRENT): total_vm over the limit (ENOMEM)";
    case Event::kLockedMmapOverLimit: return "locked mmap over RLIMIT_MEMLOCK (EAGAIN)";
    case Event::kMapFixedEagainOverOwnLocked: return "EAGAIN though the replaced locked pages would make room";
    case Event::kLimitChanged: return "RLIMIT_MEMLOCK changed";
    case Event::kLimitBelowLockedVm: return "RLIMIT_MEMLOCK lowered below locked_vm";
    case Event::kPopulateStoppedAtEof: return "populate stopped beyond EOF (ENOMEM)";
    case Event::kTouchBeyondEof: return "touch beyond EOF raised SIGBUS";
    case Event::kFileCowBroken: return "private file page replaced by its copy";
    case Event::kTruncateZapped: return "ftruncate unmapped pages";
    case Event::kTruncateZappedLocked: return "ftruncate unmapped locked pages";
    case Event::kDrainBarrier: return "step ended with a drain (unevictable compared)";
    case Event::kMlockUncertain: return "page-cache page's mlocked flag left open";
    case Event::kSecretmemStaysLocked: return "lock call left secretmem pages unchanged";
    case Event::kPopulateRefusedSecretmem: return "populate refused secretmem (EFAULT)";
    case Event::kSecretmemCharged: return "secretmem fault charged the user's locked_vm";
    case Event::kSecretmemChargeSigbus: return "secretmem fault over RLIMIT_MEMLOCK (SIGBUS)";
    case Event::kMadvLockedEinval: return "madvise EINVAL on a locked VMA";
    case Event::kMadvPartialEinval: return "madvise EINVAL on a locked VMA after advising earlier VMAs";
    case Event::kMadvZapped: return "MADV_DONTNEED zapped present pages";
    case Event::kMadvZappedLocked: return "MADV_DONTNEED_LOCKED zapped locked pages";
    case Event::kMadvFreeLazy: return "MADV_FREE made pages lazyfree (residency left open)";
    case Event::kMadvFreeNotAnon: return "MADV_FREE on a shared or file mapping (EINVAL)";
    case Event::kMadvColdKept: return "MADV_COLD kept present pages";
    case Event::kMadvPageoutKept: return "MADV_PAGEOUT kept anonymous pages (no swap)";
    case Event::kMadvPageoutOpen: return "MADV_PAGEOUT left a shmem page's residency open";
    case Event::kMadvWillneed: return "MADV_WILLNEED over mapped pages";
    case Event::kMadvPopulated: return "MADV_POPULATE_READ/WRITE faulted pages in";
    case Event::kMadvPopulateEinval: return "MADV_POPULATE_* without the access (EINVAL)";
    case Event::kMadvPopulateEof: return "MADV_POPULATE_* beyond EOF (EFAULT)";
    case Event::kMadvHole: return "madvise ENOMEM for a hole after advising the mapped parts";
    case Event::kMremapShrankLocked: return "mremap shrink unmapped locked pages";
    case Event::kMremapGrewLocked: return "mremap grew a locked VMA in place (populated)";
    case Event::kMremapGrewOnFault: return "mremap grew an ONFAULT VMA in place (not populated)";
    case Event::kMremapMovedLocked: return "mremap moved locked pages";
    case Event::kMremapDontunmap: return "MREMAP_DONTUNMAP left the old range empty";
    case Event::kMremapAcrossVmas: return "mremap range not within one VMA (EFAULT)";
    case Event::kMremapOverLimit: return "mremap growth of a locked VMA over RLIMIT_MEMLOCK (EAGAIN)";
    case Event::kMremapMovedSeveralVmas: return "mremap moved several VMAs or gaps at once";
    case Event::kBrkGrowLocked: return "brk grew a locked heap (MCL_FUTURE, populated)";
    case Event::kBrkGrowOnFault: return "brk grew a lo+lf heap (MCL_FUTURE|MCL_ONFAULT)";
    case Event::kBrkGrowUnlocked: return "brk grew an unlocked heap";
    case Event::kBrkShrinkLocked: return "brk shrink unmapped locked pages";
    case Event::kBrkOverLimit: return "brk over RLIMIT_MEMLOCK (break unchanged)";
    case Event::kForkWithLocked: return "fork with locked pages";
    case Event::kForkWithFuture: return "fork with MCL_FUTURE set";
    case Event::kForkCopiedPtes: return "fork copied ptes of an anon_vma VMA";
    case Event::kForkAnonVmaOpen: return "fork: a VMA's anon_vma (child ptes) left open";
    case Event::kThpPmdMapped: return "THP PMD-mapped (fault, populate or khugepaged)";
    case Event::kThpHugeZeroMapped: return "huge zero page PMD-mapped";
    case Event::kThpLockedWhole: return "PMD-mapped THP locked whole";
    case Event::kThpSplitAtLockBoundary: return "THP PMD split at a lock boundary";
    case Event::kThpSplitOther: return "THP PMD split by mprotect/munmap/mmap/write";
    case Event::kThpZappedByMadvise: return "THP zapped in part (PMD split) or whole by madvise";
    case Event::kThpSplitMlockOpen: return "PTE-mapped THP page in a locked VMA: mlocked open";
    case Event::kThpRejected: return "kernel PMD mapping the rules do not allow";
    case Event::kHugetlbMapped: return "hugetlb mapping created";
    case Event::kHugetlbLockSkipped: return "hugetlb pages a lock request left unlocked";
    case Event::kHugetlbPopulated: return "populate allocated a huge page";
    case Event::kHugetlbTouched: return "touch allocated a huge page";
    case Event::kHugetlbSplitRefused: return "split of a hugetlb VMA off its huge page boundary refused";
    case Event::kHugetlbNoReserve: return "MAP_HUGETLB without free huge pages (ENOMEM)";
    case Event::kCount: break;
  }
  return "?";
}

const char* LockName(Lock lock) {
  switch (lock) {
    case Lock::kNone: return "unlocked";
    case Lock::kLocked: return "lo";
    case Lock::kOnFault: return "lo+lf";
  }
  return "?";
}

Model::Model(const ModelConfig& config)
    : config_(config),
      pages_(config.arena_pages),
      cap_ipc_lock_(config.cap_ipc_lock),
      memlock_cur_(config.memlock_cur),
      memlock_max_(config.memlock_max),
      heap_(config.heap_pages) {
  for (FileState& f : files_) {
    f.size = kFileInitialPages * config_.page_size;
    f.cached.assign(kFileWindowPages, false);
    f.mlock_uncertain.assign(kFileWindowPages, false);
    f.cache_open.assign(kFileWindowPages, false);
  }
  if (config_.thp && config_.thp_pages > 0) thp_.assign(config_.arena_pages / config_.thp_pages, ThpState::kNone);
}

// Whether `op` ended with lru_add_drain() after its last addition to the
// per-CPU mlock and LRU batches, so that with the child pinned to one CPU
// every batch is empty and KPF_UNEVICTABLE equals KPF_MLOCKED (ref 43).
// The drains: mlock_vma_pages_range() around its walk, i.e. whenever
// mlock_fixup() changes VM_LOCKED of a VMA (mm/mlock.c), and the end of
// every populate_vma_page_range() that gets past its VM_LOCKONFAULT and
// !vma_is_accessible() returns (mm/gup.c, ece369c7e104), from mlock,
// mlockall, mmap and mprotect alike. Those calls add to the batches only
// before such a drain (zaps of MAP_FIXED come before populate); munmap,
// ftruncate and touches add without one.
bool Model::DrainsAtEnd(const Op& op) const {
  switch (op.kind) {
    case OpKind::kMlock:
    case OpKind::kMlock2:
    case OpKind::kMunlock:
    case OpKind::kMlockall:
    case OpKind::kMunlockall:
    case OpKind::kMmap:
    case OpKind::kMmapFile:
    case OpKind::kMprotect:
    case OpKind::kMadvise: return drain_this_step_;
    case OpKind::kMremap: return drain_this_step_;  // its populate comes last
    case OpKind::kBrk: return drain_this_step_;
    default: return false;
  }
}

Outcome Model::Apply(const Op& op, StepEffects* effects) {
  StepEffects scratch;
  StepEffects& fx = effects ? *effects : scratch;
  drain_this_step_ = false;
  fork_child_.reset();
  const Outcome outcome = ApplyOp(op, fx);
  SpreadAnonVmaOpenness(pages_);
  SpreadAnonVmaOpenness(heap_);
  if (!thp_.empty()) {
    SplitThps(op, fx);
    if (config_.thp_simulate) SimulateThp(fx);
  }
  drained_ = DrainsAtEnd(op);
  if (drained_) fx.Note(Event::kDrainBarrier);
  return outcome;
}

Outcome Model::ApplyOp(const Op& op, StepEffects& fx) {
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  switch (op.kind) {
    case OpKind::kMmap:
    case OpKind::kMmapFile:
      // Labels are handed out per generated mmap, whether or not it succeeds.
      if (op.region >= next_region_id_) next_region_id_ = op.region + 1;
      return Mmap(op, fx);
    case OpKind::kMunmap: return Munmap(op, fx);
    case OpKind::kMprotect: return Mprotect(op, fx);
    case OpKind::kMlock: return DoMlock(addr, op.len, Lock::kLocked, fx);
    case OpKind::kMlock2:
      if (!config_.has_mlock2) return Fail(uapi::kEnosys);
      // The flag check precedes everything else (SYSCALL_DEFINE3(mlock2), ref 1).
      if (op.flags & ~uapi::kMlockOnfault) return Fail(uapi::kEinval);
      return DoMlock(addr, op.len, (op.flags & uapi::kMlockOnfault) ? Lock::kOnFault : Lock::kLocked,
                     fx);
    case OpKind::kMunlock: return Munlock(addr, op.len, fx);
    case OpKind::kMlockall: return Mlockall(op.flags, fx);
    case OpKind::kMunlockall: return Munlockall(fx);
    case OpKind::kReadTouch: return Touch(op, /*write=*/false, fx);
    case OpKind::kWriteTouch: return Touch(op, /*write=*/true, fx);
    case OpKind::kDropCapIpcLock:
      // capset(2) lowering the permitted and effective sets needs no
      // privilege; capable(CAP_IPC_LOCK) is false from here on.
      if (!Mutant(PlantedBug::kCapDropIgnored)) cap_ipc_lock_ = false;
      return Ok();
    case OpKind::kSetMemlockLimit: return SetMemlockLimit(op.len, op.addr, fx);
    case OpKind::kFtruncate: return Ftruncate(op, fx);
    case OpKind::kMadvise: return Madvise(op, fx);
    case OpKind::kMremap: return Mremap(op, fx);
    case OpKind::kBrk: return Brk(op.len, fx);
    case OpKind::kFork: return Fork(op, fx);
  }
  return Fail(uapi::kEinval);
}

}  // namespace mlc
