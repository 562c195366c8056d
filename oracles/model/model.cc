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
         a.shm_mlock_uncertain == b.shm_mlock_uncertain && a.hugetlb == b.hugetlb;
}

const char* ThpStateName(ThpState s) {
  switch (s) {
    case ThpState::kNone: return "not PMD-mapped";
    case ThpState::kPmdThp: return "PMD-mapped THP";
    case ThpState::kHugeZero: return "PMD-mapped huge zero page";
    case ThpState::kPteMapped: return "not PMD-mapped (a PTE-mapped large folio)";
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
  if (config_.thp && config_.thp_pages > 0) {
    thp_.assign(config_.arena_pages / config_.thp_pages, ThpState::kNone);
    thp_folio_.assign(config_.arena_pages, 0);
    if (Mutant(PlantedBug::kThpSplitKeepsMlocked)) mutant_stale_mlock_.assign(config_.arena_pages, 0);
  }
  if (config_.migration) page_node_.assign(config_.arena_pages, -1);
}

void Model::ResetPage(size_t i, const PageState& state) {
  pages_[i] = state;
  if (!thp_folio_.empty()) thp_folio_[i] = 0;
  if (!mutant_stale_mlock_.empty()) mutant_stale_mlock_[i] = 0;
  if (!mutant_lost_mlock_.empty()) mutant_lost_mlock_[i] = 0;
  if (!page_node_.empty()) page_node_[i] = -1;
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
  const bool changes_flags = op.kind == OpKind::kMprotect || op.kind == OpKind::kMlock || op.kind == OpKind::kMlock2 ||
                             op.kind == OpKind::kMunlock || op.kind == OpKind::kMlockall ||
                             op.kind == OpKind::kMunlockall;
  std::vector<PageState> before;
  if (changes_flags && !config_.profile.anon_vma_merges_into_unfaulted) before = pages_;
  compact_pinned_.clear();
  compact_moved_.clear();
  SnapshotKnownNodes(op);
  if (!thp_.empty()) {
    thp_unseen_collapse_.assign(thp_.size(), 0);
    for (size_t r = 0; r < thp_.size(); ++r) thp_unseen_collapse_[r] = thp_[r] == ThpState::kNone && Collapsible(r);
  }
  const Outcome outcome = ApplyOp(op, fx);
  // A collapse before the call stays unseen only if the call split its PMD
  // again: a VMA boundary inside the range now, or a zap of part of it.
  for (size_t r = 0; r < thp_unseen_collapse_.size(); ++r) {
    thp_unseen_collapse_[r] = thp_unseen_collapse_[r] && (!ThpEligible(r) || op.kind == OpKind::kMadvise);
  }
  ForgetReplacedNodes();
  if (!before.empty()) NoteRefusedMerges(before);
  SpreadAnonVmaOpenness(pages_);
  SpreadAnonVmaOpenness(heap_);
  if (!thp_.empty()) {
    SplitThps(op, fx);
    if (config_.thp_simulate) SimulateThp(fx);
  }
  drained_ = DrainsAtEnd(op);
  if (drained_) fx.Note(Event::kDrainBarrier);
  if (Mutant(PlantedBug::kMunlockCountsNoEvent)) {
    const uint64_t mlocked_lo = PredictSystemCounts().mlocked_lo;
    if (mlocked_lo < mutant_mlocked_lo_) mutant_uncounted_munlocks_ += mutant_mlocked_lo_ - mlocked_lo;
    mutant_mlocked_lo_ = mlocked_lo;
  }
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
    case OpKind::kSetMemlockLimit: return SetMemlockLimit(op.limit_cur, op.limit_max, fx);
    case OpKind::kFtruncate: return Ftruncate(op, fx);
    case OpKind::kMadvise: return Madvise(op, fx);
    case OpKind::kMremap: return Mremap(op, fx);
    case OpKind::kBrk: return Brk(op.brk_offset, fx);
    case OpKind::kFork: return Fork(op, fx);
    case OpKind::kReclaim: return Reclaim(op, fx);
    case OpKind::kMovePages: return MigratePages(op, fx);
    case OpKind::kCompact: return Compact(op, fx);
    case OpKind::kMigratePages: return MigrateProcess(op, fx);
  }
  return Fail(uapi::kEinval);
}

}  // namespace mlc
