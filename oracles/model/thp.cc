// Transparent huge pages under --thp: eligibility, PMD-mapped folios, their
// splits, and adoption of what the kernel reports. Mirrors mm/huge_memory.c
// and mm/khugepaged.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

// --thp (ref 46; Documentation/admin-guide/mm/transhuge.rst). Whether a
// fault, populate or khugepaged gives a range a huge page depends on
// allocation and timing, so the kernel's answer is an input (AdoptThp); what
// follows from it is checked exactly.

// A range can be PMD-mapped only inside one VMA that can hold an anonymous
// THP: private anonymous, all pages with the same flags (a VMA boundary
// inside it would have split the PMD), and accessible (a PROT_NONE VMA
// takes no fault, and khugepaged needs present ptes). mm/huge_memory.c
// thp_vma_suitable_order(), vma_is_anonymous(); mm/khugepaged.c.
bool Model::ThpEligible(size_t range) const {
  const size_t first = range * config_.thp_pages;
  const PageState& head = pages_[first];
  if (!head.mapped || head.shared || head.file >= 0 || (head.prot & 7) == 0) return false;
  for (size_t i = first; i < first + config_.thp_pages; ++i) {
    const PageState& p = pages_[i];
    if (!p.mapped || p.shared || p.file >= 0 || p.prot != head.prot || p.lock != head.lock) return false;
  }
  return true;
}

// What khugepaged's scan asks of a range besides one eligible VMA
// (mm/khugepaged.c hpage_collapse_scan_pmd()): a present page that is not
// the zero page (else SCAN_EXCEED_NONE_PTE past max_ptes_none) and a
// writable pte (SCAN_PAGE_RO).
bool Model::Collapsible(size_t range) const {
  if (!ThpEligible(range)) return false;
  const size_t first = range * config_.thp_pages;
  if ((pages_[first].prot & uapi::kProtWrite) == 0) return false;
  for (size_t i = first; i < first + config_.thp_pages; ++i) {
    if (pages_[i].residency == Residency::kPage) return true;
  }
  return false;
}

// Whether a PMD mapping survived the step: still one VMA over the whole
// range (same flags, nothing unmapped or replaced) and the same pages.
bool Model::ThpIntact(size_t range) const {
  const size_t first = range * config_.thp_pages;
  const PageState& head = pages_[first];
  const Residency want = thp_[range] == ThpState::kHugeZero ? Residency::kZeroPage : Residency::kPage;
  for (size_t i = first; i < first + config_.thp_pages; ++i) {
    const PageState& p = pages_[i];
    if (!p.mapped || p.shared || p.file >= 0 || !thp_folio_[i] || p.residency != want || p.prot != head.prot ||
        p.lock != head.lock) {
      return false;
    }
  }
  return true;
}

