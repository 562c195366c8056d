// The RLIMIT_MEMLOCK and CAP_IPC_LOCK rules on the real kernel: each
// sequence drops CAP_IPC_LOCK and sets its own limit in the executor's
// child, every step is checked against the model, and the kernel's answers
// at the steps that matter are asserted by hand as well.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runners/executor.h"
#include "suite/scenarios.h"
#include "suite/suite_context.h"
#include "suite/verify.h"

namespace mlc {
namespace {

constexpr uint64_t kPage = 4096;
constexpr int kLockedPrivate = kAnonPrivate | uapi::kMapLocked;
const Outcome kOk{0, 0, 0};
Outcome Fails(int err) { return {-1, err, 0}; }

class LimitsOnKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    executor_ = Executor::Start(ExecutorOptions{}, &error);
    ASSERT_NE(executor_, nullptr) << error;
    ASSERT_TRUE(MakeModelConfig(executor_->info(), &config_, &error)) << error;
  }

  // Runs `ops` after dropping CAP_IPC_LOCK and setting RLIMIT_MEMLOCK to
  // `limit` bytes (soft and hard: lowering needs no privilege); checks every
  // step and returns the kernel's outcomes.
  std::vector<Outcome> RunUnder(uint64_t limit, std::vector<Op> ops) {
    if (config_.memlock_max < limit) {
      skipped_ = true;
      return {};
    }
    ops.insert(ops.begin(), {DropCapIpcLockOp(), SetMemlockLimitOp(limit, limit)});
    const SequenceResult result = VerifySequence(ops, config_, *executor_, nullptr);
    EXPECT_EQ(result.verdict, Verdict::kConformant)
        << FormatReport(ops, result, config_, executor_->info().release, "limits_runner_test");
    if (result.outcomes.size() < 2) return {};
    EXPECT_EQ(result.outcomes[0], kOk) << "capset";
    EXPECT_EQ(result.outcomes[1], kOk) << "prlimit64";
    return {result.outcomes.begin() + 2, result.outcomes.end()};
  }

  std::unique_ptr<Executor> executor_;
  ModelConfig config_;
  bool skipped_ = false;
};

#define SKIP_IF_HARD_LIMIT_TOO_LOW()                                                            \
  do {                                                                                          \
    if (skipped_) GTEST_SKIP() << "the hard RLIMIT_MEMLOCK is below what this test sets";      \
  } while (0)

TEST_F(LimitsOnKernelTest, ZeroLimitWithoutCapIpcLockIsEpermForEveryLockingCall) {
  const auto seen = RunUnder(0, {MmapPages(0, 0, 2, kRw, kAnonPrivate), RangePages(OpKind::kMlock, 0, 0),
                                 Mlock2Pages(0, 2, 0x2), Mlock2Pages(0, 2, uapi::kMlockOnfault),
                                 MlockallOp(uapi::kMclFuture), MmapPages(1, 4, 1, kRw, kLockedPrivate),
                                 RangePages(OpKind::kMunlock, 0, 2), MunlockallOp()});
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen[1], Fails(uapi::kEperm));   // mlock(a, 0): EPERM before len == 0
  EXPECT_EQ(seen[2], Fails(uapi::kEinval));  // mlock2 flags first
  EXPECT_EQ(seen[3], Fails(uapi::kEperm));
  EXPECT_EQ(seen[4], Fails(uapi::kEperm));
  EXPECT_EQ(seen[5], Fails(uapi::kEperm));   // MAP_LOCKED
  EXPECT_EQ(seen[6], kOk);
  EXPECT_EQ(seen[7], kOk);
}

