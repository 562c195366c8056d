// Which cited rule of the model decides a channel of a step, for the bug
// report's "the rule the kernel broke". The model's rules carry their
// citations as comments in oracles/model.cc; this table names the same
// sources by operation, channel and predicted outcome, so a report can quote
// the rule without the model having to record it on every step.
#pragma once

#include <string>

#include "oracles/model.h"
#include "oracles/observation.h"

namespace mlc {

// The rule deciding `channel` after `op` when the model predicted
// `expected`; `effects` are the model's events of that step.
std::string CiteRule(const Op& op, Channel channel, const Outcome& expected, const StepEffects& effects);

}  // namespace mlc
