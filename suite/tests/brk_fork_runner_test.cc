// brk and fork on the real kernel (issue 3): every step checked against the
// model with VerifySequence(), and the channels that carry each rule
// asserted by hand from the observations as well.
#include <gtest/gtest.h>

#include "runners/executor.h"
#include "runners/host.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/suite_context.h"
#include "suite/lib/report.h"
#include "suite/lib/verify.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary


class BrkForkOnKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ex_ = Executor::Start(ExecutorOptions{}, &error);
    ASSERT_NE(ex_, nullptr) << error;
    ASSERT_TRUE(MakeModelConfig(ex_->info(), &config_, &error)) << error;
    if (!config_.cap_ipc_lock && config_.memlock_cur < 64 * kPage) {
      GTEST_SKIP() << "needs room to lock 64 pages: RLIMIT_MEMLOCK is " << config_.memlock_cur << " bytes";
    }
  }

  // Checks every step against the model, returns the kernel's observations.
  std::vector<Observation> Run(const std::vector<Op>& ops) {
    const SequenceResult result = VerifySequence(ops, config_, *ex_, nullptr);
    EXPECT_EQ(result.verdict, Verdict::kConformant)
        << RenderReport(ops, result, config_, ex_->info().release, "brk_fork_runner_test");
    std::vector<Observation> seen;
    ex_->Run(ToWire(ops, ex_->info().arena_base), [&](uint32_t, const Observation& o) {
      seen.push_back(o);
      return true;
    });
    EXPECT_EQ(seen.size(), ops.size());
    return seen;
  }
  Outcome Break(uint64_t offset) const { return {static_cast<int64_t>(config_.heap_base + offset), 0, 0}; }

  std::unique_ptr<Executor> ex_;
  ModelConfig config_;
};

TEST_F(BrkForkOnKernelTest, TheHeapRegionStartsEmptyAtAPageBoundary) {
  EXPECT_EQ(ex_->info().heap_base % kPage, 0u);
  const auto seen = Run({BrkOp(0)});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].outcome, Break(0));
  for (uint8_t bits : seen[0].heap_bits) EXPECT_EQ(bits, 0);
}

// ref 28: growth under MCL_FUTURE is lo, populated and counted; under
// MCL_ONFAULT lo lf and not populated; a shrink uncounts (ref 27).
TEST_F(BrkForkOnKernelTest, GrowthUnderMclFutureAndOnfaultAndShrink) {
  const auto seen = Run({MlockallOp(uapi::kMclFuture), BrkOp(0x1800),
                         MlockallOp(uapi::kMclFuture | uapi::kMclOnfault), BrkOp(4 * kPage + 1), BrkOp(kPage)});
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[1].outcome, Break(0x1800));
  EXPECT_EQ(seen[1].heap_bits[0], kPageMapped | kPageRead | kPageWrite | kPageLo);
  EXPECT_EQ(seen[1].heap_resident[0] + seen[1].heap_resident[1], 2);
  EXPECT_EQ(seen[1].heap_rss_kb, 8u);
  EXPECT_EQ(seen[1].heap_locked_kb, 8u);
  EXPECT_EQ(seen[1].vmlck_kb, 8u);
  EXPECT_EQ(seen[1].heap_msync_busy[1], 1);
  EXPECT_EQ(seen[3].outcome, Break(4 * kPage + 1));
  EXPECT_EQ(seen[3].heap_bits[3], kPageMapped | kPageRead | kPageWrite | kPageLo | kPageLf);
  EXPECT_EQ(seen[3].heap_resident[3], 0);
  EXPECT_EQ(seen[3].vmlck_kb, 20u);
  EXPECT_EQ(seen[4].vmlck_kb, 4u);
  EXPECT_EQ(seen[4].heap_bits[1], 0);
}

// ref 12, 28: over the limit under MCL_FUTURE brk returns the old break.
TEST_F(BrkForkOnKernelTest, GrowthOverTheLimitReturnsTheUnchangedBreak) {
  if (config_.memlock_max < 2 * kPage) GTEST_SKIP() << "the hard RLIMIT_MEMLOCK is below 2 pages";
  const auto seen = Run({DropCapIpcLockOp(), SetMemlockLimitOp(2 * kPage, 2 * kPage), MlockallOp(uapi::kMclFuture),
                         BrkOp(kPage), BrkOp(3 * kPage)});
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[3].outcome, Break(kPage));
  EXPECT_EQ(seen[4].outcome, Break(kPage));
  EXPECT_EQ(seen[4].heap_bits[1], 0);
  EXPECT_EQ(seen[4].vmlck_kb, 4u);
}

// ref 31, 44, 55, 61: the child sees no lock bits, VmLck 0, its own mmap
// unlocked and unpopulated under the parent's MCL_FUTURE, the locked
// private pages copied (Rss) and the shared ones not (but resident through
// the page cache); the parent's view is unchanged.
TEST_F(BrkForkOnKernelTest, TheChildsViewAndTheParentsUnchangedState) {
  const auto seen = Run({MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked),
                         MmapPages(1, 4, 2, kRw, kAnonShared | uapi::kMapLocked), BrkOp(kPage),
                         MlockallOp(uapi::kMclCurrent | uapi::kMclFuture), ForkOp(10)});
  ASSERT_EQ(seen.size(), 5u);
  const Observation& parent = seen[4];
  EXPECT_EQ(parent.outcome, (Outcome{0, 0, 0}));
  EXPECT_EQ(parent.page_bits, seen[3].page_bits);
  EXPECT_EQ(parent.vmlck_kb, seen[3].vmlck_kb);
  EXPECT_EQ(parent.locked_kb, 16u);  // whole again: the child is gone
  ASSERT_NE(parent.fork_child, nullptr);
  const Observation& child = *parent.fork_child;
  EXPECT_EQ(child.outcome, (Outcome{static_cast<int64_t>(config_.arena_base + 10 * kPage), 0, 0}));
  EXPECT_EQ(child.page_bits[0], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(child.page_bits[4], kPageMapped | kPageRead | kPageWrite | kPageShared);
  EXPECT_EQ(child.page_bits[10], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(child.resident[10], 0);
  EXPECT_EQ(child.resident[4], 1);
  EXPECT_EQ(child.rss_kb, 8u);
  EXPECT_EQ(child.locked_kb, 0u);
  EXPECT_EQ(child.vmlck_kb, 0u);
  EXPECT_EQ(child.lo_vma_kb, 0u);
  EXPECT_EQ(child.heap_bits[0], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(child.heap_rss_kb, 4u);
  EXPECT_EQ(parent.fork_child->msync_busy[0], 0);
  EXPECT_EQ(seen[3].fork_child, nullptr);
}

}  // namespace
}  // namespace mlc
