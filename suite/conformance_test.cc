// The conformance suite: RapidCheck state-machine sequences and the
// reference scenarios, each run on the kernel and checked after every step.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "generators/gen_ops.h"
#include "suite/scenarios.h"
#include "suite/suite_context.h"

namespace mlc {
namespace {

struct NoSut {};  // sequences run in one batch per child, not call by call

// One generated call. Commands are immutable and shareable (RapidCheck
// doc/state.md); show() prints the call as the kernel sees it.
struct OpCommand : rc::state::Command<Model, NoSut> {
  explicit OpCommand(const Op& o) : op(o) {}
  void apply(Model& model) const override { model.Apply(op); }
  void show(std::ostream& os) const override { ShowOp(op, os); }
  Op op;
};
using CommandPtr = std::shared_ptr<const rc::state::Command<Model, NoSut>>;

void CheckOnKernel(const std::vector<Op>& ops) {
  auto& ctx = SuiteContext::Get();
  const SequenceResult result = ctx.Verify(ops, /*counting=*/!ctx.failing());
  if (result.verdict == Verdict::kConformant) return;
  ctx.RecordFailure(result.verdict);
  const std::string report =
      FormatReport(ops, result, ctx.model_config(), ctx.release(), ctx.ReplayHint());
  RC_FAIL(report);
}

RC_GTEST_PROP(Conformance, KernelMatchesModelAfterEveryStep, ()) {
  auto& ctx = SuiteContext::Get();
  const Model initial(ctx.model_config());
  const GenOptions options = ctx.gen_options();
  const auto commands = *rc::state::gen::commands(initial, [options](const Model& model) {
    return rc::gen::map(GenOp(model, options),
                        [](const Op& op) -> CommandPtr { return std::make_shared<const OpCommand>(op); });
  });
  std::vector<Op> ops;
  ops.reserve(commands.size());
  for (const auto& command : commands) ops.push_back(static_cast<const OpCommand&>(*command).op);
  CheckOnKernel(ResolveRegions(ops));
}

class ReferenceScenarioTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(ReferenceScenarioTest, KernelMatchesModel) {
  auto& ctx = SuiteContext::Get();
  const Scenario& scenario = GetParam();
  for (const Op& op : scenario.ops) {
    if (op.kind == OpKind::kMlock2 && !ctx.gen_options().mlock2) GTEST_SKIP() << "mlock2 returns ENOSYS";
    if (op.kind == OpKind::kMlockall && (op.flags & uapi::kMclOnfault) && !ctx.gen_options().mcl_onfault) {
      GTEST_SKIP() << "MCL_ONFAULT is not supported";
    }
  }
  const SequenceResult result = ctx.Verify(scenario.ops, /*counting=*/true);
  if (result.verdict != Verdict::kConformant) {
    ctx.RecordFailure(result.verdict);
    FAIL() << scenario.rule << "\n"
           << FormatReport(scenario.ops, result, ctx.model_config(), ctx.release(),
                           "./mlockcheck run --sequences 0 (reference scenarios run every time)");
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, ReferenceScenarioTest, ::testing::ValuesIn(ReferenceScenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) { return info.param.name; });

}  // namespace
}  // namespace mlc
