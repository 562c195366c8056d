// mremap(2): shrink, grow in place, MREMAP_MAYMOVE/FIXED moves and
// MREMAP_DONTUNMAP. Mirrors mm/mremap.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

// move_vma(), mm/mremap.c: copy_vma() places a VMA with the same flags (lock
// flags included) at `to`, move_page_tables() moves the ptes, so every page
// keeps its residency and its PG_mlocked (no refault, ref 59); a longer
// target's tail is part of the new VMA, empty. vrm_stat_account() adds
// new_len to total_vm and, for VM_LOCKED, to locked_vm; unmap_source_vma()
// then unmaps the old range (-old_len). With MREMAP_DONTUNMAP the old range
// stays mapped, its ptes gone (empty anonymous memory: the next touch
// faults a fresh page), and dontunmap_complete() clears VM_LOCKED_MASK
// there "by convention (it cannot be mlock()'d any longer, as pages in range
// are no longer mapped)", leaving locked_vm alone ("Because we won't unmap
// we don't need to touch locked_vm"): net, the lock and its accounting move
// with the pages (ref 30; 5.7-6.14 move_vma() returns before adding
// new_len). Since 6.15 (d5c8aec0542e) the kernel adds new_len anyway
// (vrm_stat_account()) and clears the lock flags of the whole old VMA: a
// registered erratum (suite/errata/known-kernel-bugs.txt,
// mremap-dontunmap-locked-vm), fixed by 397432cab17b.
void Model::MovePages(uint64_t from, uint64_t count, uint64_t to, uint64_t new_count, bool dontunmap,
                      StepEffects& fx) {
  std::vector<PageState> moved(pages_.begin() + static_cast<int64_t>(from),
                               pages_.begin() + static_cast<int64_t>(from + count));
  // The per-feature state moves along (a moved THP stays a large folio).
  std::vector<uint8_t> moved_folio, moved_stale;
  if (!thp_folio_.empty()) moved_folio.assign(thp_folio_.begin() + static_cast<int64_t>(from),
                                              thp_folio_.begin() + static_cast<int64_t>(from + count));
  if (!mutant_stale_mlock_.empty()) {
    moved_stale.assign(mutant_stale_mlock_.begin() + static_cast<int64_t>(from),
                       mutant_stale_mlock_.begin() + static_cast<int64_t>(from + count));
  }
  // MREMAP_DONTUNMAP: move_vma() (dontunmap_complete() since 6.15) unlinks
  // the old VMA's anon_vma when the range was the whole VMA
  // (unlink_anon_vmas() clears vma->anon_vma), as it is for a locked VMA,
  // split first (the stable backport of 597e4b9ab48a; unpatched, an erratum); a VMA that goes on
  // beyond the range keeps it. Where a seam leaves that open, so is the
  // anon_vma (PageState::anon_vma_open; found under qemu on 6.1).
  enum class Whole { kYes, kNo, kOpen };
  Whole whole = Whole::kNo;
  if (dontunmap && count > 0) {
    // 1: a VMA boundary between pages left and right, 0: none, 2: unknown.
    auto boundary = [&](uint64_t left, uint64_t right) {
      if (right >= pages_.size() || !SameVmaAttrs(static_cast<size_t>(left), static_cast<size_t>(right))) return 1;
      return pages_[static_cast<size_t>(right)].seam ? 2 : 0;
    };
    const int before = from == 0 ? 1 : boundary(from - 1, from);
    const int after = boundary(from + count - 1, from + count);
    if (pages_[static_cast<size_t>(from)].lock != Lock::kNone || (before == 1 && after == 1)) {
      whole = Whole::kYes;
    } else if (before != 0 && after != 0) {
      whole = Whole::kOpen;
    }
  }
  // copy_vma(): "If anonymous vma has not yet been faulted, update new
  // pgoff to match new location, to increase its chance of merging"
  // (vma_is_anonymous(vma) && !vma->anon_vma); any other VMA keeps its
  // pgoff (PageState::anon_pgoff_skew). An open anon_vma is taken as one.
  const PageState& first = pages_[static_cast<size_t>(from)];
  bool faulted = VmaHasAnonVma(pages_, static_cast<size_t>(from));
  for (const PageState& page : moved) faulted = faulted || page.anon_vma_open;
  const bool repositioned = first.file < 0 && !first.shared && !first.hugetlb && !faulted;
  // A 6.17+ move of several VMAs copies each by itself (move_vma() per VMA,
  // copy_vma() deciding its pgoff): the runs of alike moved pages, each
  // with its own answer (found by a 6.18 host soak: a locked faulted VMA
  // and the unfaulted one after it moved together, and the second merged
  // at its new place with the tail of its old VMA). [start, end) in moved.
  struct SourceVma {
    uint64_t start, end;
    bool repositioned;
  };
  std::vector<SourceVma> sources;
  for (uint64_t p = 0; p < count;) {
    uint64_t q = p + 1;
    while (q < count && SameVma(pages_, static_cast<size_t>(from + q - 1), static_cast<size_t>(from + q))) ++q;
    bool run_faulted = p == 0 ? faulted : VmaHasAnonVma(pages_, static_cast<size_t>(from + p));
    for (uint64_t k = p; k < q; ++k) run_faulted = run_faulted || moved[static_cast<size_t>(k)].anon_vma_open;
    const PageState& head = moved[static_cast<size_t>(p)];
    const bool run_repositioned =
        p == 0 ? repositioned : head.file < 0 && !head.shared && !head.hugetlb && !run_faulted;
    sources.push_back({p, q, run_repositioned});
    p = q;
  }
  // MREMAP_DONTUNMAP keeps the source VMA (the one holding the range, split
  // to the range first when VM_LOCKED): which sides of the copy touch it.
  MergeSide prev_side = MergeSide::kRules, next_side = MergeSide::kRules;
  if (dontunmap && repositioned && config_.profile.dontunmap_merge != KernelProfile::DontunmapMerge::kWithSource) {
    const bool split_first = first.lock != Lock::kNone;
    // 1: pages a..b are certainly one VMA, 0: certainly not, 2: not determined.
    auto one_vma = [&](uint64_t a, uint64_t b) {
      bool open = false;
      for (uint64_t i = a + 1; i <= b; ++i) {
        if (!SameVma(pages_, static_cast<size_t>(i - 1), static_cast<size_t>(i))) return 0;
        open = open || pages_[static_cast<size_t>(i)].seam;
      }
      return open ? 2 : 1;
    };
    int touches_prev = 0, touches_next = 0;
    const uint64_t end = to + new_count;
    if (SpanOf(from, count) != VmaSpan::kInside) {
      touches_prev = touches_next = 2;  // several VMAs (a 6.17+ move): not followed
    } else {
      if (to == from + count) touches_prev = 1;
      if (to > from + count && !split_first) touches_prev = one_vma(from + count - 1, to - 1);
      if (end == from) touches_next = 1;
      if (end < from && !split_first) touches_next = one_vma(end, from);
    }
    auto side = [](int touches) { return touches == 1 ? MergeSide::kRefused : touches == 2 ? MergeSide::kOpen : MergeSide::kRules; };
    if (config_.profile.dontunmap_merge == KernelProfile::DontunmapMerge::kNotWithSource) {
      // 6.12.114+, 7.3+ copy_vma(): "if (vmg.prev == vma) vmg.prev = NULL;
      // if (vmg.next == vma) vmg.next = NULL;".
      prev_side = side(touches_prev);
      next_side = side(touches_next);
    } else if (touches_prev == 1 || touches_next == 1) {
      // 6.1.191+ copy_vma(): "if (can_self_merge && keep_source && (addr ==
      // vma->vm_end || vma->vm_start == addr + len)) new_vma = NULL".
      prev_side = next_side = MergeSide::kRefused;
    } else if (touches_prev == 2 || touches_next == 2) {
      prev_side = next_side = MergeSide::kOpen;
    }
  }
  // The new VMA's flags; old_len 0 (a shared mapping "duplicated") takes
  // the VMA's own, though the aliasing that creates is not modelled.
  const PageState last = count > 0 ? moved.back() : first;
  for (uint64_t p = 0; p < count; ++p) {
    PageState& old = pages_[static_cast<size_t>(from + p)];
    if (old.lock != Lock::kNone) fx.Note(Event::kMremapMovedLocked);
    if (dontunmap) {
      if (old.lock != Lock::kNone) SetLock(old, Lock::kNone, fx);
      old.residency = Residency::kNone;
      old.cow = false;
      if (whole != Whole::kNo && old.anon_vma) {
        // Open: the VMA kept the anon_vma it had, or lost it.
        old.anon_vma_alt = whole == Whole::kOpen ? old.anon_vma : 0;
        old.anon_vma = 0;
        old.anon_vma_open = whole == Whole::kOpen;
      }
    } else {
      ResetPage(static_cast<size_t>(from + p));
    }
  }
  if (dontunmap) fx.Note(Event::kMremapDontunmap);
  MarkSeam(from);
  MarkSeam(from + count);
  for (uint64_t p = 0; p < new_count; ++p) {
    PageState page;
    if (p < count) {
      page = moved[static_cast<size_t>(p)];
    } else {
      page = last;
      page.residency = Residency::kNone;
      page.cow = false;
      page.seam = false;
      if (page.file >= 0) page.file_page = last.file_page + static_cast<uint32_t>(p - count + 1);
    }
    if (page.file < 0) {
      bool page_repositioned = repositioned;
      for (const SourceVma& s : sources) {
        if (p >= s.start && p < s.end) page_repositioned = s.repositioned;
      }
      page.anon_pgoff_skew =
          page_repositioned ? 0 : page.anon_pgoff_skew + static_cast<int32_t>(from) - static_cast<int32_t>(to);
    }
    ResetPage(static_cast<size_t>(to + p), page);
    if (p < count && !moved_folio.empty()) thp_folio_[static_cast<size_t>(to + p)] = moved_folio[p];
    if (p < count && !moved_stale.empty()) mutant_stale_mlock_[static_cast<size_t>(to + p)] = moved_stale[p];
  }
  MarkSeam(to);
  MarkSeam(to + new_count);
  if (sources.size() <= 1) {
    if (repositioned) MergeRepositionedVma(to, new_count, prev_side, next_side);
    return;
  }
  for (size_t r = 0; r < sources.size(); ++r) {
    const SourceVma& s = sources[r];
    MarkSeam(to + s.start);
    if (!s.repositioned) continue;
    MergeRepositionedVma(to + s.start, s.end - s.start, r == 0 ? prev_side : MergeSide::kRules,
                         r + 1 == sources.size() ? next_side : MergeSide::kRules);
  }
}

