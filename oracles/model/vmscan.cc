// Reclaim of the child's own memory cgroup: reclaim(bytes) writes
// memory.reclaim (Documentation/admin-guide/cgroup-v2.rst). What may go, and
// what a locked page keeps whatever reclaim does. Mirrors mm/memcontrol.c
// memory_reclaim(), mm/vmscan.c (get_scan_count(), shrink_folio_list(),
// the MGLRU's get_swappiness()) and mm/rmap.c (folio_referenced_one(),
// try_to_unmap_one()); oracles/README.md rules 65-68.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

namespace mlc {

using namespace model_outcome;

namespace {

// Swap-backed pages (private anonymous, COW copies, shmem: shared anonymous,
// memfd, tmpfs) sit on the anon LRU lists, which memcg reclaim scans only
// with swap space to write them to (mm/vmscan.c get_scan_count():
// SCAN_FILE when !can_reclaim_anon_pages(); the MGLRU's get_swappiness() is
// 0 then). The executor's files are all shmem or secretmem
// (oracles/files.h), so without swap no arena page is ever taken.
bool SwapBacked(const PageState& page) { return page.file != kSecretmem; }

}  // namespace

// Whether a mapping of this page certainly holds it with a pte in a
// VM_LOCKED VMA: its own, or for a page-cache page another one; a pte left
// open does not count, and a page without a pte here is held by the
// others only.
bool Model::CertainlyMappedLocked(const PageState& page) const {
  const auto locked_pte = [](const PageState& p) {
    return p.mapped && p.residency == Residency::kPage && !p.open && p.lock != Lock::kNone;
  };
  if (locked_pte(page)) return true;
  if (page.file < 0 || page.cow) return false;
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + page.file_page;
    if (i >= pages_.size()) break;
    const PageState& other = pages_[i];
    if (other.file == page.file && other.file_page == page.file_page && !other.cow && locked_pte(other)) return true;
  }
  return false;
}

// One present page (or cached page without a pte) that reclaim may find on
// the child's LRU lists.
void Model::ReclaimPage(PageState& page, StepEffects& fx) {
  // The zero page and hugetlb pages are on no LRU list; secretmem's mapping
  // is unevictable (mm/secretmem.c secretmem_file_create()
  // mapping_set_unevictable()), so its folios go to the unevictable list.
  if (page.hugetlb || page.residency == Residency::kZeroPage || !SwapBacked(page)) return;
  if (Mutant(PlantedBug::kReclaimIgnoresOtherMapping) && page.mapped && page.lock == Lock::kNone &&
      page.file >= 0 && !page.cow && page.residency == Residency::kPage && MappedLocked(page)) {
    // The mutant's rmap walk stops at this unlocked mapping and takes the
    // page from every mapping of it.
    for (uint64_t w = 0; w < kFileWindows; ++w) {
      const uint64_t i = w * kFileWindowPages + page.file_page;
      if (i < pages_.size() && pages_[i].mapped && pages_[i].file == page.file &&
          pages_[i].file_page == page.file_page && !pages_[i].cow) {
        pages_[i].residency = Residency::kNone;
      }
    }
    files_[static_cast<size_t>(page.file)].cached[page.file_page] = false;
    return;
  }
  // ref 66: a page mapped by a VM_LOCKED VMA is PG_mlocked on the
  // unevictable list, which reclaim never isolates; one that is not yet
  // (its PG_mlocked left open) is found by the rmap walk:
  // folio_referenced_one() sees VM_LOCKED, mlocks it (mlock_vma_folio())
  // and stops, and shrink_folio_list() keeps the folio (FOLIOREF_ACTIVATE).
  // try_to_unmap_one() does the same without TTU_IGNORE_MLOCK. So the page
  // stays, with every pte that maps it (CertainlyMappedLocked()).
  // mlock_count counts ptes: a page this mapping no longer maps (zapped by
  // MADV_DONTNEED_LOCKED, say) is held only by its shmem object or page
  // cache, locked only through another mapping's pte (found by a 6.1.192
  // guest run: a shared anonymous page zapped in a locked VMA was paged out).
  // A pte that MADV_PAGEOUT or an earlier reclaim left open may be gone,
  // and with it the mlock it held (found by a tinyconfig 6.1 guest run: a
  // memfd page whose locked mapping's pte had been paged out was taken
  // through its other, unlocked mapping).
  if (page.mapped && CertainlyMappedLocked(page)) {
    if (page.residency == Residency::kPage) {
      fx.Note(Event::kReclaimKeptLocked);
      if (Mutant(PlantedBug::kReclaimTakesLockedPage)) {
        page.residency = Residency::kNone;
        if (page.file < 0 && page.shared) page.shm_cached = false;
        if (page.file >= 0 && !page.cow) files_[static_cast<size_t>(page.file)].cached[page.file_page] = false;
      }
    }
    return;
  }
  // ref 65: without swap nothing of the anon lists is scanned.
  if (!config_.swap_active) {
    if (page.residency == Residency::kPage) fx.Note(Event::kReclaimKeptNoSwap);
    return;
  }
  // ref 67: with swap an unlocked swap-backed page may be written out and
  // unmapped (shrink_folio_list(): add_to_swap(), try_to_unmap(), or
  // shmem_writeout() for shmem) or stay (referenced, busy, not reached):
  // open, as after MADV_PAGEOUT.
  if (page.mapped && page.residency == Residency::kPage) {
    fx.Note(Event::kReclaimOpen);
    page.open = true;
  } else if (page.mapped && page.file < 0 && page.shared && page.shm_cached) {
    page.open = true;  // the shmem object's page, without a pte here
  }
  if (page.file >= 0 && !page.cow) {
    auto& open = files_[static_cast<size_t>(page.file)].cache_open;
    if (page.file_page >= open.size()) open.resize(page.file_page + 1, false);
    open[page.file_page] = true;
  }
}

