// The system-wide counters of locked memory: /proc/meminfo Mlocked (the
// zone counter NR_MLOCK) and Unevictable (the unevictable LRU lists), as
// far as the child's arena and heap move them. Mirrors fs/proc/meminfo.c
// meminfo_proc_show() and mm/mlock.c (mlock_folio(), munlock_folio());
// oracles/README.md rule 72.

#include "oracles/model.h"

#include <algorithm>

namespace mlc {

namespace {
// A lower and an upper bound, in pages.
struct Bounds {
  uint64_t lo = 0, hi = 0;
  void Add(bool certain, bool possible) {
    lo += certain;
    hi += certain || possible;
  }
};
}  // namespace

// ref 72: NR_MLOCK counts each PG_mlocked folio once, by its pages
// (mlock_folio(): "zone_stat_mod_folio(folio, NR_MLOCK, nr_pages)" as it
// sets PG_mlocked; munlock_folio()'s batch takes them off as it clears it).
// So: every present page the rules say is mlocked, a page-cache page once
// however many windows map it; where PG_mlocked is open (an uncertain
// munlock, a pte MADV_PAGEOUT or reclaim left open) the page may count.
// Unevictable adds what sits on the unevictable list without PG_mlocked:
// memfd_secret's pages (mapping_set_unevictable()).
Model::SystemCounts Model::PredictSystemCounts() const {
  Bounds mlocked, secret_mlocked;
  for (size_t i = 0; i < pages_.size(); ++i) {
    const PageState& page = pages_[i];
    if (!page.mapped || page.hugetlb) continue;
    const bool present = page.residency == Residency::kPage;
    if (page.file >= 0 && !page.cow) {
      // Page-cache pages: counted at the lowest window that holds a pte.
      bool lowest = true;
      for (uint64_t w = 0; w < kFileWindows; ++w) {
        const uint64_t j = w * kFileWindowPages + page.file_page;
        if (j >= i) break;
        const PageState& other = pages_[j];
        lowest &= !(other.mapped && other.file == page.file && other.file_page == page.file_page && !other.cow &&
                    other.residency == Residency::kPage);
      }
      if (!present || !lowest) continue;
      const bool open = MlockUncertain(page) || page.open;
      Bounds& into = page.file == kSecretmem ? secret_mlocked : mlocked;
      into.Add(!open && PageMlocked(i), open && MappedLocked(page));
      continue;
    }
    if (page.file < 0 && page.shared && !present) {
      // A shmem page this mapping no longer maps may still be PG_mlocked.
      mlocked.Add(false, page.shm_cached && page.shm_mlock_uncertain);
      continue;
    }
    if (!present) continue;
    const bool open = page.open || MlockUncertain(page) || MlockedOpenForThp(i);
    mlocked.Add(!open && PageMlocked(i), open && page.lock != Lock::kNone);
  }
  // Page-cache pages no window maps that an uncertain munlock may have left
  // PG_mlocked.
  for (int f = 0; f < kFileCount; ++f) {
    const FileState& file = files_[static_cast<size_t>(f)];
    for (size_t k = 0; k < file.cached.size(); ++k) {
      if (!file.cached[k] || FileMapcount(f, k) > 0) continue;
      const bool uncertain = k < file.mlock_uncertain.size() && file.mlock_uncertain[k];
      (f == kSecretmem ? secret_mlocked : mlocked).Add(false, uncertain);
    }
  }
  for (const PageState& page : heap_) {
    if (!page.mapped || page.residency != Residency::kPage || page.lock == Lock::kNone) continue;
    mlocked.Add(!page.open, page.open);
  }
  mlocked.lo += mutant_nr_mlock_leak_;
  mlocked.hi += mutant_nr_mlock_leak_;
  uint64_t secret_cached = 0;
  for (size_t k = 0; k < files_[kSecretmem].cached.size(); ++k) secret_cached += files_[kSecretmem].cached[k];
  SystemCounts counts;
  counts.mlocked_lo = mlocked.lo + secret_mlocked.lo;
  counts.mlocked_hi = mlocked.hi + secret_mlocked.hi;
  counts.unevictable_lo = mlocked.lo + secret_cached;
  counts.unevictable_hi = mlocked.hi + secret_cached;
  // ref 72: compared only after a drain barrier (the munlock and LRU
  // batches hold pages back until then, mm/mlock.c mlock_drain_local(),
  // mm/swap.c lru_add_drain()), and while mlockall() does not lock the
  // executor's own pages, whose count the model does not know.
  counts.determined = drained_ && outside_lock_ == Lock::kNone && thp_.empty();
  return counts;
}

}  // namespace mlc