// copy_vma() -> vma_merge_new_range() (6.1: vma_merge()) merges the new VMA
// of a repositioned, unfaulted anonymous VMA with an alike prev and next
// (is_mergeable_anon_vma(): it has no anon_vma, so either neighbour's will
// do); prev and next both only when their anon_vmas agree (6.1 vma_merge():
// is_mergeable_anon_vma(prev->anon_vma, next->anon_vma); can_vma_merge_right()
// since 6.12), else it stays apart from next. Where an anon_vma of either is
// open, so is that boundary (the seam stays). A side whose merge is refused
// keeps a certain boundary (PageState::unmerged_start), an open one its seam.
void Model::MergeRepositionedVma(uint64_t to, uint64_t count, MergeSide prev, MergeSide next) {
  const auto alike = [&](uint64_t a) { return a + 1 < pages_.size() && SameVma(pages_, a, a + 1); };
  // Whether the alike pages from `start` on, towards `dir`, carry an
  // anon_vma or may carry one.
  const auto marked = [&](uint64_t start, int dir) {
    for (uint64_t j = start;; j += dir) {
      const PageState& page = pages_[static_cast<size_t>(j)];
      if (page.anon_vma != 0 || page.anon_vma_open) return true;
      if ((dir < 0 && (j == 0 || !alike(j - 1))) || (dir > 0 && !alike(j))) return false;
    }
  };
  const bool alike_prev = to > 0 && alike(to - 1);
  const uint64_t end = to + count;
  const bool alike_next = end < pages_.size() && alike(end - 1);
  const bool may_merge_prev = alike_prev && prev != MergeSide::kRefused;
  if (alike_prev && prev == MergeSide::kRules) pages_[static_cast<size_t>(to)].seam = false;
  if (alike_next && next == MergeSide::kRules && !(may_merge_prev && marked(to - 1, -1) && marked(end, 1))) {
    pages_[static_cast<size_t>(end)].seam = false;
  }
  if (alike_prev && prev == MergeSide::kRefused) pages_[static_cast<size_t>(to)].unmerged_start = true;
  if (alike_next && next == MergeSide::kRefused) pages_[static_cast<size_t>(end)].unmerged_start = true;
}