TEST_F(LimitsOnKernelTest, MlockOverTheLimitIsEnomemAfterDiscountingLockedPages) {
  const auto seen =
      RunUnder(4 * kPage, {MmapPages(0, 0, 8, kRw, kAnonPrivate), Mlock2Pages(0, 4, uapi::kMlockOnfault),
                           RangePages(OpKind::kMlock, 0, 4), RangePages(OpKind::kMlock, 2, 4),
                           SetMemlockLimitOp(2 * kPage, 2 * kPage), RangePages(OpKind::kMlock, 0, 0)});
  SKIP_IF_HARD_LIMIT_TOO_LOW();
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[2], kOk);                   // 4 + 4 - 4 already locked
  EXPECT_EQ(seen[3], Fails(uapi::kEnomem));  // 4 + 4 - 2
  EXPECT_EQ(seen[5], Fails(uapi::kEnomem));  // locked_vm 4 > 2, even for nothing
}

TEST_F(LimitsOnKernelTest, TheLimitCheckPrecedesWrapAroundEinval) {
  Op wrap = RangePages(OpKind::kMlock, 0, 0);
  wrap.region = kAbsoluteAddr;
  wrap.addr = 0 - kPage;
  wrap.len = 2 * kPage;
  const auto seen = RunUnder(3 * kPage, {wrap, MmapPages(0, 0, 2, kRw, kLockedPrivate), wrap});
  SKIP_IF_HARD_LIMIT_TOO_LOW();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], Fails(uapi::kEinval));
  EXPECT_EQ(seen[2], Fails(uapi::kEnomem));
}

// mlockall(MCL_CURRENT) compares mm->total_vm, which the model takes from the
// executor's VmSize plus the arena: exact at the boundary.
TEST_F(LimitsOnKernelTest, MlockallCurrentComparesTheWholeAddressSpaceExactly) {
  const uint64_t total = config_.outside_total_pages + 2;
  const std::vector<Op> ops = {MmapPages(0, 0, 2, uapi::kProtNone, kAnonPrivate), MlockallOp(uapi::kMclCurrent)};
  const auto fits = RunUnder(total * kPage, ops);
  SKIP_IF_HARD_LIMIT_TOO_LOW();
  ASSERT_EQ(fits.size(), 2u);
  EXPECT_EQ(fits[1], kOk);
  const auto over = RunUnder((total - 1) * kPage + kPage - 1, ops);
  ASSERT_EQ(over.size(), 2u);
  EXPECT_EQ(over[1], Fails(uapi::kEnomem));
}

TEST_F(LimitsOnKernelTest, LockedMmapsOverTheLimitAreEagain) {
  const int fixed_locked = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed | uapi::kMapLocked;
  const auto seen = RunUnder(
      4 * kPage, {MmapPages(0, 0, 5, kRw, kLockedPrivate), MmapPages(0, 0, 4, kRw, kLockedPrivate),
                  MmapPages(1, 0, 4, kRw, fixed_locked), MunlockallOp(), MlockallOp(uapi::kMclFuture),
                  MmapPages(2, 8, 5, uapi::kProtNone, kAnonPrivate), MmapPages(2, 8, 4, uapi::kProtNone, kAnonPrivate)});
  SKIP_IF_HARD_LIMIT_TOO_LOW();
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[0], Fails(uapi::kEagain));
  EXPECT_EQ(seen[2], Fails(uapi::kEagain));  // MAP_FIXED counts the pages it would replace
  EXPECT_EQ(seen[5], Fails(uapi::kEagain));  // MCL_FUTURE
  EXPECT_EQ(seen[6].err, 0);
}

TEST_F(LimitsOnKernelTest, TheHardLimitOnlyGoesUpWithCapSysResource) {
  const auto seen = RunUnder(2 * kPage, {SetMemlockLimitOp(3 * kPage, 2 * kPage), SetMemlockLimitOp(kPage, 3 * kPage)});
  SKIP_IF_HARD_LIMIT_TOO_LOW();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], Fails(uapi::kEinval));
  EXPECT_EQ(seen[1], config_.cap_sys_resource ? kOk : Fails(uapi::kEperm));
}

}  // namespace
}  // namespace mlc