// ref 65, 68: memory_reclaim() takes the amount in bytes, rounded down to
// pages (page_counter_memparse()); it loops while less was reclaimed, and
// answers -EAGAIN once MAX_RECLAIM_RETRIES attempts found nothing, else
// the bytes written. How much the group's other pages (the child's stack,
// its copies of the executor's data) give is not the model's to know, so
// any request of a page or more may be either; less than a page is no
// request at all: the loop never runs and nothing changes.
Outcome Model::Reclaim(const Op& op, StepEffects& fx) {
  if (!config_.memcg_reclaim) return Fail(uapi::kEnosys);  // never generated
  if (op.reclaim_bytes < config_.page_size) {
    fx.Note(Event::kReclaimNothing);
    return Ok();
  }
  for (size_t i = 0; i < pages_.size(); ++i) {
    if (Mutant(PlantedBug::kReclaimClearsMlocked) && pages_[i].mapped && pages_[i].lock != Lock::kNone &&
        pages_[i].residency == Residency::kPage) {
      if (mutant_lost_mlock_.empty()) mutant_lost_mlock_.assign(pages_.size(), 0);
      mutant_lost_mlock_[i] = 1;
    }
    ReclaimPage(pages_[i], fx);
  }
  for (PageState& page : heap_) ReclaimPage(page, fx);
  // Page-cache pages no arena page maps.
  if (config_.swap_active) {
    for (int f = 0; f < kFileCount; ++f) {
      if (f == kSecretmem) continue;
      FileState& file = files_[static_cast<size_t>(f)];
      for (size_t k = 0; k < file.cached.size(); ++k) {
        if (!file.cached[k] || FileMapcount(f, k) > 0) continue;
        if (k >= file.cache_open.size()) file.cache_open.resize(k + 1, false);
        file.cache_open[k] = true;
      }
    }
  }
  Outcome out = Ok();
  out.or_err = uapi::kEagain;
  return out;
}

}  // namespace mlc
