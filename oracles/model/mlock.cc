// mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2): VM_LOCKED and
// VM_LOCKONFAULT per VMA, mm->def_flags, and which pages end up PG_mlocked.
// Mirrors mm/mlock.c (apply_vma_lock_flags(), mlock_fixup(), apply_mlockall_flags()).

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

bool Model::MlockUncertain(const PageState& page) const {
  if (page.file < 0 && page.shared) return page.shm_mlock_uncertain;
  if (page.file < 0 || page.cow) return false;
  const auto& u = files_[static_cast<size_t>(page.file)].mlock_uncertain;
  if (page.file_page < u.size() && u[page.file_page]) return true;
  // Another mapping of the page whose pte may be gone (MADV_PAGEOUT) may or
  // may not be the locked one that keeps it mlocked.
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + page.file_page;
    if (i >= pages_.size()) break;
    const PageState& other = pages_[i];
    if (other.mapped && other.file == page.file && other.file_page == page.file_page && !other.cow && other.open) {
      return true;
    }
  }
  return false;
}

// 5.18+ (mm/mlock.c, mm/rmap.c): a page is PG_mlocked while a VM_LOCKED VMA
// maps it; a page-cache page is shared by every mapping of its file page.
// The zero page never is (ref 36, 45).
bool Model::PageMlocked(size_t index) const {
  const PageState& page = pages_[index];
  if (page.residency != Residency::kPage) return false;
  if (!mutant_stale_mlock_.empty() && mutant_stale_mlock_[index]) return true;
  if (!mutant_lost_mlock_.empty() && mutant_lost_mlock_[index]) return false;
  if (page.file < 0 || page.cow) return page.lock != Lock::kNone;
  return MappedLocked(page);
}

// Whether a VM_LOCKED VMA maps this page: its own, or for a page-cache page
// any mapping of it with a pte (mlock_count, mm/mlock.c).
bool Model::MappedLocked(const PageState& page) const {
  if (page.lock != Lock::kNone) return true;
  if (page.file < 0 || page.cow) return false;
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + page.file_page;
    if (i >= pages_.size()) break;
    const PageState& other = pages_[i];
    if (other.mapped && other.file == page.file && other.file_page == page.file_page && !other.cow &&
        other.residency == Residency::kPage && other.lock != Lock::kNone) {
      return true;
    }
  }
  return false;
}

// Where PG_mlocked of a page-cache page stops being determined:
// - a locked mapping's pte is zapped or replaced by a COW copy: the rmap
//   path calls munlock_vma_folio() -> munlock_folio(), which leaves the
//   clearing to the per-CPU batch ("folio_test_clear_mlocked(folio) must be
//   left to __munlock_folio()", mm/mlock.c), with no drain in munmap,
//   mmap(MAP_FIXED), ftruncate or the fault path;
// - a page mapped by two mappings is unlocked in one: mlock_count may
//   undercount ("Err on the safe side, underestimate, let page reclaim fix
//   it", mm/swap.c lru_add()), so __munlock_folio() may clear PG_mlocked
//   while the other mapping still has it locked.
// Such a page stays "may be either" until its page is dropped by truncation.
void Model::NoteMlockDropped(PageState& page, bool zapped, StepEffects& fx) {
  // A shared anonymous page zapped by MADV_DONTNEED_LOCKED stays in its
  // shmem object, a page-cache page like a file's.
  if (page.file < 0 && page.shared && zapped && page.residency == Residency::kPage && page.lock != Lock::kNone) {
    page.shm_mlock_uncertain = true;  // munmap and MAP_FIXED then drop the page and this flag
    return;
  }
  if (page.file < 0 || page.cow || page.residency != Residency::kPage || page.lock == Lock::kNone) return;
  if (!zapped && FileMapcount(page.file, page.file_page) < 2) return;
  auto& u = files_[static_cast<size_t>(page.file)].mlock_uncertain;
  if (page.file_page >= u.size()) u.resize(page.file_page + 1, false);
  if (!u[page.file_page]) fx.Note(Event::kMlockUncertain);
  u[page.file_page] = true;
}

void Model::SetLock(PageState& page, Lock lock, StepEffects& fx) {
  if (lock == Lock::kNone) NoteMlockDropped(page, /*zapped=*/false, fx);
  // The mutant's lost PG_mlocked comes back with the next lock change's walk.
  if (!mutant_lost_mlock_.empty() && &page >= pages_.data() && &page < pages_.data() + pages_.size()) {
    mutant_lost_mlock_[static_cast<size_t>(&page - pages_.data())] = 0;
  }
  ++fx.lock_transitions[static_cast<size_t>(page.lock)][static_cast<size_t>(lock)];
  page.lock = lock;
}

