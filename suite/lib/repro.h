// The standalone C reproducer: a program a kernel developer can build with
// `cc -static repro.c` and run without mlockcheck. It maps nothing but the
// arena (at the executor's fixed address, guard holes verified empty),
// makes the same calls with syscall(2) at the same arena-relative
// addresses, checks every call's result and the chosen channels after the
// chosen step against the model's prediction, prints expected vs observed,
// and exits 1 when the kernel differs (the bug is present), 0 when it
// agrees, 2 when it cannot run.
#pragma once

#include <string>
#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "suite/lib/verify.h"

namespace mlc {

struct ReproCheck {
  size_t step = 0;                // the program stops after this step (0-based)
  std::vector<Channel> channels;  // state channels checked after it; results are checked at every step
  std::string why;                // one line for the program's comment, e.g. the rule

  static ReproCheck AllChannelsAfterLastStep(size_t steps);
  // The diverging step and the channels that differed there.
  static ReproCheck ForDivergence(const SequenceResult& result);
};

std::string WriteReproducer(const std::vector<Op>& ops, const ModelConfig& config, const ReproCheck& check,
                            const std::string& origin);

// The model's configuration for this machine without starting the executor:
// the version profile from uname -r, x86 protection keys, the default arena.
// *why is set (and the result unusable) when the kernel is not modelled.
ModelConfig HostModelConfig(std::string* why);

}  // namespace mlc
