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

// Applies step `step` of `ops` to `model`, predicts into *expected and
// compares with what was observed; on a difference records the divergence
// in *result and returns false. `effects` may be null.
bool CheckStep(Model& model, const std::vector<Op>& ops, size_t step, const Observation& observed,
               const ModelConfig& config, SequenceResult* result, StepEffects* effects, Observation* expected);

// `coverage` may be null (shrinking runs do not count).
// Runs `ops` in one child and returns each step's observation, unchecked
// (runner tests write the expected channels out by hand).
std::vector<Observation> ObserveSequence(Executor& ex, const std::vector<Op>& ops, RunReport* report);

SequenceResult VerifySequence(const std::vector<Op>& ops, const ModelConfig& config,
                              Executor& executor, Coverage* coverage);

// The report a kernel developer reads: the sequence one call per line, the
// first diverging step, a per-channel diff, the kernel, and how to replay.
std::string FormatReport(const std::vector<Op>& ops, const SequenceResult& result,
                         const ModelConfig& config, const std::string& release,
                         const std::string& replay);

}  // namespace mlc
