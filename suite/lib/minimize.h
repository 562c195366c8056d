// A last shrinking pass after RapidCheck's. RapidCheck's gen::exec freezes a
// call's earlier choices once a later one shrank, so a shrunk sequence can
// keep an mmap of 99 pages where one would do. This pass tries, one at a
// time, dropping a call and simplifying an argument (an mmap moved to the
// arena's start, lengths halved down to a page, MAP_POPULATE/MAP_LOCKED
// dropped, MAP_FIXED made MAP_FIXED_NOREPLACE, shared made private,
// unaligned starts and lengths aligned), keeping each change after which
// the sequence still fails, until none helps; then a fold (an mlock into its
// mmap's MAP_LOCKED, a lock widened to its mapping so another call can go,
// two calls at once), and again.
#pragma once

#include <functional>
#include <vector>

#include "oracles/op.h"

namespace mlc {

// `still_fails` runs a candidate (region labels resolved) and says whether
// it still diverges. At most `budget` candidates are tried. The result's
// region labels are renumbered from r0 (RenumberRegions()).
std::vector<Op> RenumberRegions(std::vector<Op> ops);
std::vector<Op> MinimizeSequence(std::vector<Op> ops, const std::function<bool(const std::vector<Op>&)>& still_fails,
                                 int budget = 400);

// A failure as the property first saw it, shrunk if it fails again: the
// counterexample runs up to `attempts` times; if it fails in none, it is
// returned as it is with repeated == false (a failure that hangs on what the
// sequence does not fix: shrinking it would only chase other failures).
struct ShrunkFailure {
  std::vector<Op> ops;
  bool repeated = false;
};
ShrunkFailure ShrinkFailure(const std::vector<Op>& ops, const std::function<bool(const std::vector<Op>&)>& still_fails,
                            int attempts, int budget = 400);

}  // namespace mlc
