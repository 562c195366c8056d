// RapidCheck generators of calls, valid by construction and aimed at the
// state the model is in: most addresses fall on or around mappings that were
// created earlier, so splits, merges, holes and partial failures come up
// often. Invalid inputs (unknown flags, unaligned or zero lengths, wrap-around)
// are explicit, low-weight branches.
//
//   rc::Gen<Op> gen = GenOp(model, GenOptions{});
#pragma once

#include <rapidcheck.h>

#include "oracles/model.h"
#include "oracles/op.h"

namespace mlc {

struct GenOptions {
  bool mlock2 = true;       // false on a kernel without mlock2 (ENOSYS)
  bool mcl_onfault = true;  // false on a kernel without MCL_ONFAULT
  // Mappings are created mostly within this many pages from the arena start
  // (interactions need density); a few land anywhere in the arena.
  uint64_t hot_pages = 512;
  bool files = true;  // mmap_file and ftruncate of the executor's files (oracles/files.h)
  bool secretmem = true;  // mmap_file of the memfd_secret file too
  bool tmpfile = true;    // ... and of the tmpfs file (/dev/shm)
  bool madvise = true;    // madvise (issue 3)
  bool madvise_dontneed_locked = true;  // MADV_DONTNEED_LOCKED among the advice (EINVAL before 5.18)
  // --thp: no MADV_FREE, MADV_COLD or MADV_PAGEOUT (UnmodelledReason()).
  bool madvise_without_folio_splits = false;
  bool mremap = true;     // false where the model does not cover mremap (KernelProfile)
  bool brk = true;   // brk of the executor's heap region (Model::heap())
  bool fork = true;  // fork with the child's own view observed
  bool reclaim = false;  // reclaim() of the child's own memory cgroup (ModelConfig::memcg_reclaim)
  bool migration = false;  // move_pages() between NUMA nodes (ModelConfig::migration)
  bool compaction = false;  // compact() of all memory (ModelConfig::compaction)
  bool migrate_process = false;  // migrate_pages() of the whole child (ModelConfig::migrate_process)
  // --thp: half of the anonymous mmaps are private, PMD-aligned and a
  // multiple of thp_pages long, so that faults can get THPs; lock calls
  // aimed at them put boundaries inside them.
  bool thp = false;
  uint64_t thp_pages = 512;
  // MAP_HUGETLB mmaps (ModelConfig::huge_page_pages), huge page aligned.
  // While any is mapped, madvise, mremap and fork are not generated: the
  // model has no hugetlb rules for them (UnmodelledReason()).
  bool hugetlb = false;
  // The longest sequence (RapidCheck's max_size, ./mlockcheck run --steps
  // less one). A sequence is drawn at up to twice RapidCheck's size for it,
  // capped here: the rules that need three to five calls in a row (a
  // future lock changed, then a new mapping) come within reach of a default
  // run, where sizes cycle through 0..max_length and lengths up to the size
  // would average a quarter of it.
  int max_length = 39;
};

rc::Gen<Op> GenOp(const Model& model, const GenOptions& options);

// Parts, exposed for tests.
rc::Gen<int> GenProt();
rc::Gen<int> GenMlock2Flags();
rc::Gen<int> GenMlockallFlags(bool mcl_onfault);
rc::Gen<int> GenMmapFlags();
rc::Gen<int> GenMadviseAdvice(bool dontneed_locked, bool without_folio_splits = false);

}  // namespace mlc
