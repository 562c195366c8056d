// The conformance suite: RapidCheck state-machine sequences and the
// reference scenarios, each run on the kernel and checked after every step.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "suite/lib/report.h"
#include "suite/lib/limit_scenarios.h"
#include "suite/lib/mlocked_baseline.h"
#include "suite/lib/sequence_gen.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/suite_context.h"

namespace mlc {
namespace {

// Records a failed check for the summary and, for a divergence, the report
// directory written at the end of the run.
void RecordFailed(SuiteContext& ctx, const std::vector<Op>& ops, const SequenceResult& result,
                  const std::string& rerun) {
  if (result.verdict == Verdict::kDivergence) {
    ctx.RecordDivergence(ops, result, rerun);
  } else {
    ctx.RecordFailure(result.verdict);
  }
}

// The first line of a known kernel bug's failure under --strict.
std::string KnownBugLine(const Erratum* known) {
  if (known == nullptr) return "";
  return "KNOWN KERNEL BUG " + known->id + " (fails the run: --strict; kernels " + known->KernelRange() +
         ", fix: " + known->fix + ")\n";
}

void CheckOnKernel(const std::vector<Op>& ops) {
  auto& ctx = SuiteContext::Get();
  const bool counting = !ctx.failing();
  const SequenceResult result = ctx.Verify(ops, counting);
  if (result.verdict == Verdict::kConformant) return;
  const std::string report =
      RenderReport(ops, result, ctx.model_config(), ctx.release(), ctx.ReplayHint());
  // A known kernel bug ends this sequence's checks (kernel and model have
  // parted ways) without failing the property; the summary reports it.
  // With --strict it fails like any divergence, named as the known bug.
  const Erratum* known = ctx.MatchKnownBug(ops, result, report, counting);
  if (known != nullptr && !ctx.options().strict) return;
  RecordFailed(ctx, ops, result, ctx.ReplayHint());
  RC_FAIL(KnownBugLine(known) + report);
}

RC_GTEST_PROP(Conformance, KernelMatchesModelAfterEveryStep, ()) {
  auto& ctx = SuiteContext::Get();
  const Sequence sequence = *GenSequence(Model(ctx.model_config()), ctx.gen_options());
  CheckOnKernel(sequence.ops);
}

// What the runner measured of the kernel rather than took from its version
// (the zero page, secretmem's locking, execute-only PROT_EXEC) must be what
// the profile and the machine's own facts predict: a kernel whose behaviour
// flipped without a known reason fails, instead of becoming the model.
TEST(Measured, KernelBehaviourIsWhatItsProfilePredicts) {
  auto& ctx = SuiteContext::Get();
  if (ctx.unexplained_measurements().empty()) return;
  std::string why;
  for (const std::string& line : ctx.unexplained_measurements()) why += "DIVERGENCE measured behaviour: " + line + "\n";
  ctx.RecordFailure(Verdict::kDivergence);
  FAIL() << why;
}

class ReferenceScenarioTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(ReferenceScenarioTest, KernelMatchesModel) {
  auto& ctx = SuiteContext::Get();
  const Scenario& scenario = GetParam();
  ASSERT_TRUE(scenario.error.empty()) << scenario.error;
  if (const std::string why = ctx.UnsupportedReason(scenario.ops); !why.empty()) GTEST_SKIP() << why;
  const SequenceResult result = ctx.Verify(scenario.ops, /*counting=*/true);
  if (result.verdict != Verdict::kConformant) {
    const std::string rerun = scenario.path.empty()
                                  ? "./mlockcheck run --sequences 0 (reference scenarios run every time)"
                                  : "./mlockcheck replay " + scenario.path + " (the corpus runs every time)";
    const std::string report = RenderReport(scenario.ops, result, ctx.model_config(), ctx.release(), rerun);
    const Erratum* known = ctx.MatchKnownBug(scenario.ops, result, report, /*counting=*/true);
    if (known != nullptr && !ctx.options().strict) return;
    RecordFailed(ctx, scenario.ops, result, rerun);
    FAIL() << KnownBugLine(known) << scenario.rule << "\n" << report;
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, ReferenceScenarioTest, ::testing::ValuesIn(ReferenceScenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& param) { return param.param.name; });
INSTANTIATE_TEST_SUITE_P(Limits, ReferenceScenarioTest, ::testing::ValuesIn(LimitScenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& param) { return param.param.name; });

// After every other test (a parameterized suite registered after the
// scenarios' runs last): once the run's children are gone, the machine's
// NR_MLOCK is back where it was, less what the processes alive still map
// locked (ref 72; CVE-2017-18221's reproducer compares Mlocked the same
// way). A leak shows as mlocked memory that no locked mapping accounts for.
class EndOfRunTest : public ::testing::TestWithParam<int> {};

TEST_P(EndOfRunTest, MlockedComesBackOnceTheChildrenAreGone) {
  auto& ctx = SuiteContext::Get();
  const MlockedCheck check = AwaitMlockedBack(ctx.mlocked_baseline());
  switch (check.verdict) {
    case MlockedVerdict::kBack: return;
    case MlockedVerdict::kUndetermined: GTEST_SKIP() << "NR_MLOCK after the run: " << check.detail;
    case MlockedVerdict::kLeaked:
      ctx.RecordFailure(Verdict::kDivergence);
      FAIL() << MlockedLeakMessage(check);
  }
}

INSTANTIATE_TEST_SUITE_P(SystemCounters, EndOfRunTest, ::testing::Values(0),
                         [](const ::testing::TestParamInfo<int>&) { return std::string("Mlocked"); });

}  // namespace
}  // namespace mlc
