// VMA bookkeeping: seams left by splits, which neighbours merge, spans of
// one VMA, and which VMAs carry an anon_vma. Mirrors mm/vma.c (vma_merge*,
// __split_vma()) and mm/rmap.c (anon_vma_prepare()).

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>
#include <cstdint>

namespace mlc {

using namespace model_outcome;

void Model::MarkSeam(uint64_t index) {
  if (index >= pages_.size()) return;
  pages_[index].seam = true;
  pages_[index].unmerged_start = false;  // the call may merge here now
}

// Flags and offsets that two pages of one VMA share: different values mean
// different VMAs (mm/vma.c is_mergeable_vma(): vm_flags, vm_file, pgoff;
// without a file, PageState::anon_pgoff_skew).
bool Model::SameVmaAttrs(size_t a, size_t b) const {
  const PageState& x = pages_[a];
  const PageState& y = pages_[b];
  if (!x.mapped || !y.mapped || y.unmerged_start) return false;
  if (x.shared != y.shared || x.prot != y.prot || x.lock != y.lock || x.file != y.file || x.account != y.account) {
    return false;
  }
  if (DistinctAnonVmas(x, y)) return false;
  if (x.hugetlb || y.hugetlb) return x.hugetlb == y.hugetlb && x.shm_id == y.shm_id && !y.vma_start;
  return x.file < 0 ? x.anon_pgoff_skew == y.anon_pgoff_skew : y.file_page == x.file_page + 1;
}

// mm/vma.c is_mergeable_anon_vma(): "return anon_vma1 == anon_vma2" unless
// one of them is NULL; VMAs with anon_vmas of their own never merge. Where
// either may have another one (PageState::anon_vma_alt), only if no pair
// agrees.
bool Model::DistinctAnonVmas(const PageState& x, const PageState& y) {
  if (x.anon_vma == 0 || y.anon_vma == 0 || x.anon_vma == y.anon_vma) return false;
  const auto agree = [](uint32_t a, uint32_t b) { return a != 0 && a == b; };
  return !agree(x.anon_vma_alt, y.anon_vma) && !agree(x.anon_vma, y.anon_vma_alt) &&
         !agree(x.anon_vma_alt, y.anon_vma_alt);
}

bool Model::AnonVmasUndecided(const PageState& x, const PageState& y) {
  return x.anon_vma != 0 && y.anon_vma != 0 && x.anon_vma != y.anon_vma && !DistinctAnonVmas(x, y);
}

Model::VmaSpan Model::SpanOf(uint64_t first, uint64_t count) const {
  bool unknown = false;
  for (uint64_t i = first + 1; i < first + count; ++i) {
    if (i >= pages_.size() || !SameVmaAttrs(static_cast<size_t>(i - 1), static_cast<size_t>(i))) {
      return VmaSpan::kCrosses;
    }
    unknown = unknown || pages_[static_cast<size_t>(i)].seam ||
              AnonVmasUndecided(pages_[static_cast<size_t>(i - 1)], pages_[static_cast<size_t>(i)]);
  }
  return unknown ? VmaSpan::kUnknown : VmaSpan::kInside;
}

// do_vmi_munmap() of arena pages [first, first + count): locked pages leave
// locked_vm (ref 27).
void Model::UnmapPages(uint64_t first, uint64_t count, StepEffects& fx) {
  for (uint64_t i = first; i < first + count && i < pages_.size(); ++i) {
    PageState& page = pages_[static_cast<size_t>(i)];
    NoteMlockDropped(page, /*zapped=*/true, fx);
    if (page.mapped && page.lock != Lock::kNone) SetLock(page, Lock::kNone, fx);
    ResetPage(static_cast<size_t>(i));
  }
  MarkSeam(first + count);
}

// Whether pages a < b = a + 1 lie in one VMA as far as the model can tell:
// equal flags, and for files consecutive offsets of one file (the merge
// rules of mm/vma.c is_mergeable_vma(); see SameFileVma()).
bool Model::SameVma(const std::vector<PageState>& pages, size_t a, size_t b) const {
  const PageState& x = pages[a];
  const PageState& y = pages[b];
  if (!x.mapped || !y.mapped || y.unmerged_start || x.shared != y.shared || x.prot != y.prot || x.lock != y.lock ||
      x.file != y.file || x.account != y.account || DistinctAnonVmas(x, y)) {
    return false;
  }
  if (x.hugetlb || y.hugetlb) return x.hugetlb == y.hugetlb && x.shm_id == y.shm_id && !y.vma_start;
  return x.file < 0 ? x.anon_pgoff_skew == y.anon_pgoff_skew : y.file_page == x.file_page + 1;
}

// A private page that now holds an anonymous page (a written anonymous
// page, a COW copy of a file page) got it through vmf_anon_prepare() /
// anon_vma_prepare() (mm/memory.c do_anonymous_page(), wp_page_copy(),
// do_cow_fault()), which gives its whole VMA an anon_vma; a read fault that
// maps the zero page does not. Splits keep it on both halves (mm/vma.c
// __split_vma()), so every page of the VMA keeps the mark. The VMA is
// certain only up to a seam: alike pages beyond one may be a VMA of their
// own (SpreadAnonVmaOpenness() leaves them open). `prepared`: a write fault
// of a private file page, which do_cow_fault() starts with
// vmf_anon_prepare() even when the page then lies beyond EOF (SIGBUS).
//
// Which anon_vma: one the VMA already has (an alike page of the span that
// merged in with it, or across a seam), else __anon_vma_prepare() -> find_mergeable_anon_vma()
// reuses that of the next VMA, then of the previous one, where
// anon_vma_compatible(): adjacent, same file at consecutive offsets, flags
// equal but for VM_READ/WRITE/EXEC (a VM_LOCKED neighbour is not); else a
// new one. (Anonymous VMAs have consecutive vm_pgoff unless an mremap
// move of a faulted VMA broke it: PageState::anon_pgoff_skew.)
void Model::NoteAnonVma(std::vector<PageState>& pages, size_t i, bool prepared) {
  const PageState& page = pages[i];
  if (!page.mapped || page.shared || page.anon_vma) return;
  if (!(page.cow || (page.file < 0 && page.residency == Residency::kPage) || (prepared && page.file >= 0))) return;
  size_t from = i, to = i;
  while (from > 0 && !pages[from].seam && SameVma(pages, from - 1, from)) --from;
  while (to + 1 < pages.size() && !pages[to + 1].seam && SameVma(pages, to, to + 1)) ++to;
  uint32_t id = 0;
  for (size_t j = from; j <= to && id == 0; ++j) id = pages[j].anon_vma;
  auto compatible = [&](size_t a, size_t b) {
    const PageState& x = pages[a];
    const PageState& y = pages[b];
    return x.mapped && y.mapped && !x.shared && !y.shared && x.file == y.file && x.lock == y.lock &&
           x.account == y.account && x.hugetlb == y.hugetlb &&
           (x.file < 0 ? x.anon_pgoff_skew == y.anon_pgoff_skew : y.file_page == x.file_page + 1);
  };
  // Beyond a seam, alike pages may still be this VMA, or a neighbour that
  // is compatible: the nearest anon_vma among them is the one it has or
  // finds.
  auto nearest = [&](size_t start, int dir) -> uint32_t {
    for (size_t j = start; j < pages.size(); j += dir) {
      if (pages[j].anon_vma != 0) return pages[j].anon_vma;
      const size_t k = j + dir;
      if (k >= pages.size() || !SameVma(pages, std::min(j, k), std::max(j, k))) break;
    }
    return 0;
  };
  // Alike pages on both sides, each side with an anon_vma of its own: when
  // this VMA became alike with both it merged with its predecessor only
  // (mm/vma.c vma_merge_existing_range(): can_vma_merge_right() refuses to
  // merge prev and next whose anon_vmas differ, and the left merge stands;
  // 6.1's vma_merge() tries prev first likewise), so it has prev's.
  if (id == 0 && from > 0 && to + 1 < pages.size() && SameVma(pages, from - 1, from) && SameVma(pages, to, to + 1)) {
    const uint32_t left = nearest(from - 1, -1);
    const uint32_t right = nearest(to + 1, 1);
    if (left != 0 && right != 0 && left != right) id = left;
  }
  // Alike pages across a seam are, as far as the calls since can tell, the
  // VMA this one merged with (the vma_modify*() of every call merges what
  // it makes alike, 6.1's mlock_fixup() -> vma_merge() with prev
  // included), so their anon_vma comes before one that
  // find_mergeable_anon_vma() would reuse from a neighbour that differs
  // in VM_READ/WRITE/EXEC (found on 6.18 by a host soak: mlockall next to
  // a locked write-only VMA).
  if (id == 0 && to + 1 < pages.size() && SameVma(pages, to, to + 1)) id = nearest(to + 1, 1);
  if (id == 0 && from > 0 && SameVma(pages, from - 1, from)) id = nearest(from - 1, -1);
  // find_mergeable_anon_vma(): the VMA's next, then its prev neighbour, if
  // anon_vma_compatible() (flags equal but for VM_READ/WRITE/EXEC). The VMA
  // ends where its alike pages end, seams included (taken as one VMA): a
  // populate of a VMA mlockall() had merged across a failed mlock's seam
  // reused the anon_vma of the compatible VMA after it (found by a 6.18
  // host soak; corpus MprotectPopulateOfAMergedVmaReusesItsNeighboursAnonVma).
  size_t last = to, first = from;
  while (last + 1 < pages.size() && SameVma(pages, last, last + 1)) ++last;
  while (first > 0 && SameVma(pages, first - 1, first)) --first;
  if (id == 0 && last + 1 < pages.size() && compatible(last, last + 1)) id = pages[last + 1].anon_vma;
  if (id == 0 && first > 0 && compatible(first - 1, first)) id = pages[first - 1].anon_vma;
  if (id == 0) id = ++last_anon_vma_;
  // A VMA that may have merged with one that had an anon_vma may have that
  // one instead (PageState::anon_vma_alt).
  uint32_t alt = 0;
  for (size_t j = from; j <= to && alt == 0; ++j) alt = pages[j].anon_vma_alt;
  if (alt == id) alt = 0;
  for (size_t j = from; j <= to; ++j) {
    pages[j].anon_vma = id;
    pages[j].anon_vma_open = false;
    pages[j].anon_vma_alt = alt;
  }
}

// Whether alike neighbours of a VMA with an anon_vma are merged into it, and
// so share it, is decided by history the model does not track: mm/vma.c
// is_mergeable_anon_vma() lets a VMA without one merge with one that has one
// (unless either had uncowed fork parents, vma_had_uncowed_parents(), 6.16+;
// before 6.16 only a VMA without one merging into one with one, the refusals
// NoteRefusedMerges() makes certain). The merged VMA keeps the anon_vma
// after its marked pages are unmapped or change flags again (__split_vma()
// copies it to both halves), so the question outlives the neighbour. After
// every call, each unmarked private page alike with a marked one (ignoring
// seams) is marked open, and stays so until its mapping is replaced or a
// fault settles it (NoteAnonVma()).
void Model::SpreadAnonVmaOpenness(std::vector<PageState>& pages) {
  // Each open page's alternative: the anon_vma of the nearest marked page.
  std::vector<size_t> marked_before(pages.size());
  size_t start = 0;
  while (start < pages.size()) {
    size_t end = start + 1;
    while (end < pages.size() && SameVma(pages, end - 1, end)) ++end;
    size_t last = SIZE_MAX;
    uint32_t open_alt = 0;  // an open page's alternative, where no page is marked
    for (size_t j = start; j < end; ++j) {
      if (pages[j].mapped && !pages[j].shared && pages[j].anon_vma != 0) last = j;
      if (pages[j].mapped && !pages[j].shared && pages[j].anon_vma_open && open_alt == 0) {
        open_alt = pages[j].anon_vma_alt;
      }
      marked_before[j] = last;
    }
    // A page whose VMA may have an anon_vma (open) opens the pages that may
    // be one VMA with it: on 6.1 an mprotect() split that page's VMA and the
    // unfaulted VMA after it merged into the split-off part, anon_vma and
    // all, and fork copied its zero page (found by a Debian 6.1.192 guest
    // run; corpus AnonVmaOpennessSpreadsToAVmaThatMergedIntoAnOpenOne).
    if (last == SIZE_MAX && open_alt != 0) {
      for (size_t j = start; j < end; ++j) {
        if (!pages[j].mapped || pages[j].shared) continue;
        pages[j].anon_vma_open = true;
        if (pages[j].anon_vma_alt == 0) pages[j].anon_vma_alt = open_alt;
      }
    }
    if (last != SIZE_MAX) {
      size_t after = SIZE_MAX;
      for (size_t j = end; j-- > start;) {
        if (pages[j].anon_vma != 0) {
          after = j;
          continue;
        }
        pages[j].anon_vma_open = true;
        if (pages[j].anon_vma_alt != 0) continue;
        const size_t before = marked_before[j];
        const bool use_after = after != SIZE_MAX && (before == SIZE_MAX || after - j <= j - before);
        pages[j].anon_vma_alt = pages[use_after ? after : before].anon_vma;
      }
    }
    start = end;
  }
}

// vma_modify_flags() of the VMA whose flags changed (M) tries to merge it
// with each alike neighbour (N); when both sides of a boundary changed, the
// right one was modified last and merges with its prev (apply_vma_lock_flags(),
// apply_mlockall_flags() and do_mprotect_pkey() walk upwards). Before 6.16,
// is_mergeable_anon_vma(M's anon_vma, N's, N) refuses when only M has one:
// "(!anon_vma1 || !anon_vma2) && list_is_singular(&vma->anon_vma_chain)" is
// false for N's empty chain (v6.1 mm/mmap.c, v6.12 mm/vma.c; found under
// qemu on Debian's 6.1 and 6.12: a locked page faulted into an anon_vma of
// its own stayed apart after munlock). Only certain states count: M with an
// anon_vma when the call began, N without one before and after it.
void Model::NoteRefusedMerges(const std::vector<PageState>& before) {
  auto changed = [&](size_t i) {
    return before[i].mapped && pages_[i].mapped &&
           (before[i].prot != pages_[i].prot || before[i].lock != pages_[i].lock);
  };
  auto without = [](const PageState& page) { return page.anon_vma == 0 && !page.anon_vma_open; };
  for (size_t i = 1; i < pages_.size(); ++i) {
    if (!pages_[i].seam || pages_[i].unmerged_start || !SameVmaAttrs(i - 1, i)) continue;
    if (pages_[i].shared || pages_[i].hugetlb) continue;  // no anon_vma; hugetlb VMAs never merge
    const bool right = changed(i);
    if (!right && !changed(i - 1)) continue;
    const size_t m = right ? i : i - 1;
    const size_t n = right ? i - 1 : i;
    if (before[m].anon_vma != 0 && without(before[n]) && without(pages_[n])) pages_[i].unmerged_start = true;
  }
}

// A VMA without an anon_vma merges with a neighbour that has one and shares
// it (mm/vma.c is_mergeable_anon_vma(): one of the two may be NULL), so the
// VMA of page i has one if any page of its run is marked.
bool Model::VmaHasAnonVma(const std::vector<PageState>& pages, size_t i) const {
  if (!pages[i].mapped || pages[i].shared) return false;
  for (size_t j = i;; --j) {
    if (pages[j].anon_vma) return true;
    if (j == 0 || !SameVma(pages, j - 1, j)) break;
  }
  for (size_t j = i + 1; j < pages.size() && SameVma(pages, j - 1, j); ++j) {
    if (pages[j].anon_vma) return true;
  }
  return false;
}

}  // namespace mlc
