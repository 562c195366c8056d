// What the generator files share (internal to generators/): the shrinking
// choices, what the generators know of a model (Targets) and the ranges
// they aim calls at, and each call family's generator, defined in the file
// named after it and dispatched by GenOp() (gen_ops.cc).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "generators/gen_ops.h"
#include "oracles/model.h"
#include "oracles/op.h"

namespace mlc {
namespace gen_internal {

// Like rc::gen::weightedElement, with the same distribution, but shrinking
// towards the earlier elements: RapidCheck's own element choices never
// shrink, so a shrunk sequence kept every optional flag, special case and
// placement it was generated with. List the simplest choice first.
template <typename T>
rc::Gen<T> Shrinking(std::vector<std::pair<size_t, T>> pairs) {
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(), [](const auto& p) { return p.first == 0; }), pairs.end());
  return rc::Gen<T>([pairs](const rc::Random& random, int) {
    size_t total = 0;
    for (const auto& p : pairs) total += p.first;
    size_t pick = rc::Random(random).next() % total;
    size_t index = 0;
    while (pick >= pairs[index].first) pick -= pairs[index++].first;
    return rc::shrinkable::map(
        rc::shrinkable::shrinkRecur(index, [](size_t i) { return rc::shrink::towards<size_t>(i, 0); }),
        [pairs](size_t i) { return pairs[i].second; });
  });
}

// rc::gen::weightedOneOf whose choice of generator shrinks too, towards the
// first.
template <typename T>
rc::Gen<T> ShrinkingOneOf(std::vector<std::pair<size_t, rc::Gen<T>>> pairs) {
  return rc::gen::join(Shrinking<rc::Gen<T>>(std::move(pairs)));
}

// What the generators need to know of a model, small enough to capture by
// value in every generator.
struct Targets {
  uint64_t page_size = 4096;
  uint64_t arena_pages = 0;
  uint64_t hot_pages = 0;
  int next_region = 0;
  std::vector<Region> live;  // regions with at least one page still mapped
  std::vector<Region> all;
  GenOptions options;
  // Privileges and RLIMIT_MEMLOCK (limit values are generated around these).
  bool cap_ipc_lock = true;
  bool cap_sys_resource = true;
  uint64_t memlock_cur = 0;
  uint64_t memlock_max = 0;
  bool limit_set = false;  // a prlimit64 changed it from what the sequence started with
  uint64_t locked_vm_pages = 0;
  uint64_t total_vm_pages = 0;
  // mremap: runs of anonymous pages the model knows to lie in one VMA
  // (Model::SpanOf()), and per arena page: bit 0 mapped, bit 1 file-backed.
  struct VmaRun {
    uint64_t first = 0;
    uint64_t pages = 0;
    bool private_anon = false;
    bool end_certain = false;  // the page after it is certainly not in its VMA
    bool locked = false;       // VM_LOCKED: a growth is populated (ref 59)
  };
  std::vector<VmaRun> runs;
  std::vector<uint8_t> page_bits;
  uint64_t brk = 0;  // the break's offset above the initial one (Model::brk_offset())
  // hugetlb: base pages per huge page, whether any hugetlb page is mapped,
  // huge pages still free for reservations (ModelConfig::hugetlb_available
  // less what the arena holds), and per huge page slot of the arena whether
  // anything is mapped there.
  uint64_t huge_page_pages = 0;
  bool hugetlb_mapped = false;
  uint64_t hugetlb_room = 0;
  std::vector<bool> slot_used;
  // Arena pages a touch must avoid: secretmem faults whose charge the model
  // cannot decide (UnmodelledReason()); empty when there are none.
  std::vector<bool> undecided_touch;
  // The state the next call can build on, so that the property reaches the
  // rules that need two or three calls in a row (a write to a zero page, a
  // lock over a locked range, a new mapping under MCL_FUTURE, a shrink of a
  // locked heap, ...) within a default run: a few pages of each kind.
  Lock future = Lock::kNone;             // mm->def_flags' lock bits (Model::future_lock())
  std::vector<uint64_t> zero_pages;       // arena pages mapping the zero page
  std::vector<uint64_t> locked_pages;     // arena pages of VM_LOCKED VMAs
  // ... and for each of those, how many pages from it on are locked alike
  // (same lock, same protection): a relock that stays inside them.
  std::vector<uint64_t> locked_run_pages;
  std::vector<uint8_t> locked_onfault;    // ... and whether it is VM_LOCKONFAULT
  std::vector<uint64_t> onfault_pages;    // arena pages of VM_LOCKONFAULT VMAs
  std::vector<uint64_t> locked_readonly;  // ... private and not writable (mprotect +W pre-COWs them)
  std::vector<uint64_t> beyond_eof;       // file pages mapped beyond their file's EOF
  // Per file: the lowest file page a VM_LOCKED mapping maps, or -1.
  int64_t lowest_locked_file_page[kFileCount] = {-1, -1, -1};
  // A present page-cache page mapped twice, locked in one mapping only:
  // reclaim must keep it in both (ref 66).
  bool file_page_locked_once = false;
  // A present page-cache page (arena page, its file, whether its VMA is
  // locked): GenMmapFile() maps it again in the other window, for reclaim.
  int64_t present_file_page = -1;
  int present_file = -1;
  bool present_file_locked = false;
  bool heap_mapped = false;
  bool heap_locked = false;
  uint64_t numa_memory_nodes = 1;  // ModelConfig::numa_memory_nodes
};

