// Runs one sequence on the kernel and checks every channel after every step
// against the model. This is where oracle and runner meet.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "runners/executor.h"
#include "suite/lib/coverage.h"
#include "suite/lib/stepper.h"

namespace mlc {

enum class Verdict { kConformant, kDivergence, kHarnessError };

struct SequenceResult {
  Verdict verdict = Verdict::kConformant;
  size_t diverging_step = 0;           // kDivergence: first step that differs
  std::vector<ChannelDiff> diffs;      // ... and how
  Observation observed;                // ... and the kernel's state after it
  std::vector<Outcome> outcomes;       // observed outcome of each step run
  // --thp: the kernel's PMD mappings after each step run, which the model
  // adopted (replaying the model for a report needs them again).
  std::vector<std::vector<ThpState>> thp_seen;
  RunReport run;
};

// Steps the model through `op`, step `step` of a sequence, and compares
// with what the kernel showed; on a difference records the divergence in
// *result and returns false.
bool CheckStep(Stepper& stepper, const Op& op, size_t step, const Observation& observed, SequenceResult* result);

// `coverage` may be null (shrinking runs do not count).
// Runs `ops` in one child and returns each step's observation, unchecked
// (runner tests write the expected channels out by hand).
std::vector<Observation> ObserveSequence(Executor& ex, const std::vector<Op>& ops, RunReport* report);

SequenceResult VerifySequence(const std::vector<Op>& ops, const ModelConfig& config,
                              Executor& executor, Coverage* coverage);

}  // namespace mlc
