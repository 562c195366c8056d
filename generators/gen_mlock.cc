// Generators of the lock calls: mlock, mlock2 and munlock ranges with the
// edges of do_mlock()'s length arithmetic, mlock2's flags and mlockall's
// (munlockall takes none). Mirrors mm/mlock.c.

#include "generators/gen_internal.h"

#include <cstdint>
#include <limits>

namespace mlc {
namespace gen_internal {

// mlock, mlock2, munlock: ranges plus the edge cases of do_mlock()'s length
// arithmetic (ref 4, 5, 8).
Op GenLockRangeOp(const Targets& t, OpKind kind) {
  const int edge = *Shrinking<int>({{88, 0}, {4, 1}, {4, 2}, {4, 3}});
  // Often over or next to pages already locked: relocking across VMA
  // seams, ONFAULT over plain locks and back, and the RLIMIT_MEMLOCK
  // discount of pages already locked (count_mm_mlocked_page_nr(), ref 7).
  // Under a limit that locked_vm nearly fills, relocks are what can pass.
  const uint64_t limit_pages = t.memlock_cur / t.page_size;
  const bool tight = TightLimit(t);
  const bool relock = edge == 0 && !t.locked_pages.empty() &&
                      *Shrinking<int>({{tight ? 30u : 65u, 0}, {tight ? 70u : 35u, 1}});
  Range r = relock ? GenRangeOverLocked(t) : GenRange(t, /*allow_unaligned_start=*/true);
  // Without CAP_IPC_LOCK under a small RLIMIT_MEMLOCK, often a range that
  // fits what is left of it, so that pages get locked (ONFAULT or not) and
  // the next lock call meets the limit with them.
  if (!relock && !t.cap_ipc_lock && limit_pages > t.locked_vm_pages && limit_pages - t.locked_vm_pages < 64 &&
      *Shrinking<int>({{40, 0}, {60, 1}})) {
    const uint64_t room = limit_pages - t.locked_vm_pages;
    r.addr -= r.addr % t.page_size;
    // Filling it exactly half of the time.
    const uint64_t pages = *Shrinking<int>({{50, 0}, {50, 1}}) ? room : *rc::gen::inRange<uint64_t>(1, room + 1);
    r.len = std::min(r.len, pages * t.page_size);
  }
  if (edge == 1) r.len = 0;                                      // empty, or one page if unaligned
  if (edge == 2) r.len = std::numeric_limits<uint64_t>::max();   // rounds to 0 (or one page)
  Op op = RangeOp(kind, r);
  if (edge == 3) {
    // start + len wraps around: EINVAL before any VMA is looked at.
    op.region = kAbsoluteAddr;
    op.addr = 0 - t.page_size;
    op.len = 2 * t.page_size;
  }
  return op;
}

// mlockall's flags; under MCL_FUTURE, often a call that changes what it
// left in def_flags (MCL_CURRENT alone clears it, MCL_FUTURE alone or with
// MCL_ONFAULT sets it anew), so that the next mapping shows what remains.
int GenMlockallFlagsFor(const Targets& t) {
  if (t.future != Lock::kNone && *Shrinking<int>({{40, 0}, {60, 1}})) {
    // What undoes or changes the present future lock most: after
    // MCL_ONFAULT, future locking without it; after a plain one, with it.
    const bool onfault = t.future == Lock::kOnFault;
    std::vector<std::pair<size_t, int>> changes = {{onfault ? 3u : 4u, uapi::kMclCurrent},
                                                   {onfault ? 6u : 1u, uapi::kMclFuture},
                                                   {onfault ? 3u : 1u, uapi::kMclCurrent | uapi::kMclFuture}};
    if (t.options.mcl_onfault) {
      changes.push_back({2, uapi::kMclCurrent | uapi::kMclOnfault});
      changes.push_back({onfault ? 1u : 4u, uapi::kMclFuture | uapi::kMclOnfault});
    }
    return *Shrinking<int>(changes);
  }
  return *GenMlockallFlags(t.options.mcl_onfault);
}

}  // namespace gen_internal

using namespace gen_internal;  // NOLINT(google-build-using-namespace): gen_internal.h

rc::Gen<int> GenMlock2Flags() {
  // Invalid bits get a named weight: EINVAL comes before anything else.
  return rc::gen::weightedOneOf<int>(
      {{40, rc::gen::just(0)},
       {50, rc::gen::just(uapi::kMlockOnfault)},
       {10, rc::gen::element(0x2, 0x3, 0x100, static_cast<int>(0x80000000u), -1)}});
}

rc::Gen<int> GenMlockallFlags(bool mcl_onfault) {
  // Every combination of the three bits, 0 and MCL_ONFAULT alone included;
  // future locking on fault a little more often, the state several rules
  // build on (def_flags' VM_LOCKONFAULT, ref 53).
  const auto valid_bits =
      mcl_onfault ? rc::gen::weightedElement<int>({{1, 0},
                                                   {2, uapi::kMclCurrent},
                                                   {2, uapi::kMclFuture},
                                                   {2, uapi::kMclCurrent | uapi::kMclFuture},
                                                   {1, uapi::kMclOnfault},
                                                   {2, uapi::kMclCurrent | uapi::kMclOnfault},
                                                   {3, uapi::kMclFuture | uapi::kMclOnfault},
                                                   {2, uapi::kMclCurrent | uapi::kMclFuture | uapi::kMclOnfault}})
                  : rc::gen::element(0, uapi::kMclCurrent, uapi::kMclFuture, uapi::kMclCurrent | uapi::kMclFuture);
  return rc::gen::weightedOneOf<int>(
      {{88, valid_bits}, {12, rc::gen::element(0x8, 0x9, 0x10 | 0x3, 0x100 | 0x1)}});
}

}  // namespace mlc