// Up to `most` of the indices in `from`, spread over it.
void Sample(std::vector<uint64_t>* list, uint64_t index, size_t most);

template <typename T>
T Pick(const std::vector<T>& items) {
  return items[*rc::gen::inRange<size_t>(0, items.size())];
}

// gen_ops.cc: the model's targets, a region to aim at, a range on or around
// one, a short range over one of `pages` (the state a call builds on), and
// the call of a range.
Targets TargetsOf(const Model& model, const GenOptions& options);
const Region* PickRegion(const Targets& t, std::vector<Region>& storage);

struct Range {
  uint64_t addr = 0;  // arena offset
  uint64_t len = 0;
  int region = kNoRegion;
  uint64_t region_base = 0;
};

Range GenRange(const Targets& t, bool allow_unaligned_start);
Range GenRangeAround(const Targets& t, const std::vector<uint64_t>& pages);
// A range over locked pages, inside a run of them half of the time (always
// under a tight limit).
Range GenRangeOverLocked(const Targets& t);
// Without CAP_IPC_LOCK, RLIMIT_MEMLOCK leaves room for at most a few pages
// beyond locked_vm: the next lock call meets it.
bool TightLimit(const Targets& t);
Op RangeOp(OpKind kind, const Range& r);

// gen_mmap.cc: mmap (anonymous, --thp, MAP_HUGETLB), the touches, mmap of
// the executor's files and ftruncate.
Op GenMmap(const Targets& t);
Op GenTouch(const Targets& t, OpKind kind);
Op GenMmapFile(const Targets& t);
Op GenFtruncate(const Targets& t);
// gen_mlock.cc: mlock, mlock2, munlock, and mlockall's flags.
Op GenLockRangeOp(const Targets& t, OpKind kind);
int GenMlockallFlagsFor(const Targets& t);
// gen_limits.cc: prlimit64(RLIMIT_MEMLOCK).
Op GenSetMemlockLimit(const Targets& t);
// gen_madvise_mremap.cc: madvise and mremap.
Op GenMadvise(const Targets& t);
Op GenMremap(const Targets& t);
// gen_heap_fork.cc: brk and fork.
Op GenBrk(const Targets& t);
Op GenFork(const Targets& t);
Op GenReclaim(const Targets& t);
Op GenMovePages(const Targets& t);
Op GenMigrateProcess(const Targets& t);

}  // namespace gen_internal
}  // namespace mlc