void Model::SetAllLocks(Lock lock, StepEffects& fx) {
  // mlock_fixup() -> vma_modify_flags() of a VMA whose flags change may
  // merge it with its neighbours: a refused merge is open again.
  for (size_t i = 0; i < pages_.size(); ++i) {
    PageState& page = pages_[i];
    const bool changes = page.mapped && page.file != kSecretmem && !page.hugetlb && page.lock != lock;
    const bool prev_changes = i > 0 && pages_[i - 1].mapped && pages_[i - 1].file != kSecretmem &&
                              !pages_[i - 1].hugetlb && pages_[i - 1].lock != lock;
    if (page.unmerged_start && (changes || prev_changes)) {
      page.unmerged_start = false;
      page.seam = true;
    }
  }
  for (auto& page : pages_) {
    if (page.mapped && page.file == kSecretmem) fx.Note(Event::kSecretmemStaysLocked);  // mlock_fixup()
    // mlock_fixup() leaves hugetlb VMAs alone too: "don't set VM_LOCKED or
    // VM_LOCKONFAULT and don't count" (is_vm_hugetlb_page(), ref 21, 63).
    if (page.mapped && page.hugetlb) fx.Note(Event::kHugetlbLockSkipped);
    if (page.mapped && page.file != kSecretmem && !page.hugetlb) {
      if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;  // the walk
      SetLock(page, lock, fx);
    }
  }
  // The heap's VMAs are walked like every other (apply_mlockall_flags()).
  for (auto& page : heap_) {
    if (!page.mapped) continue;
    if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;
    SetLock(page, lock, fx);
  }
  if ((outside_lock_ == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;
  outside_lock_ = lock;
}

// apply_vma_lock_flags(), mm/mlock.c: wrap-around is EINVAL, an empty range
// succeeds, a start outside any VMA is ENOMEM with no change, and a hole later
// in the range is ENOMEM after every VMA before it was already changed (ref 4,
// 6; the man page's "no changes" is wrong for that case).
int Model::ApplyLockFlags(uint64_t start, uint64_t len, Lock lock, StepEffects& fx) {
  const uint64_t end = start + len;
  if (end < start) return Mutant(PlantedBug::kWrapAroundIsEnomem) ? -uapi::kEnomem : -uapi::kEinval;
  if (end == start) return 0;
  if (!MappedAt(start)) {
    fx.Note(Event::kLockStartsInHole);
    return -uapi::kEnomem;
  }
  // mlock_fixup() may split the VMAs at both ends, but only those whose
  // flags change ("if (newflags == oldflags || ...) goto out" comes before
  // any split; found as nobody on 6.18: a munlock of unlocked pages left a
  // seam that kept a later fault from its VMA's anon_vma).
  auto splits = [&](uint64_t addr) {
    const int64_t i = PageIndex(addr);
    if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) return true;
    const PageState& page = pages_[static_cast<size_t>(i)];
    return page.file != kSecretmem && !page.hugetlb && page.lock != lock;
  };
  // Mutant kRelockAcrossSeamDoubleCounts: the first VMA's old flags
  // decide the count of every VMA in the range.
  const bool first_unlocked = pages_[static_cast<size_t>(PageIndex(start))].lock == Lock::kNone;
  if (splits(start)) MarkSeam(static_cast<uint64_t>(PageIndex(start)));
  if (splits(end - config_.page_size)) MarkSeam(static_cast<uint64_t>(PageIndex(start)) + len / config_.page_size);
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    const int64_t i = PageIndex(addr);
    if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) {
      fx.Note(Event::kLockAcrossHole);
      return -uapi::kEnomem;
    }
    // mlock_fixup(): newflags = (vm_flags & ~VM_LOCKED_MASK) | requested,
    // except for secretmem, which it leaves alone ("don't set VM_LOCKED or
    // VM_LOCKONFAULT and don't count", ref 21, 22).
    PageState& page = pages_[static_cast<size_t>(i)];
    if (page.file == kSecretmem) {
      fx.Note(Event::kSecretmemStaysLocked);
      continue;
    }
    // ... and hugetlb VMAs, before any split (is_vm_hugetlb_page() in the
    // same test): no VM_LOCKED, no locked_vm, no EINVAL for an unaligned
    // range (ref 63).
    if (page.hugetlb) {
      fx.Note(Event::kHugetlbLockSkipped);
      continue;
    }
    if (config_.planted_bug == PlantedBug::kOnFaultOverLockedKeepsLo && lock == Lock::kOnFault &&
        page.lock == Lock::kLocked) {
      continue;
    }
    if (lock == Lock::kLocked && page.lock == Lock::kOnFault) {
      if (Mutant(PlantedBug::kMlockOverOnFaultKeepsLf)) continue;
      if (Mutant(PlantedBug::kMlockOverOnFaultDoubleCounts)) ++vmlck_skew_pages_;
    }
    if (lock != Lock::kNone && page.lock != Lock::kNone && first_unlocked &&
        Mutant(PlantedBug::kRelockAcrossSeamDoubleCounts)) {
      ++vmlck_skew_pages_;
    }
    // mlock_vma_pages_range() walks (and drains) when VM_LOCKED changes.
    if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;
    // A VMA whose flags change is offered to its predecessor again
    // (mlock_fixup() -> vma_modify_flags() / 6.1 vma_merge()): a merge
    // refused earlier is for the rules to decide anew (NoteRefusedMerges()
    // after the call). Found by a 6.1.192 guest run: mlock() over two VMAs
    // that by then shared an anon_vma merged them.
    if (page.lock != lock) page.unmerged_start = false;
    SetLock(page, lock, fx);
  }
  return 0;
}

