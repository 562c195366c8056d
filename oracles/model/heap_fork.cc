// brk(2) and fork(2): the heap as a second region, and the fork child's own
// view of the address space. Mirrors mm/mmap.c (do_brk_flags()) and
// kernel/fork.c (dup_mmap()).

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

// SYSCALL_DEFINE1(brk), mm/mmap.c (ref 27, 28). The target is never below
// the initial break (which lies above mm->start_brk, so the "brk < min_brk"
// failure is not generated). Returns the new break, or on any failure the
// unchanged one ("out: mm->brk = origbrk; return origbrk"), never -1.
// - Same page-aligned end: only mm->brk moves.
// - Shrink ("Always allow shrinking brk"): do_vmi_align_munmap() of
//   [PAGE_ALIGN(brk), PAGE_ALIGN(old brk)) unmaps those pages; locked ones
//   leave locked_vm (vms_complete_munmap_vmas()), as for munmap.
// - Growth: check_brk_limits() -> mlock_future_ok(mm, mm->def_flags, len)
//   refuses with the break unchanged when def_flags has VM_LOCKED (MCL_FUTURE)
//   and locked_vm + len exceeds RLIMIT_MEMLOCK without CAP_IPC_LOCK; then
//   do_brk_flags() maps private anonymous read/write pages with
//   mm->def_flags (VM_LOCKED, VM_LOCKONFAULT) and adds them to total_vm and,
//   when VM_LOCKED, to locked_vm; "if (mm->def_flags & VM_LOCKED) populate =
//   true" and mm_populate(oldbrk, newbrk - oldbrk) faults them in for
//   writing, except VM_LOCKONFAULT (populate_vma_page_range() returns early).
Outcome Model::Brk(uint64_t offset, StepEffects& fx) {
  const uint64_t ps = config_.page_size;
  const uint64_t limit = heap_.size() * ps;
  if (offset > limit) return Ok(static_cast<int64_t>(config_.heap_base + brk_));  // never generated
  const uint64_t old_pages = (brk_ + ps - 1) / ps;
  const uint64_t new_pages = (offset + ps - 1) / ps;
  const auto result = static_cast<int64_t>(config_.heap_base + offset);
  if (new_pages == old_pages) {
    brk_ = offset;
    return Ok(result);
  }
  if (new_pages < old_pages) {
    for (uint64_t p = new_pages; p < old_pages; ++p) {
      PageState& page = heap_[p];
      if (page.mapped && page.lock != Lock::kNone) {
        fx.Note(Event::kBrkShrinkLocked);
        if (Mutant(PlantedBug::kBrkShrinkKeepsLockedVm)) ++vmlck_skew_pages_;
        SetLock(page, Lock::kNone, fx);
      }
      page = PageState{};
    }
    brk_ = offset;
    return Ok(result);
  }
  if (!MlockFutureOk(future_lock_, (new_pages - old_pages) * ps)) {
    fx.Note(Event::kBrkOverLimit);
    return Ok(static_cast<int64_t>(config_.heap_base + brk_));
  }
  fx.Note(future_lock_ == Lock::kLocked    ? Event::kBrkGrowLocked
          : future_lock_ == Lock::kOnFault ? Event::kBrkGrowOnFault
                                           : Event::kBrkGrowUnlocked);
  // do_brk_flags() expands the brk VMA only when the flags match
  // (can_vma_merge_after()); otherwise the growth is a VMA of its own.
  const bool own_vma = old_pages > 0 && heap_[old_pages - 1].mapped && heap_[old_pages - 1].lock != future_lock_;
  for (uint64_t p = old_pages; p < new_pages; ++p) {
    PageState fresh;
    fresh.mapped = true;
    fresh.prot = uapi::kProtRead | uapi::kProtWrite;
    heap_[p] = fresh;
    SetLock(heap_[p], future_lock_, fx);
  }
  if (own_vma) heap_[old_pages].seam = true;
  brk_ = offset;
  if (future_lock_ == Lock::kLocked && !Mutant(PlantedBug::kBrkFutureNotPopulated)) {
    drain_this_step_ = true;  // populate_vma_page_range() ends with lru_add_drain()
    for (uint64_t p = old_pages; p < new_pages; ++p) {
      FaultIn(heap_[p], /*write=*/true, fx);
      NoteAnonVma(heap_, p);
    }
  } else if (future_lock_ == Lock::kOnFault) {
    fx.Note(Event::kPopulateSkippedOnFault);
  }
  return Ok(result);
}

