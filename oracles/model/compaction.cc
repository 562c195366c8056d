// Compaction of all memory: compact(allowed) writes allowed to
// /proc/sys/vm/compact_unevictable_allowed and then compact_memory, as
// only a run that has the machine to itself may (a guest). What a locked
// page keeps: with 0 its page frame, with 1 at least its residency and its
// lock. Mirrors mm/compaction.c (sysctl_compaction_handler(),
// compact_nodes(), isolate_migratepages_block()); oracles/README.md rule 73.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

namespace mlc {

using namespace model_outcome;

// ref 73.
Outcome Model::Compact(const Op& op, StepEffects& fx) {
  if (!config_.compaction) return Fail(uapi::kEnosys);  // never generated
  // compact_unevictable_allowed is a proc_dointvec_minmax() between 0 and 1.
  if (op.unevictable_allowed > 1) return Fail(uapi::kEinval);
  compact_pinned_.assign(pages_.size(), 0);
  compact_moved_.assign(pages_.size(), 0);
  for (size_t i = 0; i < pages_.size(); ++i) {
    const PageState& page = pages_[i];
    if (!page.mapped || page.hugetlb || page.open || page.residency != Residency::kPage) continue;
    // compact_nodes() begins with lru_add_drain_all(): every PG_mlocked
    // page is on the unevictable list by then (mm/mlock.c
    // mlock_folio_batch()), as are memfd_secret's. Without
    // ISOLATE_UNEVICTABLE, isolate_migratepages_block() skips them
    // ("PageUnevictable(page)) goto isolate_fail"): their frame stays. With
    // it, they may be migrated like any other page and arrive mlocked
    // (remove_migration_pte(), ref 71); nothing else changes (ref 70).
    const bool mlocked = !MlockUncertain(page) && PageMlocked(i);
    const bool unevictable = mlocked || page.file == kSecretmem;
    if (op.unevictable_allowed == 0 && unevictable) {
      compact_pinned_[i] = 1;
      if (mlocked) fx.Note(Event::kCompactKeptUnevictable);
      if (Mutant(PlantedBug::kCompactionMovesUnevictable)) compact_moved_[i] = 1;
    } else if (mlocked) {
      fx.Note(Event::kCompactMayMoveLocked);
    }
  }
  return Ok();
}

}  // namespace mlc
