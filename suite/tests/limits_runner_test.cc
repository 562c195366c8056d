// The RLIMIT_MEMLOCK and CAP_IPC_LOCK rules on the real kernel: the limit
// scenarios (suite/lib/limit_scenarios.h) run in the executor's child, every
// step is checked against the model, and the kernel's answers at the steps
// that matter are asserted by hand as well.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runners/executor.h"
#include "suite/lib/limit_scenarios.h"
#include "suite/lib/suite_context.h"
#include "suite/lib/report.h"
#include "suite/lib/verify.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary


class LimitsOnKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    executor_ = Executor::Start(ExecutorOptions{}, &error);
    ASSERT_NE(executor_, nullptr) << error;
    ASSERT_TRUE(MakeModelConfig(executor_->info(), &config_, &error)) << error;
  }

  // Runs `ops` on the kernel, checks every step, returns the kernel's outcomes.
  std::vector<Outcome> Run(const std::vector<Op>& ops) {
    const SequenceResult result = VerifySequence(ops, config_, *executor_, nullptr);
    EXPECT_EQ(result.verdict, Verdict::kConformant)
        << RenderReport(ops, result, config_, executor_->info().release, "limits_runner_test");
    return result.outcomes;
  }

  // The kernel's outcomes of the limit scenario named like the test, after
  // its capset and prlimit64 (both asserted to succeed). Empty, and the
  // test skipped, when the hard limit is below what the scenario sets.
  std::vector<Outcome> RunScenario() {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (const Scenario& s : LimitScenarios()) {
      if (s.name != name) continue;
      if (s.ops[1].addr > config_.memlock_max) return {};
      const std::vector<Outcome> seen = Run(s.ops);
      if (seen.size() != s.ops.size()) return {};
      EXPECT_EQ(seen[0], Ok()) << "capset";
      EXPECT_EQ(seen[1], Ok()) << "prlimit64";
      return {seen.begin() + 2, seen.end()};
    }
    ADD_FAILURE() << "no limit scenario named " << name;
    return {};
  }

  std::unique_ptr<Executor> executor_;
  ModelConfig config_;
};

#define RUN_SCENARIO_OR_SKIP(seen, steps)                                                        \
  const std::vector<Outcome> seen = RunScenario();                                             \
  if (seen.empty()) GTEST_SKIP() << "the hard RLIMIT_MEMLOCK is below what this scenario sets"; \
  ASSERT_EQ(seen.size(), steps)

TEST_F(LimitsOnKernelTest, ZeroLimitMakesEveryLockingCallEperm) {
  RUN_SCENARIO_OR_SKIP(seen, 8u);
  EXPECT_EQ(seen[1], Fails(uapi::kEperm));   // mlock(a, 0)
  EXPECT_EQ(seen[2], Fails(uapi::kEinval));  // mlock2 flags first
  EXPECT_EQ(seen[3], Fails(uapi::kEperm));
  EXPECT_EQ(seen[4], Fails(uapi::kEperm));   // mlockall
  EXPECT_EQ(seen[5], Fails(uapi::kEperm));   // MAP_LOCKED
  EXPECT_EQ(seen[6], Ok());
  EXPECT_EQ(seen[7], Ok());
}

TEST_F(LimitsOnKernelTest, MlockOverTheLimitDiscountsPagesAlreadyLocked) {
  RUN_SCENARIO_OR_SKIP(seen, 9u);
  EXPECT_EQ(seen[2], Ok());                   // 4 + 4 - 4 already locked
  EXPECT_EQ(seen[3], Fails(uapi::kEnomem));  // 4 + 4 - 2
  EXPECT_EQ(seen[6], Fails(uapi::kEnomem));  // locked_vm 4 > 2, even for length 0
  EXPECT_EQ(seen[8], Ok());
}

