// mremap on the real kernel through the executor: the channels written out
// by hand from the rules (ref 30, 59), and the model agreeing on a mixed
// sequence.
#include <gtest/gtest.h>

#include "runners/arena_guard.h"
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

constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;
constexpr int kAnon = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
constexpr int kMove = uapi::kMremapMaymove | uapi::kMremapFixed;

std::vector<Observation> RunAll(Executor& ex, const std::vector<Op>& ops) {
  RunReport report;
  std::vector<Observation> seen = ObserveSequence(ex, ops, &report);
  EXPECT_EQ(report.status, RunStatus::kCompleted) << report.detail;
  return seen;
}

class MremapRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HasCapIpcLock().value_or(false)) GTEST_SKIP() << "needs CAP_IPC_LOCK (root)";
    const auto profile = ProfileForRelease(KernelRelease(), nullptr);
    if (!profile || !profile->mremap_modelled) GTEST_SKIP() << "mremap is modelled for 6.1-6.15 and 6.17+ only";
    std::string error;
    ex_ = Executor::Start(ExecutorOptions{}, &error);
    ASSERT_NE(ex_, nullptr) << error;
  }
  std::unique_ptr<Executor> ex_;
};

// Shrink uncounts, growth in place counts and populates, ONFAULT growth
// does not populate, a move keeps lock and residency, EFAULT across VMAs.
TEST_F(MremapRunnerTest, ShrinkGrowMoveAndEfaultAreObserved) {
  const uint64_t base = ex_->info().arena_base;
  const auto seen = RunAll(*ex_, {MmapPages(0, 0, 4, kRw, kAnon | uapi::kMapLocked), MremapPages(0, 4, 2, 0),
                                  MremapPages(0, 2, 5, 0), MmapPages(1, 10, 2, kRw, kAnon),
                                  Mlock2Pages(10, 2, uapi::kMlockOnfault), MremapPages(10, 2, 4, 0),
                                  MremapPages(0, 5, 5, kMove, 20), MmapPages(2, 0, 1, uapi::kProtRead, kAnon),
                                  MremapPages(20, 6, 7, 0)});
  ASSERT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen[1].outcome.ret, static_cast<int64_t>(base));
  EXPECT_EQ(seen[1].vmlck_kb, 8u);
  EXPECT_EQ(seen[1].resident[2] + seen[1].resident[3], 0);
  EXPECT_EQ(seen[2].vmlck_kb, 20u);
  EXPECT_EQ(seen[2].rss_kb, 20u);
  EXPECT_TRUE(seen[2].page_bits[4] & kPageLo);
  EXPECT_EQ(seen[5].vmlck_kb, 20u + 16u);
  EXPECT_EQ(seen[5].resident[12] + seen[5].resident[13], 0);
  EXPECT_TRUE(seen[5].page_bits[13] & kPageLf);
  EXPECT_EQ(seen[6].outcome.ret, static_cast<int64_t>(base + 20 * kPage));
  EXPECT_EQ(seen[6].vmlck_kb, 20u + 16u);
  EXPECT_EQ(seen[6].resident[20] + seen[6].resident[24], 2);
  EXPECT_EQ(seen[6].resident[0], 0);
  EXPECT_EQ(seen[8].outcome.err, uapi::kEfault);  // pages 20-24 and 25 are different VMAs (a hole)
}

TEST_F(MremapRunnerTest, TheModelAgreesWithTheKernelOnAnMremapSequence) {
  ModelConfig config;
  std::string why;
  ASSERT_TRUE(MakeModelConfig(ex_->info(), &config, &why)) << why;
  const std::vector<Op> ops = {MmapPages(0, 0, 6, kRw, kAnon | uapi::kMapLocked),
                               MmapPages(1, 6, 2, uapi::kProtRead, kAnon),
                               MremapPages(0, 8, 8, kMove, 30),       // two VMAs, 6.17+
                               MremapPages(30, 6, 9, 0),              // ENOMEM: the next VMA is in the way
                               MremapPages(36, 2, 4, 0),              // unlocked growth
                               MremapPages(30, 3, 2, uapi::kMremapMaymove),
                               MremapPages(31, 1, 1, kMove, 50),
                               TouchPage(OpKind::kWriteTouch, 50)};
  const SequenceResult result = VerifySequence(ops, config, *ex_, nullptr);
  EXPECT_EQ(result.verdict, Verdict::kConformant) << RenderReport(ops, result, config, ex_->info().release, "");
}

// The arena guard: nothing the kernel could place outside the arena runs.
TEST(MremapGuardTest, MovesThatCouldLeaveTheArenaAreRefused) {
  const ArenaBounds arena{0x100000000000, 64 * kPage, kPage};
  auto wire = [&](const Op& op) { return ToWire({op}, arena.base)[0]; };
  EXPECT_TRUE(MayExecute(wire(MremapPages(0, 2, 4, 0)), arena));
  EXPECT_FALSE(MayExecute(wire(MremapPages(0, 2, 4, uapi::kMremapMaymove)), arena));  // may move anywhere
  EXPECT_FALSE(MayExecute(wire(MremapPages(0, 2, 2, uapi::kMremapMaymove | uapi::kMremapDontunmap, 10)), arena));
  EXPECT_FALSE(MayExecute(wire(MremapPages(0, 2, 2, kMove, 63)), arena));  // target past the arena
  EXPECT_FALSE(MayExecute(wire(MremapPages(62, 2, 4, 0)), arena));        // growth past the arena
  EXPECT_TRUE(MayExecute(wire(MremapPages(0, 2, 2, kMove, 62)), arena));
  EXPECT_TRUE(MayExecute(wire(MremapPages(0, 4, 2, uapi::kMremapMaymove)), arena));  // a shrink never moves
  EXPECT_TRUE(MayExecute(wire(MremapPages(0, 2, 2, uapi::kMremapFixed, 200)), arena));  // EINVAL first
}

}  // namespace
}  // namespace mlc
