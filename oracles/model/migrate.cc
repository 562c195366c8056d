// Migration of the child's pages between NUMA nodes: move_pages(2) of the
// calling process with MPOL_MF_MOVE. What each page's status says, and what
// a locked page keeps: it stays mapped, resident and PG_mlocked on its new
// node. Mirrors mm/migrate.c (kernel_move_pages(), do_pages_move(),
// add_page_for_migration() in 6.1, add_folio_for_migration() in 6.12,
// remove_migration_pte()); oracles/README.md rules 69-71.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

namespace mlc {

using namespace model_outcome;

namespace {

// The page's backing may be mapped elsewhere too (a page-cache page of a
// file, a shmem object's page), so the kernel may find it mapped twice.
bool MayBeMappedTwice(const PageState& page) {
  return (page.file >= 0 && !page.cow) || (page.file < 0 && page.shared);
}

}  // namespace

// ref 69: the status of one page (add_page_for_migration() /
// add_folio_for_migration() and their callers).
uint8_t Model::MoveStatusAllowed(const PageState& page) const {
  // vma_lookup() finds no VMA: -EFAULT.
  if (!page.mapped) return kMoveEfault;
  // Not modelled here: hugetlb folios (isolate_hugetlb(), their own
  // rules), secretmem (its folios refuse migration,
  // secretmem_migrate_folio(), and follow_page() skips its VMAs in 6.1),
  // and pages whose pte the rules left open (perhaps a swap entry).
  // A PROT_NONE pte is a page like any other: follow_page() callers "don't
  // want to fail on PROT_NONE-mapped pages" (d74943a2f3cd, 6.5; 6.1-6.4
  // answer -ENOENT, the kernel bug follow-page-skips-protnone).
  if (page.hugetlb || page.file == kSecretmem || page.open) return kMoveAny;
  // The zero page: FOLL_DUMP makes follow_page() answer -EFAULT (6.1
  // follow_page_pte()); 6.12's __add_folio_for_migration() returns -EFAULT
  // for is_zero_folio().
  if (page.residency == Residency::kZeroPage) return kMoveEfault;
  if (page.residency == Residency::kNone) {
    // No pte. 6.1's follow_page(FOLL_DUMP) answers -EFAULT where no page
    // table or pte exists in an anonymous VMA (no_page_table()), NULL
    // (-ENOENT) for a file VMA with a fault handler; 6.12's folio_walk_start()
    // finds nothing either way: -ENOENT (KernelProfile::move_pages_anon_hole_efault).
    const bool anonymous_vma = page.file < 0 && !page.shared;
    return anonymous_vma && config_.profile.move_pages_anon_hole_efault ? kMoveEfault : kMoveEnoent;
  }
  // A present page: already on the node (the node), or queued and migrated
  // (the node, stored by move_pages_and_store_status()); mapped more than
  // once, -EACCES unless it is already there (the node check comes first);
  // -EBUSY when folio_isolate_lru() fails because another path has it
  // isolated. Nothing here looks at VM_LOCKED or PG_mlocked: locked pages
  // migrate like any other (Documentation/mm/unevictable-lru.rst,
  // "Migrating MLOCKED Pages").
  uint8_t allowed = kMoveToTarget | kMoveEbusy;
  if (MayBeMappedTwice(page)) allowed |= kMoveEacces;
  return allowed;
}

// ref 69-71.
Outcome Model::MigratePages(const Op& op, StepEffects& fx) {
  if (!config_.migration) return Fail(uapi::kEnosys);  // never generated
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  const uint64_t count = (op.len + config_.page_size - 1) / config_.page_size;
  // ref 69: do_pages_move() checks each page's node before the page: a node
  // without memory fails the call with -ENODEV at the first page, before
  // anything moved (every page has the same node here). No pages, no check.
  if (count == 0) return Ok();
  if (op.node >= 64 || !((config_.numa_memory_nodes >> op.node) & 1)) {
    fx.Note(Event::kMigrateNoNode);
    return Fail(uapi::kEnodev);
  }
  const int target = static_cast<int>(op.node);
  for (uint64_t k = 0; k < count; ++k) {
    const int64_t index = PageIndex(addr + k * config_.page_size);
    if (index < 0) {  // outside the arena: never generated
      move_allowed_.push_back(kMoveAny);
      move_status_.push_back(-uapi::kEfault);
      continue;
    }
    const size_t i = static_cast<size_t>(index);
    PageState& page = pages_[i];
    const uint8_t allowed = MoveStatusAllowed(page);
    move_allowed_.push_back(allowed);
    if (allowed & kMoveToTarget) {
      move_status_.push_back(target);
      // ref 70: the page stays mapped and resident (remove_migration_ptes()
      // puts a pte to the new folio wherever a migration entry was), and a
      // VM_LOCKED VMA mlocks the new folio (ref 71). So nothing of the
      // page's state changes but its node.
      // A VM_LOCKED mapping of it, here or (a page-cache page) in the other
      // window: the page is PG_mlocked (ref 44).
      const bool locked = MappedLocked(page);
      fx.Note(locked ? Event::kMigrateLockedPage : Event::kMigrateUnlockedPage);
      if (locked && Mutant(PlantedBug::kMigrationClearsMlocked)) {
        if (mutant_lost_mlock_.empty()) mutant_lost_mlock_.assign(pages_.size(), 0);
        mutant_lost_mlock_[i] = 1;
      }
      if (locked && Mutant(PlantedBug::kMigrationDropsLockedPte) && !MayBeMappedTwice(page)) {
        ResetPage(i, [&] {
          PageState gone = page;
          gone.residency = Residency::kNone;
          return gone;
        }());
        continue;
      }
      if (!page_node_.empty() && !nodes_untracked_) {
        page_node_[i] = static_cast<int8_t>(Mutant(PlantedBug::kMigrationStaysOnNode) ? target ^ 1 : target);
      }
    } else {
      move_status_.push_back(allowed & kMoveEfault ? -uapi::kEfault : allowed & kMoveEnoent ? -uapi::kEnoent : 0);
      fx.Note(page.mapped ? Event::kMigrateNoPage : Event::kMigrateNoVma);
    }
  }
  // ref 69: 0, or the number of pages not migrated (counting those of the
  // batch not yet tried); move_pages(2): "If positive value is returned, it
  // is the number of nonmigrated pages". Which ones fail (a folio someone
  // else holds, no memory on the node) is the kernel's to say.
  Outcome out = Ok();
  out.ret_max = static_cast<int64_t>(count);
  return out;
}

// ref 75: migrate_pages(0, maxnode, old, new = {node}) of the whole child,
// old being every other node with memory (mm/mempolicy.c
// kernel_migrate_pages(), do_migrate_pages(), migrate_to_node(); read in
// 6.1.192 and 6.12.118).
Outcome Model::MigrateProcess(const Op& op, StepEffects& fx) {
  if (!config_.migration) return Fail(uapi::kEnosys);  // never generated
  // A target without memory is outside cpuset_mems_allowed(): EPERM unless
  // CAP_SYS_NICE; with it, new AND the task's mems is empty: EINVAL.
  if (op.node >= 64 || !((config_.numa_memory_nodes >> op.node) & 1)) {
    fx.Note(Event::kMigrateProcessNoNode);
    return Fail(config_.cap_sys_nice ? uapi::kEinval : uapi::kEperm);
  }
  migrate_target_ = static_cast<int>(op.node);
  // queue_folios_pte_range() (6.1 queue_pages_pte_range()) queues every
  // present normal folio on a source node: no pte, a swap entry and the
  // zero page are skipped, a PROT_NONE pte is a present page, and nothing
  // looks at VM_LOCKED. Without MPOL_MF_MOVE_ALL a folio mapped more than
  // once stays (6.12 folio_likely_mapped_shared(), 6.1 folio_estimated_sharers()).
  // The new folio of a VM_LOCKED VMA is mlocked again as its pte is
  // restored (remove_migration_pte(), ref 71): residency, locks and
  // counters stay as they were; only the node changes.
  const bool move_all = config_.cap_sys_nice;
  // The answer counts the folios not migrated over the whole address
  // space (the child's pages outside the arena and its heap too), and
  // 6.12 adds one for each further pte of a folio mapped twice in the
  // process under MPOL_MF_MOVE_ALL (its second isolation fails): at most
  // one per mapped page. In a quiet guest it is 0 unless a secretmem folio
  // was on a source node (secretmem_migrate_folio() refuses).
  uint64_t mapped = config_.outside_lockable_pages + heap_.size();
  for (size_t i = 0; i < pages_.size(); ++i) {
    PageState& page = pages_[i];
    if (!page.mapped) continue;
    ++mapped;
    if (page.residency != Residency::kPage || page.open || page.hugetlb || page.file == kSecretmem) continue;
    const bool locked = MappedLocked(page);
    if (!move_all && MayBeMappedTwice(page)) {
      migrate_maybe_.push_back(i);
      continue;
    }
    fx.Note(locked ? Event::kMigrateProcessLockedPage : Event::kMigrateProcessUnlockedPage);
    migrate_movers_.push_back(i);
    if (page_node_.empty() || nodes_untracked_) continue;
    // The canonical answer (a simulated kernel's): moved. The mutant leaves
    // a locked page where it was: its known node, else another with memory.
    if (locked && Mutant(PlantedBug::kMigrateProcessSkipsLocked)) {
      if (page_node_[i] < 0 || page_node_[i] == migrate_target_) page_node_[i] = OtherMemoryNode(migrate_target_);
      continue;
    }
    page_node_[i] = static_cast<int8_t>(migrate_target_);
  }
  Outcome out = Ok();
  out.ret_max = static_cast<int64_t>(mapped);
  return out;
}

void Model::AdoptMigration(const Outcome& observed, const std::vector<int32_t>& status) {
  if (migrate_target_ >= 0) {
    AdoptProcessMigration(observed);
    return;
  }
  if (move_allowed_.empty()) return;
  if (observed.ret != 0) {
    // The batch aborted (or the call failed): status[] is not determined,
    // nor the node of any page of the range.
    move_allowed_.assign(move_allowed_.size(), kMoveAny);
    if (!page_node_.empty()) {
      for (int8_t& node : page_node_) node = -1;
    }
    return;
  }
  if (page_node_.empty() || nodes_untracked_) return;
  // The kernel's statuses say where each present page is now.
  for (size_t k = 0; k < move_allowed_.size() && k < status.size(); ++k) {
    const size_t i = move_first_page_ + k;
    if (i >= page_node_.size()) break;
    const PageState& page = pages_[i];
    const bool present = page.mapped && page.residency == Residency::kPage && !page.open && !page.hugetlb;
    page_node_[i] = present && status[k] >= 0 && status[k] < 64 ? static_cast<int8_t>(status[k]) : -1;
  }
}

// After migrate_pages(): with 0 every page that had to move is on the
// target (MigrateProcess() put it there); pages mapped twice under
// MPOL_MF_MOVE may have stayed. A positive answer does not say which folios
// stayed (one outside the arena, or 6.12's count of a second pte), so the
// nodes of the arena's candidates are no longer known.
void Model::AdoptProcessMigration(const Outcome& observed) {
  if (page_node_.empty() || nodes_untracked_ || observed.ret < 0) return;
  for (size_t i : migrate_maybe_) page_node_[i] = -1;
  if (observed.ret == 0) return;
  for (size_t i : migrate_movers_) page_node_[i] = -1;
}

// The lowest node with memory other than `node` (the mutant's "stayed").
int8_t Model::OtherMemoryNode(int node) const {
  for (int n = 0; n < 64; ++n) {
    if (n != node && ((config_.numa_memory_nodes >> n) & 1)) return static_cast<int8_t>(n);
  }
  return -1;
}

// Node knowledge survives a step only where the step certainly left the
// page alone: calls that may put another page at the same place with the
// same PageState (mmap over it, mremap, brk) forget every node; a write
// touch forgets its page (a COW copy after fork); a fork ends tracking for
// the sequence (nodes_untracked_). Everything else is checked field by
// field afterwards (ForgetReplacedNodes()).
void Model::SnapshotKnownNodes(const Op& op) {
  move_status_.clear();
  move_allowed_.clear();
  migrate_target_ = -1;
  migrate_movers_.clear();
  migrate_maybe_.clear();
  known_before_.clear();
  if (page_node_.empty()) return;
  bool forget_all = nodes_untracked_;
  switch (op.kind) {
    case OpKind::kMmap:
    case OpKind::kMmapFile:
    case OpKind::kMremap:
    case OpKind::kBrk: forget_all = true; break;
    case OpKind::kFork:
      forget_all = true;
      nodes_untracked_ = true;
      break;
    default: break;
  }
  for (size_t i = 0; i < page_node_.size(); ++i) {
    if (page_node_[i] < 0) continue;
    if (forget_all) {
      page_node_[i] = -1;
    } else {
      known_before_.emplace_back(i, pages_[i]);
    }
  }
  if (op.kind == OpKind::kWriteTouch) {
    const int64_t i = PageIndex(AbsoluteAddress(op, config_.arena_base));
    if (i >= 0) page_node_[static_cast<size_t>(i)] = -1;
  }
  if (op.kind == OpKind::kMovePages) {
    const int64_t i = PageIndex(AbsoluteAddress(op, config_.arena_base));
    move_first_page_ = i < 0 ? 0 : static_cast<size_t>(i);
  }
}

void Model::ForgetReplacedNodes() {
  for (const auto& [i, before] : known_before_) {
    const PageState& now = pages_[i];
    const bool same = now.mapped && now.residency == Residency::kPage && !now.open && now.file == before.file &&
                      now.file_page == before.file_page && now.cow == before.cow && now.shared == before.shared &&
                      now.shm_id == before.shm_id && now.hugetlb == before.hugetlb;
    if (!same) page_node_[i] = -1;
  }
  known_before_.clear();
}

}  // namespace mlc
