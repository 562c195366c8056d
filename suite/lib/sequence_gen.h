// Sequences of calls as RapidCheck state-machine commands (rc::state), so
// that RapidCheck generates each call from the model state reached so far
// and shrinks by dropping and simplifying calls.
#pragma once

#include <rapidcheck.h>

#include <vector>

#include "generators/gen_ops.h"
#include "oracles/model.h"

namespace mlc {

// A generated sequence, region labels resolved (ResolveRegions). RapidCheck
// prints a counterexample with showValue(): one call per line.
struct Sequence {
  std::vector<Op> ops;
};
void showValue(const Sequence& sequence, std::ostream& os);

// Sequences of 1 to size+1 calls (rc::state::gen::commands).
rc::Gen<Sequence> GenSequence(const Model& initial, const GenOptions& options);

}  // namespace mlc