TEST_F(LimitsOnKernelTest, LimitCheckPrecedesWrapAroundEinvalAndTheHoleWalk) {
  RUN_SCENARIO_OR_SKIP(seen, 6u);
  EXPECT_EQ(seen[0], Fails(uapi::kEinval));
  EXPECT_EQ(seen[3], Fails(uapi::kEnomem));
  EXPECT_EQ(seen[5], Fails(uapi::kEnomem));
}

TEST_F(LimitsOnKernelTest, MlockallCurrentOverTheLimitChangesNothing) {
  RUN_SCENARIO_OR_SKIP(seen, 4u);
  EXPECT_EQ(seen[2], Fails(uapi::kEnomem));
}

TEST_F(LimitsOnKernelTest, LockedMmapOverTheLimitIsEagain) {
  RUN_SCENARIO_OR_SKIP(seen, 7u);
  EXPECT_EQ(seen[0], Fails(uapi::kEagain));
  EXPECT_EQ(seen[2], Fails(uapi::kEagain));  // MAP_FIXED counts the pages it would replace
  EXPECT_EQ(seen[5], Fails(uapi::kEagain));  // MCL_FUTURE
  EXPECT_EQ(seen[6].err, 0);
}

TEST_F(LimitsOnKernelTest, SoftAboveHardIsEinvalAndTheHardLimitOnlyGoesDown) {
  RUN_SCENARIO_OR_SKIP(seen, 3u);
  EXPECT_EQ(seen[0], Fails(uapi::kEinval));
  EXPECT_EQ(seen[1], config_.cap_sys_resource ? Ok() : Fails(uapi::kEperm));
}

// mlockall(MCL_CURRENT) compares mm->total_vm, which the model takes from the
// executor's VmSize plus the arena: exact at the boundary, and the limit is
// shifted down to whole pages.
TEST_F(LimitsOnKernelTest, MlockallCurrentComparesTheWholeAddressSpaceExactly) {
  const uint64_t total = config_.outside_total_pages + 2;
  if (total * kPage > config_.memlock_max) GTEST_SKIP() << "the hard RLIMIT_MEMLOCK is below total_vm";
  for (const uint64_t limit : {total * kPage, total * kPage - 1}) {
    const std::vector<Outcome> seen =
        Run({DropCapIpcLockOp(), SetMemlockLimitOp(limit, limit),
             MmapPages(0, 0, 2, uapi::kProtNone, kAnonPrivate), MlockallOp(uapi::kMclCurrent)});
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[3], limit == total * kPage ? Ok() : Fails(uapi::kEnomem)) << limit;
  }
}

// The limit counts mm->locked_vm, which includes the executor's own pages
// that mlockall(MCL_CURRENT) locked: exact at the boundary.
TEST_F(LimitsOnKernelTest, TheExecutorsOwnLockedPagesCountAgainstTheLimit) {
  const uint64_t limit = (config_.outside_lockable_pages + 2) * kPage;
  if (limit > config_.memlock_max) GTEST_SKIP() << "the hard RLIMIT_MEMLOCK is below the executor's size";
  if (!config_.cap_ipc_lock && config_.outside_total_pages + 3 > config_.memlock_cur / kPage) {
    GTEST_SKIP() << "needs CAP_IPC_LOCK or room for mlockall(MCL_CURRENT)";
  }
  const std::vector<Outcome> seen =
      Run({MmapPages(0, 0, 3, kRw, kAnonPrivate), MlockallOp(uapi::kMclCurrent), DropCapIpcLockOp(),
           SetMemlockLimitOp(limit, limit), RangePages(OpKind::kMunlock, 0, 3), RangePages(OpKind::kMlock, 0, 2),
           RangePages(OpKind::kMlock, 2, 1)});
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[1], Ok());
  EXPECT_EQ(seen[5], Ok());                   // outside + 2 <= limit
  EXPECT_EQ(seen[6], Fails(uapi::kEnomem));  // outside + 3 > limit
}

}  // namespace
}  // namespace mlc
