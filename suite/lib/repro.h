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
  std::vector<Channel> fork_child_channels;  // a fork at `step`: the child's own channels, checked in the child
  std::string why;                // one line for the program's comment, e.g. the rule
  bool divergence = false;        // the channels are those that diverged (ForDivergence())
  // The channels among them the C program does not read (page flags, PMD
  // mappings, hugetlb sizes), "" if none.
  std::string Unread() const;

  static ReproCheck AllChannelsAfterLastStep(size_t steps);
  // The diverging step and the channels that differed there.
  static ReproCheck ForDivergence(const SequenceResult& result);
};

std::string WriteReproducer(const std::vector<Op>& ops, const ModelConfig& config, const ReproCheck& check,
                            const std::string& origin);

// Why the executor would refuse to run `ops` (a call that could touch memory
// outside the arena: runners/arena_guard.h MayExecute()), as "step N:
// <call>: ..."; "" when it would run them all. `repro` refuses what
// `replay` cannot run.
std::string RefusedByExecutor(const std::vector<Op>& ops, const ModelConfig& config);

// The model's configuration for this machine without starting the executor:
// the version profile from uname -r, x86 protection keys, the default arena.
// *why is set (and the result unusable) when the kernel is not modelled.
ModelConfig HostModelConfig(std::string* why);

}  // namespace mlc