// mremap(2), mm/mremap.c as of 6.17/6.18 (ref 30, 59), in the order of
// do_mremap(): PAGE_ALIGN both lengths; check_mremap_params(): unknown
// flags, an unaligned addr, new_len 0, new_len or new_addr beyond TASK_SIZE
// (new_addr is checked even when unused), then only with MREMAP_FIXED or
// MREMAP_DONTUNMAP: an unaligned new_addr, no MREMAP_MAYMOVE, DONTUNMAP with
// old_len != new_len, overlapping ranges: all EINVAL. Then vma_lookup(addr):
// none is EFAULT. A pure move (MREMAP_FIXED, old_len == new_len) goes to
// remap_move(), which moves every VMA of the range (gaps kept, the target
// unmapped only where a VMA lands). Otherwise check_prep_vma(): when it
// maps anything new (growth, or a move), remap_is_valid(): old_len 0 of a
// private mapping is EINVAL; [addr, addr + min(old_len, new_len)) beyond
// the VMA is EFAULT ("We can't remap across vm area boundaries"); growth of
// a VM_LOCKED VMA needs mlock_future_ok(delta) (EAGAIN, ref 12). Then
// mremap_to() (FIXED: unmap the target, shrink, move_vma()) or mremap_at()
// (no resize: nothing; shrink: unmap the tail, across VMAs and holes;
// growth: in place when the VMA ends at addr + old_len and nothing is
// mapped after it, else ENOMEM without MREMAP_MAYMOVE). A grown VM_LOCKED
// VMA is populated last (mm_populate(), errors ignored), which skips
// VM_LOCKONFAULT (Michal Hocko: "Partially populated ... ranges do not have
// the full mlock semantic so they are not populated on resize", ref 59).
// 6.1-6.16 differ where `classic` is tested, 6.15-6.16 from 6.1-6.14 where
// `early_new_addr` is (KernelProfile::mremap_classic, ...new_addr_checked_early).
Outcome Model::Mremap(const Op& op, StepEffects& fx) {
  const uint64_t ps = config_.page_size;
  const uint64_t mask = ps - 1;
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  const uint64_t new_addr = config_.arena_base + op.new_addr;
  const uint64_t old_len = (op.len + mask) & ~mask;
  const uint64_t new_len = (op.new_len + mask) & ~mask;
  const bool maymove = op.flags & uapi::kMremapMaymove;
  const bool fixed = op.flags & uapi::kMremapFixed;
  const bool dontunmap = op.flags & uapi::kMremapDontunmap;
  const int known = uapi::kMremapMaymove | uapi::kMremapFixed | uapi::kMremapDontunmap;
  if (op.flags & ~known) return Fail(uapi::kEinval);
  // Before 6.17 (KernelProfile::mremap_classic) SYSCALL_DEFINE5(mremap)
  // (check_mremap_params() in 6.15-6.16) checks the flags' combinations
  // first, MREMAP_DONTUNMAP's lengths before PAGE_ALIGN, and the rest of
  // new_addr only in mremap_to(), after the VMA lookup; 6.15-6.16 check its
  // alignment before the lookup too.
  const bool classic = config_.profile.mremap_classic;
  if (classic) {
    if (fixed && !maymove) return Fail(uapi::kEinval);
    if (dontunmap && (!maymove || op.len != op.new_len)) return Fail(uapi::kEinval);
    if (config_.profile.mremap_new_addr_checked_early && (fixed || dontunmap) && (new_addr & mask)) {
      return Fail(uapi::kEinval);
    }
  }
  if (addr & mask) return Fail(uapi::kEinval);
  if (new_len == 0) return Fail(uapi::kEinval);
  const bool implies_new_addr = fixed || dontunmap;
  // check_mremap_params() (6.17+; mremap_to() before): new_len beyond
  // TASK_SIZE for every call, new_addr + new_len beyond it for a move (the
  // 6.17 fix "mm/mremap: fix regression in vrm->new_addr check" keeps that
  // to moves).
  auto check_new_addr = [&]() -> int {
    if (new_len > config_.task_size) return uapi::kEinval;
    if (!implies_new_addr) return 0;
    if (new_addr > config_.task_size - new_len) return uapi::kEinval;
    if (new_addr & mask) return uapi::kEinval;
    if (!maymove) return uapi::kEinval;
    if (dontunmap && old_len != new_len) return uapi::kEinval;
    if (addr + old_len > new_addr && new_addr + new_len > addr) return uapi::kEinval;  // vrm_overlaps()
    return 0;
  };
  if (!classic) {
    if (const int err = check_new_addr()) return Fail(err);
  }
  const int64_t first = PageIndex(addr);
  if (first < 0 || !pages_[static_cast<size_t>(first)].mapped) return Fail(uapi::kEfault);
  if (classic && implies_new_addr) {
    if (const int err = check_new_addr()) return Fail(err);  // mremap_to()
  }
  const auto from = static_cast<uint64_t>(first);
  const uint64_t old_pages = old_len / ps;
  const uint64_t new_pages = new_len / ps;
  const int64_t target = PageIndex(new_addr);
  if (fixed && old_len == new_len && !classic) {
    // remap_move(): for_each_vma_range() over [addr, addr + old_len), each
    // VMA (split as needed) moved by mremap_to() to the same offset from
    // new_addr; the target is unmapped piece by piece.
    if (target < 0 || static_cast<uint64_t>(target) + new_pages > pages_.size()) return Fail(uapi::kEinval);
    if (SpanOf(from, old_pages) != VmaSpan::kInside) fx.Note(Event::kMremapMovedSeveralVmas);
    uint64_t p = 0;
    while (p < old_pages && from + p < pages_.size()) {
      if (!pages_[static_cast<size_t>(from + p)].mapped) {
        ++p;
        continue;
      }
      uint64_t run = 1;
      while (p + run < old_pages && from + p + run < pages_.size() && pages_[static_cast<size_t>(from + p + run)].mapped) {
        ++run;
      }
      UnmapPages(static_cast<uint64_t>(target) + p, run, fx);
      MovePages(from + p, run, static_cast<uint64_t>(target) + p, run, dontunmap, fx);
      p += run;
    }
    return Ok(static_cast<int64_t>(new_addr));
  }
  const Lock lock = pages_[static_cast<size_t>(first)].lock;
  const bool shrink = new_len < old_len;
  const bool expand = new_len > old_len;
  // remap_is_valid() (vma_to_resize() before 6.13, resize_is_valid() in
  // 6.13-6.14) of the range that stays
  // to be moved or resized, `pages` long: old_len 0 of a private mapping is
  // EINVAL (VM_SHARED|VM_MAYSHARE: shared anonymous and shared file
  // mappings); beyond its VMA is EFAULT ("We can't remap across vm area
  // boundaries"; the model takes alike pages across a seam as one VMA, and
  // generators never aim there, Model::SpanOf()); growth of a VM_LOCKED VMA
  // needs mlock_future_ok(delta) (EAGAIN, ref 12).
  auto remap_is_valid = [&](uint64_t pages) -> int {
    if (pages == 0 && !pages_[static_cast<size_t>(first)].shared) return uapi::kEinval;
    if (SpanOf(from, pages) == VmaSpan::kCrosses) {
      fx.Note(Event::kMremapAcrossVmas);
      return uapi::kEfault;
    }
    if (expand && !MlockFutureOk(lock, new_len - old_len)) {
      fx.Note(Event::kMremapOverLimit);
      return uapi::kEagain;
    }
    return 0;
  };
  const uint64_t staying = shrink ? new_pages : old_pages;
  // Since 6.17 the checks come before anything is unmapped; before, a move
  // makes them in mremap_to() (below), a growth in place here too.
  if ((expand || implies_new_addr) && !(classic && implies_new_addr)) {
    if (const int err = remap_is_valid(staying)) return Fail(err);
  }
  uint64_t result = addr;
  uint64_t grown_from = 0;  // arena page where a populated growth starts
  if (implies_new_addr) {
    // mremap_to(): MREMAP_FIXED unmaps the target, a shrink its tail, then
    // move_vma(). MREMAP_DONTUNMAP without MREMAP_FIXED takes new_addr as a
    // hint only; the executor refuses it (runners/arena_guard.cc).
    if (target < 0 || static_cast<uint64_t>(target) + new_pages > pages_.size()) return Fail(uapi::kEinval);
    if (fixed) UnmapPages(static_cast<uint64_t>(target), new_pages, fx);
    if (shrink) {
      for (uint64_t i = from + new_pages; i < from + old_pages && i < pages_.size(); ++i) {
        if (pages_[static_cast<size_t>(i)].mapped && pages_[static_cast<size_t>(i)].lock != Lock::kNone) {
          fx.Note(Event::kMremapShrankLocked);
        }
      }
      UnmapPages(from + new_pages, old_pages - new_pages, fx);
    }
    // Before 6.17 vma_to_resize()/resize_is_valid()/remap_is_valid() check
    // only now, so a failure leaves the target and the tail unmapped; a pure
    // move is one VMA's too (moves of several VMAs came with 6.17).
    if (classic) {
      if (const int err = remap_is_valid(staying)) return Fail(err);
    }
    MovePages(from, staying, static_cast<uint64_t>(target), new_pages, dontunmap, fx);
    result = new_addr;
    grown_from = static_cast<uint64_t>(target) + staying;
  } else if (shrink) {
    // mremap_at() -> shrink_vma(): do_vmi_munmap() of the tail.
    for (uint64_t i = from + new_pages; i < from + old_pages && i < pages_.size(); ++i) {
      if (pages_[static_cast<size_t>(i)].mapped && pages_[static_cast<size_t>(i)].lock != Lock::kNone) {
        fx.Note(Event::kMremapShrankLocked);
      }
    }
    UnmapPages(from + new_pages, old_pages - new_pages, fx);
    return Ok(static_cast<int64_t>(addr));
  } else if (!expand) {
    return Ok(static_cast<int64_t>(addr));  // MREMAP_NO_RESIZE: nothing to do
  } else {
    // expand_vma(): vrm_can_expand_in_place() needs the VMA to end at
    // addr + old_len and vma_expandable() nothing mapped in the delta; a
    // mapped page right after the range fails one or the other.
    bool free = from + new_pages <= pages_.size();
    for (uint64_t i = from + old_pages; free && i < from + new_pages; ++i) free = !pages_[static_cast<size_t>(i)].mapped;
    if (!free) {
      // With MREMAP_MAYMOVE the kernel picks an address anywhere: the
      // executor refuses such calls, so this answer is never compared.
      return Fail(uapi::kEnomem);
    }
    // expand_vma_in_place() -> vma_merge_extend(): same flags, the new
    // pages empty, locked_vm += delta for VM_LOCKED. (A shared anonymous
    // VMA's shmem object keeps its size, so its grown tail would fault
    // SIGBUS: not modelled, and never generated.)
    const PageState last = pages_[static_cast<size_t>(from + old_pages - 1)];
    for (uint64_t i = from + old_pages; i < from + new_pages; ++i) {
      PageState page = last;
      page.residency = Residency::kNone;
      page.cow = false;
      page.seam = false;
      if (page.file >= 0) page.file_page = last.file_page + static_cast<uint32_t>(i - (from + old_pages) + 1);
      ResetPage(static_cast<size_t>(i), page);  // new pages: no huge folio
    }
    MarkSeam(from + new_pages);
    grown_from = from + old_pages;
  }
  // do_mremap(): mm_populate(new_addr + old_len, delta) when the VMA is
  // VM_LOCKED and grew; populate_vma_page_range() skips VM_LOCKONFAULT.
  if (expand && lock != Lock::kNone) {
    fx.Note(lock == Lock::kOnFault ? Event::kMremapGrewOnFault : Event::kMremapGrewLocked);
    if (!Mutant(PlantedBug::kMremapGrowthNotPopulated)) {
      const uint64_t start = config_.arena_base + grown_from * ps;
      Populate(start, start + (new_len - old_len), /*ignore_errors=*/true, fx);
    }
  }
  return Ok(static_cast<int64_t>(result));
}

}  // namespace mlc
