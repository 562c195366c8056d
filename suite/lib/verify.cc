#include "suite/lib/verify.h"

#include <set>
#include <sstream>

namespace mlc {

bool CheckStep(Model& model, const std::vector<Op>& ops, size_t step, const Observation& observed,
               const ModelConfig& config, SequenceResult* result, StepEffects* effects, Observation* expected) {
  const Outcome predicted = model.Apply(ops[step], effects);
  // --thp: which ranges the kernel PMD-mapped is an input (Model::AdoptThp).
  if (config.thp) {
    model.AdoptThp(observed.thp, effects);
    result->thp_seen.push_back(observed.thp);
  }
  Predict(model, predicted, expected);
  result->outcomes.push_back(observed.outcome);
  auto diffs = Compare(*expected, observed, ops[step], config);
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
  Model model(config);
  Observation expected;
  StepEffects effects;
  // The sink runs while the child executes the next steps: the model keeps
  // pace on the other core.
  const auto on_step = [&](uint32_t step, const Observation& observed) {
    effects = StepEffects{};
    if (!CheckStep(model, ops, step, observed, config, &result, &effects, &expected)) return false;
    if (coverage) coverage->Add(ops[step], expected.outcome, effects);
    return true;
  };
  result.run = executor.Run(ToWire(ops, config.arena_base), on_step);
  if (result.verdict == Verdict::kConformant && result.run.status != RunStatus::kCompleted) {
    result.verdict = Verdict::kHarnessError;
  }
  return result;
}

std::string FormatReport(const std::vector<Op>& ops, const SequenceResult& result,
                         const ModelConfig& config, const std::string& release,
                         const std::string& replay) {
  std::ostringstream os;
  const bool diverged = result.verdict == Verdict::kDivergence;
  if (diverged) {
    os << "DIVERGENCE: kernel " << release << " differs from the model at step "
       << result.diverging_step << " of " << ops.size() << "\n";
  } else {
    os << "HARNESS ERROR (" << RunStatusName(result.run.status) << "): " << result.run.detail
       << "\n";
  }
  os << "kernel " << release << ", " << config.profile.Describe() << "\n";
  os << "arena A = 0x" << std::hex << config.arena_base << std::dec << ", "
     << config.arena_pages << " pages of " << config.page_size << " bytes\n";
  std::set<int> regions;
  for (const Op& op : ops) {
    if (op.region >= 0) regions.insert(op.region);
  }
  if (!regions.empty()) {
    os << "regions:";
    for (int r : regions) {
      for (const Op& op : ops) {
        if (op.region == r) {
          os << " r" << r << "=A+0x" << std::hex << op.region_base << std::dec;
          break;
        }
      }
    }
    os << "\n";
  }
  os << "sequence (" << ops.size() << (ops.size() == 1 ? " call;" : " calls;") << " '=' observed, and expected where it differs):\n";
  Model model(config);
  for (size_t i = 0; i < ops.size(); ++i) {
    const Outcome predicted = model.Apply(ops[i]);
    const bool here = diverged && i == result.diverging_step;
    os << (here ? ">> " : "   ") << i << "  " << OpString(ops[i]);
    if (i < result.outcomes.size()) {
      os << "  = " << OutcomeString(result.outcomes[i], ops[i], config.arena_base);
      if (result.outcomes[i] != predicted) {
        os << "  (expected " << OutcomeString(predicted, ops[i], config.arena_base) << ")";
      }
    } else {
      os << "  (not run)";
    }
    os << "\n";
  }
  if (diverged) {
    os << "channels that differ after step " << result.diverging_step << ":\n";
    for (const ChannelDiff& d : result.diffs) {
      os << "  " << ChannelName(d.channel) << ":";
      if (!d.expected.empty() || !d.observed.empty()) {
        os << " expected " << d.expected << ", observed " << d.observed;
      }
      os << "\n";
      std::istringstream lines(d.detail);
      for (std::string line; std::getline(lines, line);) os << "  " << line << "\n";
    }
  }
  os << "replay: " << replay << "\n";
  return os.str();
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
