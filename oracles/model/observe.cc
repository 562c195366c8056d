// What the process-wide channels should show: Rss, Locked and VmLck totals,
// and the ranges the model leaves open. Mirrors fs/proc/task_mmu.c and
// fs/proc/array.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

bool Model::AnyOpen() const {
  for (const PageState& page : pages_) {
    if (page.open) return true;
  }
  return false;
}

uint64_t Model::OpenRssKb() const {
  uint64_t pages = 0;
  for (const PageState& page : pages_) pages += page.mapped && page.open && page.residency == Residency::kPage;
  return pages * (config_.page_size / 1024);
}

// smaps Locked: is a PSS (ref 48): with open pages, every combination of
// them being mapped or not is possible. Anonymous pages count alone; a file
// page's mappings (at most one per window, oracles/files.h) share it, so
// each file page is enumerated over its open mappings.
void Model::LockedRange(uint64_t* lo_kb, uint64_t* hi_kb) const {
  const uint64_t kb = config_.page_size / 1024;
  uint64_t lo_halves = 0, hi_halves = 0;
  for (const PageState& page : pages_) {
    if (!page.mapped || page.residency != Residency::kPage || page.lock == Lock::kNone) continue;
    if (page.file >= 0 && !page.cow) continue;
    hi_halves += 2;
    if (!page.open) lo_halves += 2;
  }
  for (int f = 0; f < kFileCount; ++f) {
    for (uint64_t k = 0; k < kFileWindowPages; ++k) {
      const PageState* members[kFileWindows] = {};
      size_t n = 0;
      for (uint64_t w = 0; w < kFileWindows; ++w) {
        const uint64_t i = w * kFileWindowPages + k;
        if (i >= pages_.size()) break;
        const PageState& p = pages_[i];
        if (p.mapped && p.file == f && p.file_page == k && !p.cow && p.residency == Residency::kPage) {
          members[n++] = &p;
        }
      }
      if (n == 0) continue;
      uint64_t best_lo = ~uint64_t{0}, best_hi = 0;
      for (unsigned combo = 0; combo < (1u << n); ++combo) {
        bool possible = true;
        uint32_t mapcount = 0;
        for (size_t m = 0; m < n; ++m) {
          const bool mapped = (combo >> m) & 1;
          if (!mapped && !members[m]->open) possible = false;
          mapcount += mapped;
        }
        if (!possible) continue;
        uint64_t halves = 0;
        for (size_t m = 0; m < n; ++m) {
          if (((combo >> m) & 1) && members[m]->lock != Lock::kNone) halves += 2 / std::max<uint32_t>(1, mapcount);
        }
        best_lo = std::min(best_lo, halves);
        best_hi = std::max(best_hi, halves);
      }
      lo_halves += best_lo;
      hi_halves += best_hi;
    }
  }
  *lo_kb = lo_halves * kb / 2;
  *hi_kb = hi_halves * kb / 2;
}

// One pass over the arena for the three summed channels.
MemoryTotals Model::Totals() const {
  uint64_t rss = 0, locked = 0, vmlck = 0, hugetlb = 0;
  // Locked: of page-cache pages, in 1/kFileWindows page units: smaps counts
  // PAGE_SIZE / mapcount of a page mapped several times (smaps_account(),
  // ref 48); oracles/files.h keeps the mapcount at 1 or 2.
  uint64_t shared_locked_halves = 0;
  for (const auto& page : pages_) {
    // smaps_pte_entry(), fs/proc/task_mmu.c: vm_normal_page() is NULL for
    // the zero page, so it counts in neither Rss nor Locked (ref 36, 45).
    // Every arena page is mapped once (the arena is created after the
    // fork), so PSS = RSS.
    // hugetlb pages count in smaps' Private_Hugetlb/Shared_Hugetlb, not in
    // Rss (smaps_hugetlb_range()), and are never in a VM_LOCKED VMA.
    if (page.hugetlb) {
      hugetlb += page.mapped && page.residency == Residency::kPage;
      continue;
    }
    const bool normal_page = page.residency == Residency::kPage;
    const bool locked_vma = page.mapped && page.lock != Lock::kNone;
    rss += normal_page;
    // Locked: is the PSS of present normal pages of VM_LOCKED VMAs, ONFAULT
    // ones included (smaps_account(), ref 48, 49).
    if (normal_page && locked_vma && page.file >= 0 && !page.cow) {
      shared_locked_halves += 2 / std::max<uint32_t>(1, FileMapcount(page.file, page.file_page));
    } else {
      locked += normal_page && locked_vma;
    }
    // VmLck = mm->locked_vm: virtual pages of VM_LOCKED VMAs, resident or
    // not, ONFAULT and PROT_NONE included (ref 24, 25).
    vmlck += locked_vma;
  }
  // Plus the executor's own lockable VMAs while mlockall(MCL_CURRENT) has
  // them locked (ref 32).
  if (outside_lock_ != Lock::kNone) vmlck += config_.outside_lockable_pages;
  // The heap: its own Rss/Locked (private anonymous, mapped once, so PSS is
  // RSS), and its locked pages in locked_vm like any VMA's.
  uint64_t heap_rss = 0, heap_locked = 0;
  for (const auto& page : heap_) {
    const bool normal_page = page.residency == Residency::kPage;
    const bool locked_vma = page.mapped && page.lock != Lock::kNone;
    heap_rss += normal_page;
    heap_locked += normal_page && locked_vma;
    vmlck += locked_vma;
  }
  vmlck = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(vmlck) + vmlck_skew_pages_));
  const uint64_t kb = config_.page_size / 1024;
  return {rss * kb, locked * kb + shared_locked_halves * kb / 2, vmlck * kb, heap_rss * kb, heap_locked * kb,
          hugetlb * kb};
}

}  // namespace mlc
