// The conformance suite: RapidCheck state-machine sequences and the
// reference scenarios, each run on the kernel and checked after every step.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "suite/sequence_gen.h"
#include "suite/scenarios.h"
#include "suite/suite_context.h"

namespace mlc {
namespace {

void CheckOnKernel(const std::vector<Op>& ops) {
  auto& ctx = SuiteContext::Get();
  const SequenceResult result = ctx.Verify(ops, /*counting=*/!ctx.failing());
  if (result.verdict == Verdict::kConformant) return;
  if (result.verdict == Verdict::kDivergence) {
    ctx.RecordDivergence(ops, result, ctx.ReplayHint());
  } else {
    ctx.RecordFailure(result.verdict);
  }
  const std::string report =
      FormatReport(ops, result, ctx.model_config(), ctx.release(), ctx.ReplayHint());
  RC_FAIL(report);
}

RC_GTEST_PROP(Conformance, KernelMatchesModelAfterEveryStep, ()) {
  auto& ctx = SuiteContext::Get();
  const Sequence sequence = *GenSequence(Model(ctx.model_config()), ctx.gen_options());
  CheckOnKernel(sequence.ops);
}

class ReferenceScenarioTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(ReferenceScenarioTest, KernelMatchesModel) {
  auto& ctx = SuiteContext::Get();
  const Scenario& scenario = GetParam();
  ASSERT_TRUE(scenario.error.empty()) << scenario.error;
  for (const Op& op : scenario.ops) {
    if (op.kind == OpKind::kMlock2 && !ctx.gen_options().mlock2) GTEST_SKIP() << "mlock2 returns ENOSYS";
    if (op.kind == OpKind::kMlockall && (op.flags & uapi::kMclOnfault) && !ctx.gen_options().mcl_onfault) {
      GTEST_SKIP() << "MCL_ONFAULT is not supported";
    }
  }
  const SequenceResult result = ctx.Verify(scenario.ops, /*counting=*/true);
  if (result.verdict != Verdict::kConformant) {
    if (result.verdict == Verdict::kDivergence) {
      ctx.RecordDivergence(scenario.ops, result, "./mlockcheck replay " + scenario.path);
    } else {
      ctx.RecordFailure(result.verdict);
    }
    FAIL() << scenario.rule << "\n"
           << FormatReport(scenario.ops, result, ctx.model_config(), ctx.release(),
                           "./mlockcheck replay " + scenario.path + " (the corpus runs every time)");
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, ReferenceScenarioTest, ::testing::ValuesIn(ReferenceScenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& param) { return param.param.name; });

}  // namespace
}  // namespace mlc
