// The calls the model does not cover, with the reason printed to the user.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace mlc {

using namespace model_outcome;

namespace {

// One row per call the model does not cover: why, and the kernel code whose
// behaviour no rule of the model decides.
constexpr UnmodelledRule kRules[] = {
    {"hugetlb-without-pool", "MAP_HUGETLB needs free huge pages (none reserved, or the kernel has no hugetlbfs)",
     "mm/hugetlb.c hugetlb_reserve_pages(): the pool the host reserved, which mlockcheck never changes"},
    {"hugetlb-with-thp", "MAP_HUGETLB is not modelled together with --thp",
     "the THP profile adopts PMD mappings per range; hugetlb VMAs are PMD-mapped by other rules"},
    // MADV_FREE (madvise_free_huge_pmd()) and MADV_COLD/PAGEOUT
    // (madvise_cold_or_pageout_pte_range()) split a THP's folio where the
    // range covers part of it, and only if split_folio() succeeds.
    {"thp-folio-split-advice", "MADV_FREE, MADV_COLD and MADV_PAGEOUT are not modelled under --thp",
     "mm/huge_memory.c split_folio(): fails while a reference (a per-CPU LRU batch holds one) no rule exposes"},
    {"hugetlb-madvise-mremap-fork",
     "madvise, mremap, fork, move_pages and migrate_pages are not modelled while hugetlb mappings exist",
     "mm/hugetlb.c: hugetlb_vm_op_split(), move_hugetlb_page_tables(), copy_hugetlb_page_range(), and "
     "mm/migrate.c migrate_hugetlbs() (ENOMEM for the whole call without a free huge page on the node) are not "
     "modelled"},
    // The executor and repro.c pass one 64-bit node mask (maxnode 65).
    {"node-beyond-63", "a NUMA node above 63 does not fit the one-word node mask mlockcheck passes",
     "mm/mempolicy.c get_nodes(): the mask is maxnode - 1 bits long"},
    // A secretmem fault charging the user's locked_vm within reach of
    // RLIMIT_MEMLOCK: whether it fits depends on pages the user holds
    // elsewhere (kSecretmemChargeSlack).
    {"secretmem-charge-near-limit",
     "a secretmem fault this close to RLIMIT_MEMLOCK depends on the user's locked pages elsewhere",
     "mm/secretmem.c secretmem_fault(): the charge is the user's (user->locked_vm), not the process's"},
    // The placement rule of oracles/files.h: file page k only at arena page
    // k of a window, which Model::PageMlocked() and FileMapcount() rely on.
    // A shared anonymous mapping's shmem object keeps the size it was
    // created with (shmem_zero_setup()), so a grown tail lies beyond it and
    // faults SIGBUS, populate included; object sizes are not modelled. The
    // generator grows private mappings only, but shrinking may lengthen
    // new_len against a shortened len (found by a 6.1.192 guest run).
    {"shmem-mremap-growth", "mremap growth of a shared anonymous mapping (its shmem object keeps its size)",
     "mm/shmem.c shmem_fault(): a page beyond the object's i_size is VM_FAULT_SIGBUS"},
    {"file-page-off-its-window",
     "a file page mapped off its window (file page k maps only at arena page k or 32+k, oracles/files.h)",
     "mm/mlock.c mlock_folio() and smaps' PSS: a page cache page's mappings elsewhere, which the model finds by placement"},
};

const char* Why(const char* id) {
  for (const UnmodelledRule& rule : kRules) {
    if (std::string_view(rule.id) == id) return rule.why;
  }
  return "not modelled";
}

}  // namespace

const std::vector<UnmodelledRule>& UnmodelledRules() {
  static const std::vector<UnmodelledRule> rules(std::begin(kRules), std::end(kRules));
  return rules;
}

namespace {
// Whether a file page is mapped off its window (oracles/files.h).
bool FilePageOffItsWindow(const Model& model) {
  const std::vector<PageState>& pages = model.pages();
  for (size_t p = 0; p < pages.size(); ++p) {
    const bool placed = p == pages[p].file_page || p == kFileWindowPages + pages[p].file_page;
    if (pages[p].mapped && pages[p].file >= 0 && !placed) return true;
  }
  return false;
}
}  // namespace

const char* UnmodelledReason(const Model& model, const Op& op) {
  // mremap may move a file mapping anywhere: asked of a copy of the model
  // (found by a tinyconfig 6.1 guest run with swap, where reclaim's open
  // pages made smaps Locked a range that counts file pages by placement).
  if (op.kind == OpKind::kMremap) {
    Model after = model;
    const Outcome moved = after.Apply(op);
    if (FilePageOffItsWindow(after)) return Why("file-page-off-its-window");
    // A growth the model lets succeed (a refused one, EFAULT across VMAs
    // say, changes nothing).
    const uint64_t first = op.addr / model.config().page_size;
    if (moved.ret != -1 && op.new_len > op.len && op.region != kAbsoluteAddr && first < model.pages().size() &&
        model.pages()[first].mapped && model.pages()[first].shared && model.pages()[first].file < 0) {
      return Why("shmem-mremap-growth");
    }
  }
  if ((op.kind == OpKind::kMigratePages || op.kind == OpKind::kMovePages) && op.node >= 64) return Why("node-beyond-63");
  const bool huge_mmap = op.kind == OpKind::kMmap && (op.flags & uapi::kMapHugetlb);
  if (huge_mmap && model.config().huge_page_pages == 0) return Why("hugetlb-without-pool");
  if (huge_mmap && model.config().thp) return Why("hugetlb-with-thp");
  if (model.config().thp && op.kind == OpKind::kMadvise &&
      (op.advice == uapi::kMadvFree || op.advice == uapi::kMadvCold || op.advice == uapi::kMadvPageout)) {
    return Why("thp-folio-split-advice");
  }
  const bool hugetlb_rules_missing = op.kind == OpKind::kMadvise || op.kind == OpKind::kMremap ||
                                     op.kind == OpKind::kFork || op.kind == OpKind::kMovePages ||
                                     op.kind == OpKind::kMigratePages;
  if (hugetlb_rules_missing && model.AnyHugetlbMapped()) return Why("hugetlb-madvise-mremap-fork");
  const bool touch = op.kind == OpKind::kReadTouch || op.kind == OpKind::kWriteTouch;
  const uint64_t index = op.addr / model.config().page_size;
  if (touch && !model.config().measured.secretmem_locked && op.region != kAbsoluteAddr && index < model.pages().size()) {
    const PageState& page = model.pages()[index];
    const uint64_t limit = model.memlock_cur() / model.config().page_size;
    const uint64_t after = model.SecretmemChargedPages() + 1;
    if (page.mapped && page.file == kSecretmem && !model.FilePageCached(page) && !model.BeyondEof(page) &&
        after <= limit && limit - after < kSecretmemChargeSlack) {
      return Why("secretmem-charge-near-limit");
    }
  }
  return nullptr;
}

const char* UnmodelledStep(const ModelConfig& config, const std::vector<Op>& ops, size_t* step) {
  Model model(config);
  for (size_t i = 0; i < ops.size(); ++i) {
    if (const char* why = UnmodelledReason(model, ops[i])) {
      *step = i;
      return why;
    }
    model.Apply(ops[i]);
    if (FilePageOffItsWindow(model)) {
      *step = i;
      return Why("file-page-off-its-window");
    }
  }
  return nullptr;
}

}  // namespace mlc
