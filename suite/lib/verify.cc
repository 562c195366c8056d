#include "suite/lib/verify.h"

namespace mlc {

bool CheckStep(Stepper& stepper, const Op& op, size_t step, const Observation& observed, SequenceResult* result) {
  auto diffs = stepper.Check(op, observed);
  if (stepper.model().config().thp) result->thp_seen.push_back(observed.thp);
  result->outcomes.push_back(observed.outcome);
  if (diffs.empty()) return true;
  result->verdict = Verdict::kDivergence;
  result->diverging_step = step;
  result->diffs = std::move(diffs);
  result->observed = observed;
  return false;
}

SequenceResult VerifySequence(const std::vector<Op>& ops, const ModelConfig& config,
                              Executor& executor, Coverage* coverage) {
  SequenceResult result;
  result.outcomes.reserve(ops.size());
  Stepper stepper(config);
  // The sink runs while the child executes the next steps: the model keeps
  // pace on the other core.
  const auto on_step = [&](uint32_t step, const Observation& observed) {
    if (!CheckStep(stepper, ops[step], step, observed, &result)) return false;
    if (coverage) coverage->Add(ops[step], stepper.predicted(), stepper.effects());
    return true;
  };
  result.run = executor.Run(ToWire(ops, config.arena_base), on_step);
  if (coverage) coverage->EndSequence();
  if (result.verdict == Verdict::kConformant && result.run.status != RunStatus::kCompleted) {
    result.verdict = Verdict::kHarnessError;
  }
  return result;
}

std::vector<Observation> ObserveSequence(Executor& ex, const std::vector<Op>& ops, RunReport* report) {
  std::vector<Observation> seen;
  *report = ex.Run(ToWire(ops, ex.info().arena_base), [&](uint32_t, const Observation& o) {
    seen.push_back(o);
    return true;
  });
  return seen;
}

}  // namespace mlc
