// Sequences of calls as RapidCheck state-machine commands (rc::state), so
// that RapidCheck generates each call from the model state reached so far
// and shrinks by dropping and simplifying calls.
#pragma once

#include <rapidcheck.h>

#include <vector>

#include "generators/gen_ops.h"
#include "oracles/model.h"

namespace mlc {

// Generated sequences, region labels resolved (ResolveRegions). Their length
// is 1 to size+1 (rc::state::gen::commands).
rc::Gen<std::vector<Op>> GenSequence(const Model& initial, const GenOptions& options);

}  // namespace mlc