// A VMA boundary inside a PMD-mapped range splits the PMD into PTEs:
// __split_vma() -> vma_adjust_trans_huge() -> split_huge_pmd_if_needed()
// for mlock_fixup()/mprotect_fixup()'s splits and munmap; zap_pmd_range()
// splits a partly unmapped PMD. The THP stays one large folio, now
// PTE-mapped (AnonHugePages drops, KPF_THP stays). The split removes the
// PMD's rmap, folio_remove_rmap_pmd() -> munlock_vma_folio() (mm/internal.h),
// which munlocks the whole folio when the VMA is VM_LOCKED, and
// mlock_pte_range() mlocks a PTE-mapped large folio again only when the
// folio lies wholly inside the VMA and the range (allow_mlock_munlock(),
// mm/mlock.c, 6.6+; never before): its pages in a locked VMA "may be 0"
// (ref 46; unevictable-lru.rst "MLOCKING Transparent Huge Pages": "we
// handle this by keeping PTE-mlocked huge pages on evictable LRU lists").
// The huge zero page's PMD is split into PTEs of the small zero page
// (__split_huge_zero_page_pmd()), as is one written to:
// do_huge_pmd_wp_page() "if (is_huge_zero_pmd(orig_pmd)) goto fallback" ->
// __split_huge_pmd(), then the pte-level write fault copies one page.
void Model::SplitThps(const Op& op, StepEffects& fx) {
  const bool lock_call = op.kind == OpKind::kMlock || op.kind == OpKind::kMlock2 || op.kind == OpKind::kMunlock ||
                         op.kind == OpKind::kMlockall || op.kind == OpKind::kMunlockall;
  for (size_t r = 0; r < thp_.size(); ++r) {
    if (thp_[r] == ThpState::kNone || ThpIntact(r)) continue;
    const size_t first = r * config_.thp_pages;
    bool any_locked = false;
    for (size_t i = first; i < first + config_.thp_pages; ++i) {
      any_locked = any_locked || (pages_[i].mapped && pages_[i].lock != Lock::kNone);
    }
    bool mlock_open = false;
    for (size_t i = first; i < first + config_.thp_pages; ++i) {
      const PageState& p = pages_[i];
      if (thp_[r] == ThpState::kHugeZero || p.residency != Residency::kPage) thp_folio_[i] = 0;
      if (thp_folio_[i] && any_locked && !mutant_stale_mlock_.empty()) mutant_stale_mlock_[i] = 1;
      mlock_open = mlock_open || (thp_folio_[i] && p.mapped && p.lock != Lock::kNone);
    }
    if (mlock_open) fx.Note(Event::kThpSplitMlockOpen);
    // zap_pmd_range(): MADV_DONTNEED of part of a PMD splits it
    // (__split_huge_pmd()) and zaps the range's ptes; of all of it,
    // zap_huge_pmd() unmaps the whole folio.
    if (op.kind == OpKind::kMadvise) {
      fx.Note(Event::kThpZappedByMadvise);
    } else {
      fx.Note(lock_call && thp_[r] == ThpState::kPmdThp ? Event::kThpSplitAtLockBoundary : Event::kThpSplitOther);
    }
    thp_[r] = ThpState::kNone;
  }
}

// Simulated kernels: every range that can hold a THP and has a resident
// page is collapsed into one, as khugepaged may do (max_ptes_none 511).
void Model::SimulateThp(StepEffects& fx) {
  std::vector<ThpState> want = thp_;
  for (size_t r = 0; r < thp_.size(); ++r) {
    if (thp_[r] != ThpState::kNone || !ThpEligible(r)) continue;
    const size_t first = r * config_.thp_pages;
    for (size_t i = first; i < first + config_.thp_pages; ++i) {
      if (pages_[i].residency == Residency::kPage) {
        want[r] = ThpState::kPmdThp;
        break;
      }
    }
  }
  AdoptThp(want, &fx);
}

void Model::AdoptThp(const std::vector<ThpState>& observed, StepEffects* effects) {
  StepEffects scratch;
  StepEffects& fx = effects ? *effects : scratch;
  for (size_t r = 0; r < thp_.size() && r < observed.size(); ++r) {
    const size_t first = r * config_.thp_pages;
    const size_t end = first + config_.thp_pages;
    if (observed[r] == ThpState::kPteMapped) {
      AdoptUnseenCollapse(r, fx);
      continue;
    }
    if (observed[r] == thp_[r]) {
      if (thp_[r] == ThpState::kPmdThp && pages_[first].lock != Lock::kNone) fx.Note(Event::kThpLockedWhole);
      continue;
    }
    // Only a range the model holds as not PMD-mapped can become so; a PMD
    // mapping that vanished or changed without a split is a divergence.
    if (thp_[r] != ThpState::kNone || !ThpEligible(r)) {
      fx.Note(Event::kThpRejected);
      continue;
    }
    if (observed[r] == ThpState::kHugeZero) {
      // do_huge_pmd_anonymous_page(): a read fault on an empty PMD maps the
      // huge zero page (use_zero_page); it never replaces pages.
      bool empty = true;
      for (size_t i = first; i < end; ++i) empty = empty && pages_[i].residency != Residency::kPage;
      if (!empty) {
        fx.Note(Event::kThpRejected);
        continue;
      }
      for (size_t i = first; i < end; ++i) {
        pages_[i].residency = Residency::kZeroPage;
        thp_folio_[i] = 1;
      }
      thp_[r] = ThpState::kHugeZero;
      fx.Note(Event::kThpHugeZeroMapped);
      continue;
    }
    // A PMD-mapped THP makes all its pages resident; in a VM_LOCKED VMA it
    // is mlocked whole (mm/mlock.c mlock_pte_range() pmd_trans_huge case ->
    // mlock_folio(); a fault in a locked VMA: folio_add_lru_vma() ->
    // mlock_new_folio(); khugepaged: collapse_huge_page() maps it the same
    // way), so every subpage counts in Rss and Locked (ref 46, 48).
    for (size_t i = first; i < end; ++i) {
      if (pages_[i].residency == Residency::kZeroPage) fx.Note(Event::kZeroPageReplaced);
      pages_[i].residency = Residency::kPage;
      thp_folio_[i] = 1;
      if (!mutant_stale_mlock_.empty()) mutant_stale_mlock_[i] = 0;
    }
    thp_[r] = ThpState::kPmdThp;
    fx.Note(Event::kThpPmdMapped);
    if (pages_[first].lock != Lock::kNone) fx.Note(Event::kThpLockedWhole);
  }
}