// do_mlock(), mm/mlock.c. can_do_mlock() comes first: EPERM for a zero
// limit without CAP_IPC_LOCK, whatever the range, a zero length included
// (mlock(2) EPERM, ref 2). Then rounding (ref 8): start &= PAGE_MASK,
// len = PAGE_ALIGN(len + offset_in_page(start)), in unsigned long arithmetic
// so that a huge len can round to 0 (ref 5); then the RLIMIT_MEMLOCK check
// (CheckMlockLimit). Populate runs only after the flags were applied without
// error, and its -EFAULT becomes ENOMEM without undoing the flags
// (__mlock_posix_error_return, ref 9, 34).
Outcome Model::DoMlock(uint64_t start, uint64_t len, Lock lock, StepEffects& fx) {
  if (!CanDoMlock()) {
    fx.Note(Event::kNoLockPermission);
    return Fail(uapi::kEperm);
  }
  const uint64_t mask = config_.page_size - 1;
  const uint64_t requested = len;
  len = (len + (start & mask) + mask) & ~mask;
  start &= ~mask;
  if (const int over = CheckMlockLimit(start, len, fx); over != 0) return Fail(-over);
  if (len == 0 && requested != 0 && Mutant(PlantedBug::kHugeLengthIsEinval)) return Fail(uapi::kEinval);
  const int rc = ApplyLockFlags(start, len, lock, fx);
  if (rc != 0) return Fail(-rc);
  const int populated = Populate(start, start + len, /*ignore_errors=*/false, fx);
  if (populated == -uapi::kEfault) return Fail(uapi::kEnomem);
  return FromKernel(populated);
}

// Mutant kMunlockPartialMiscounts: the locked pages next to [start, end)
// that share a VMA with its first or last page (same lock, protection and
// type: the model's stand-in for "one VMA").
int64_t Model::LockedNeighbours(uint64_t start, uint64_t end) const {
  const int64_t first = PageIndex(start);
  const int64_t last = PageIndex(end - 1);
  if (first < 0 || last < 0) return 0;
  auto same_vma = [&](int64_t i, int64_t j) {
    const PageState& a = pages_[static_cast<size_t>(i)];
    const PageState& b = pages_[static_cast<size_t>(j)];
    return a.mapped && b.mapped && a.lock != Lock::kNone && a.lock == b.lock && a.prot == b.prot &&
           a.shared == b.shared;
  };
  int64_t extra = 0;
  for (int64_t i = first - 1; i >= 0 && same_vma(i, first); --i) ++extra;
  const auto n = static_cast<int64_t>(pages_.size());
  for (int64_t i = last + 1; i < n && same_vma(i, last); ++i) ++extra;
  return extra;
}

