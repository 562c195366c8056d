// The calls the model does not cover, with the reason printed to the user.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

const char* UnmodelledReason(const Model& model, const Op& op) {
  const bool huge_mmap = op.kind == OpKind::kMmap && (op.flags & uapi::kMapHugetlb);
  if (huge_mmap && model.config().huge_page_pages == 0) {
    return "MAP_HUGETLB needs free huge pages (none reserved, or the kernel has no hugetlbfs)";
  }
  if (huge_mmap && model.config().thp) return "MAP_HUGETLB is not modelled together with --thp";
  // --thp: MADV_FREE (madvise_free_huge_pmd()) and MADV_COLD/PAGEOUT
  // (madvise_cold_or_pageout_pte_range()) split a THP's folio where the
  // range covers part of it, and only if split_folio() succeeds, which
  // depends on references (a per-CPU LRU batch holds one) no rule exposes.
  if (model.config().thp && op.kind == OpKind::kMadvise &&
      (op.flags == uapi::kMadvFree || op.flags == uapi::kMadvCold || op.flags == uapi::kMadvPageout)) {
    return "MADV_FREE, MADV_COLD and MADV_PAGEOUT are not modelled under --thp";
  }
  const bool hugetlb_rules_missing = op.kind == OpKind::kMadvise || op.kind == OpKind::kMremap ||
                                     op.kind == OpKind::kFork;
  if (hugetlb_rules_missing && model.AnyHugetlbMapped()) {
    return "madvise, mremap and fork are not modelled while hugetlb mappings exist";
  }
  // A secretmem fault charging the user's locked_vm within reach of
  // RLIMIT_MEMLOCK: whether it fits depends on pages the user holds
  // elsewhere (kSecretmemChargeSlack).
  const bool touch = op.kind == OpKind::kReadTouch || op.kind == OpKind::kWriteTouch;
  const uint64_t index = op.addr / model.config().page_size;
  if (touch && !model.config().secretmem_locked && op.region != kAbsoluteAddr && index < model.pages().size()) {
    const PageState& page = model.pages()[index];
    const uint64_t limit = model.memlock_cur() / model.config().page_size;
    const uint64_t after = model.SecretmemChargedPages() + 1;
    if (page.mapped && page.file == kSecretmem && !model.FilePageCached(page) && !model.BeyondEof(page) &&
        after <= limit && limit - after < kSecretmemChargeSlack) {
      return "a secretmem fault this close to RLIMIT_MEMLOCK depends on the user's locked pages elsewhere";
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
  }
  return nullptr;
}

}  // namespace mlc