// fork(), kernel/fork.c (ref 31, 44, 55, 61). The parent's state does not
// change: dup_mmap() copies its VMAs and (copy_page_range()) ptes without
// touching its own lock flags, locked_vm, def_flags or residency, and the
// step is observed after wait4() reaped the child, when every page the
// child shared is mapped by the parent alone again (so smaps' PSS-based
// Locked: is whole again). The child, predicted here:
// - every VMA is copied with vm_flags_clear(tmp, VM_LOCKED_MASK) (dup_mmap();
//   secretmem too: secretmem_mmap() set VM_LOCKED on the parent's VMA only);
// - mm_init(): mm->locked_vm = 0, and "mm->def_flags =
//   current->mm->def_flags & VM_INIT_DEF_MASK", which has no VM_LOCKED: the
//   child's own mmap is neither locked nor populated (mlock(2): "Memory locks
//   are not inherited by a child created via fork(2)"; mlockall(2) likewise
//   for MCL_FUTURE);
// - copy_page_range() copies ptes only where vma_needs_copy(): the VMA has
//   an anon_vma (VmaHasAnonVma()); shared mappings never have one, so the
//   child has no ptes there (observation.cc PredictForkChild()).
Outcome Model::Fork(const Op& op, StepEffects& fx) {
  if (LockedVmPages() > 0) fx.Note(Event::kForkWithLocked);
  if (future_lock_ != Lock::kNone) fx.Note(Event::kForkWithFuture);
  auto child = std::make_shared<Model>(*this);
  child->fork_child_.reset();
  const bool keep_locks = Mutant(PlantedBug::kForkChildKeepsLocks);
  // dup_mmap() copies the VMAs as they are (no merging): whether each
  // page's VMA has an anon_vma is decided on the parent's VMAs, before the
  // lock bits that keep them apart are cleared; in the child the mark is
  // per page and exact.
  for (auto [from, to] : {std::pair{&pages_, &child->pages_}, std::pair{&heap_, &child->heap_}}) {
    for (size_t i = 0; i < to->size(); ++i) {
      PageState& page = (*to)[i];
      // A page marked itself got the anon_vma with its VMA (NoteAnonVma());
      // one whose only marked neighbours share its flags may or may not be
      // in their VMA: 6.1 did not merge an anon_vma-less VMA back into one
      // with an anon_vma on munlockall() (found under qemu).
      page.anon_vma = (*from)[i].anon_vma;
      page.anon_vma_alt = (*from)[i].anon_vma_alt;
      page.anon_vma_open = (*from)[i].anon_vma_open || (!page.anon_vma && VmaHasAnonVma(*from, i));
      if (!keep_locks) page.lock = Lock::kNone;
    }
  }
  child->outside_lock_ = keep_locks ? outside_lock_ : Lock::kNone;
  child->vmlck_skew_pages_ = 0;
  if (!Mutant(PlantedBug::kForkChildInheritsFuture)) child->future_lock_ = Lock::kNone;
  // The child's probe: one fresh mapping, which shows def_flags.
  Op probe;
  probe.kind = OpKind::kMmap;
  probe.addr = op.addr;
  probe.region = op.region == kAbsoluteAddr ? kAbsoluteAddr : kNoRegion;
  probe.len = op.len;
  probe.prot = uapi::kProtRead | uapi::kProtWrite;
  probe.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
  StepEffects scratch;
  const size_t regions = child->regions_.size();
  fork_probe_ = child->Mmap(probe, scratch);
  child->regions_.resize(regions);  // the generators aim at the parent's mappings
  for (const PageState& page : child->pages_) {
    if (page.mapped && !page.shared && page.residency != Residency::kNone && page.anon_vma != 0) {
      fx.Note(Event::kForkCopiedPtes);
      break;
    }
  }
  for (const PageState& page : child->pages_) {
    if (page.mapped && !page.shared && page.anon_vma_open &&
        (page.residency == Residency::kZeroPage || (page.residency == Residency::kPage && page.file >= 0))) {
      fx.Note(Event::kForkAnonVmaOpen);
      break;
    }
  }
  fork_child_ = std::move(child);
  return Ok(0);
}

}  // namespace mlc
