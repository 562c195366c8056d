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
  Range r = GenRange(t, /*allow_unaligned_start=*/true);
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
  // Every combination of the three bits, 0 and MCL_ONFAULT alone included.
  const auto valid_bits = mcl_onfault ? rc::gen::inRange(0, 8)
                                      : rc::gen::element(0, uapi::kMclCurrent, uapi::kMclFuture,
                                                         uapi::kMclCurrent | uapi::kMclFuture);
  return rc::gen::weightedOneOf<int>(
      {{88, valid_bits}, {12, rc::gen::element(0x8, 0x9, 0x10 | 0x3, 0x100 | 0x1)}});
}

}  // namespace mlc