// SYSCALL_DEFINE2(munlock), mm/mlock.c: same rounding, no populate, and it
// never returns EPERM (ref 2, 20).
Outcome Model::Munlock(uint64_t start, uint64_t len, StepEffects& fx) {
  const uint64_t mask = config_.page_size - 1;
  len = (len + (start & mask) + mask) & ~mask;
  start &= ~mask;
  const int64_t extra = Mutant(PlantedBug::kMunlockPartialMiscounts) ? LockedNeighbours(start, start + len) : 0;
  const int rc = ApplyLockFlags(start, len, Lock::kNone, fx);
  if (rc == 0) vmlck_skew_pages_ -= extra;
  return FromKernel(rc);
}

// SYSCALL_DEFINE1(mlockall) + apply_mlockall_flags(), mm/mlock.c (ref 3, 11,
// 51, 52): invalid flags are EINVAL; then EPERM when !can_do_mlock() (ref
// 2); then, without CAP_IPC_LOCK, MCL_CURRENT is ENOMEM when mm->total_vm
// (every mapped page, not locked_vm) exceeds the limit, with nothing changed,
// def_flags included (ref 10); MCL_FUTURE is not checked here. Every call
// that gets through first clears the future-lock bits of mm->def_flags;
// MCL_FUTURE alone leaves existing VMAs alone; MCL_CURRENT sets every VMA to
// exactly VM_LOCKED (+VM_LOCKONFAULT with MCL_ONFAULT), ignoring per-VMA
// errors, then populates everything with errors ignored.
Outcome Model::Mlockall(int flags, StepEffects& fx) {
  const int known = uapi::kMclCurrent | uapi::kMclFuture | uapi::kMclOnfault;
  if (flags == 0 || (flags & ~known) != 0) return Fail(uapi::kEinval);
  if (flags == uapi::kMclOnfault && config_.profile.mlockall_onfault_alone_is_einval &&
      !Mutant(PlantedBug::kMlockallOnfaultAloneUnlocks)) {
    return Fail(uapi::kEinval);
  }
  if (!CanDoMlock()) {
    fx.Note(Event::kNoLockPermission);
    return Fail(uapi::kEperm);
  }
  if ((flags & uapi::kMclCurrent) && !cap_ipc_lock_ && TotalVmPages() > LimitPages()) {
    fx.Note(Event::kMlockallOverTotalVm);
    return Fail(uapi::kEnomem);
  }
  if (flags == uapi::kMclOnfault) return Munlockall(fx);  // 4.4-5.1: to_add == 0 unlocks everything
  const Lock lock = (flags & uapi::kMclOnfault) ? Lock::kOnFault : Lock::kLocked;
  if (flags & uapi::kMclFuture) {
    const bool onfault_kept = future_lock_ == Lock::kOnFault && Mutant(PlantedBug::kMlockallFutureKeepsOnFault);
    future_lock_ = lock == Lock::kOnFault && Mutant(PlantedBug::kFutureOnFaultLosesLf) ? Lock::kLocked
                   : onfault_kept                                                     ? Lock::kOnFault
                                                                                      : lock;
  } else if (!Mutant(PlantedBug::kMlockallCurrentKeepsFuture)) {
    future_lock_ = Lock::kNone;
  }
  if (flags & uapi::kMclCurrent) {
    SetAllLocks(lock, fx);
    // mm_populate(0, TASK_SIZE): the arena is the part we observe.
    Populate(config_.arena_base, config_.arena_base + config_.arena_pages * config_.page_size,
             /*ignore_errors=*/true, fx);
    // ... and the heap, private anonymous read/write: write faults, none
    // for VM_LOCKONFAULT (populate_vma_page_range(), as in Populate()).
    for (size_t i = 0; i < heap_.size(); ++i) {
      PageState& page = heap_[i];
      if (!page.mapped) continue;
      if (page.lock == Lock::kOnFault) {
        fx.Note(Event::kPopulateSkippedOnFault);
        continue;
      }
      drain_this_step_ = true;
      FaultIn(page, /*write=*/true, fx);
      NoteAnonVma(heap_, i);
    }
  }
  return Ok();
}

// SYSCALL_DEFINE0(munlockall) = apply_mlockall_flags(0): clears def_flags and
// unlocks every VMA; always 0 (ref 52).
Outcome Model::Munlockall(StepEffects& fx) {
  if (!Mutant(PlantedBug::kMunlockallKeepsFuture)) future_lock_ = Lock::kNone;
  SetAllLocks(Lock::kNone, fx);
  return Ok();
}

}  // namespace mlc