// A large folio where the model knows none, in a range khugepaged could
// collapse when the step began and the call split again (a VMA boundary
// inside it, a zap of part): khugepaged (asynchronous, woken by
// MADV_HUGEPAGE; mm/khugepaged.c collapse_huge_page()) collapsed it before
// the call, so no record showed it PMD-mapped. The collapse filled every
// empty pte or zero page of the range (max_ptes_none) and the call may have
// zapped some since: those pages' residency is open. A page present before
// stays present, copied into the folio, except that on 6.12+ the deferred
// split shrinker may split the underused folio and map zero-filled pages
// outside VM_LOCKED VMAs to the shared zero page (mm/migrate.c
// try_to_map_unused_to_zeropage(), KernelProfile::thp_underused_zero_page).
// Found by a --thp soak on 6.18 (seed 11069638053955380271 of soak --thp
// --seed 20261215). Anywhere else a large folio the model did not place is
// left to the page-flags channel.
void Model::AdoptUnseenCollapse(size_t range, StepEffects& fx) {
  const size_t first = range * config_.thp_pages;
  const size_t end = first + config_.thp_pages;
  for (size_t i = first; i < end; ++i) {
    if (thp_folio_[i]) return;  // the model's own split folio
  }
  if (thp_[range] != ThpState::kNone || range >= thp_unseen_collapse_.size() || !thp_unseen_collapse_[range]) {
    fx.Note(Event::kThpRejected);
    return;
  }
  for (size_t i = first; i < end; ++i) {
    PageState& page = pages_[i];
    if (!page.mapped || page.shared || page.file >= 0) continue;
    thp_folio_[i] = 1;
    const bool filled = page.residency != Residency::kPage;
    const bool may_be_zeroed = config_.profile.thp_underused_zero_page && page.lock == Lock::kNone;
    if (filled || may_be_zeroed) page.open = true;
  }
  fx.Note(Event::kThpCollapseUnseen);
}

bool Model::MlockedOpenForThp(size_t index) const {
  if (thp_.empty()) return false;
  const PageState& page = pages_[index];
  if (!thp_folio_[index] || page.residency != Residency::kPage || page.lock == Lock::kNone) return false;
  return thp_[index / config_.thp_pages] != ThpState::kPmdThp;
}

// KPF_THP (fs/proc/page.c stable_page_flags(): set for every page of an
// anonymous large folio): 1 on a PMD-mapped THP, 0 on a small private
// anonymous page; left open elsewhere (zero pages, page cache, a split THP
// that the deferred split queue may have broken up since).
bool Model::ThpFlagKnown(size_t index, bool* thp) const {
  if (thp_.empty()) return false;
  const PageState& page = pages_[index];
  if (thp_[index / config_.thp_pages] == ThpState::kPmdThp) {
    *thp = true;
    return true;
  }
  if (page.mapped && page.file < 0 && !page.shared && page.residency == Residency::kPage && !thp_folio_[index]) {
    *thp = false;
    return true;
  }
  return false;
}

}  // namespace mlc
