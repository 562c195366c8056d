// madvise on the real kernel (mm/madvise.c, ref 60): the observed channels
// written out by hand from the rules, then the same scenarios checked
// against the model step by step.
#include <gtest/gtest.h>

#include "runners/executor.h"
#include "runners/host.h"
#include "suite/scenarios.h"
#include "suite/suite_context.h"
#include "suite/verify.h"

namespace mlc {
namespace {

constexpr int kShared = uapi::kMapShared | uapi::kMapFixedNoreplace;

std::vector<Observation> RunAll(Executor& ex, const std::vector<Op>& ops) {
  std::vector<Observation> seen;
  const RunReport report = ex.Run(ToWire(ops, ex.info().arena_base), [&](uint32_t, const Observation& o) {
    seen.push_back(o);
    return true;
  });
  EXPECT_EQ(report.status, RunStatus::kCompleted) << report.detail;
  return seen;
}

class MadviseRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HasCapIpcLock().value_or(false)) GTEST_SKIP() << "needs CAP_IPC_LOCK (root)";
    std::string error;
    ex_ = Executor::Start(ExecutorOptions{}, &error);
    ASSERT_NE(ex_, nullptr) << error;
    const auto profile = ProfileForRelease(ex_->info().release, &error);
    ASSERT_TRUE(profile) << error;
    profile_ = *profile;
  }
  std::unique_ptr<Executor> ex_;
  KernelProfile profile_;
};

// madvise_dontneed_free_valid_vma(): EINVAL on the locked VMA after the
// unlocked one before it was zapped; MADV_DONTNEED_LOCKED (5.18+) zaps the
// locked pages, keeping lo and VmLck; a write re-faults and re-locks.
TEST_F(MadviseRunnerTest, DontneedStopsAtTheLockedVmaAndDontneedLockedZapsIt) {
  if (!profile_.madv_dontneed_locked) GTEST_SKIP() << "MADV_DONTNEED_LOCKED is 5.18+";
  const auto seen = RunAll(*ex_, {MmapPages(0, 0, 4, kRw, kAnonPrivate | uapi::kMapPopulate),
                                  RangePages(OpKind::kMlock, 2, 2), MadvisePages(0, 4, uapi::kMadvDontneed),
                                  MadvisePages(0, 4, uapi::kMadvDontneedLocked), TouchPage(OpKind::kWriteTouch, 3)});
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[2].outcome.err, uapi::kEinval);
  EXPECT_EQ(seen[2].resident[0] + seen[2].resident[1], 0);
  EXPECT_EQ(seen[2].resident[2] + seen[2].resident[3], 2);
  EXPECT_EQ(seen[2].rss_kb, 8u);
  EXPECT_EQ(seen[3].outcome.ret, 0);
  EXPECT_EQ(seen[3].rss_kb, 0u);
  EXPECT_EQ(seen[3].locked_kb, 0u);
  EXPECT_EQ(seen[3].vmlck_kb, 8u);
  EXPECT_TRUE(seen[3].page_bits[2] & kPageLo);
  EXPECT_EQ(seen[4].locked_kb, 4u);
}

// MADV_POPULATE_*: PROT_NONE is EINVAL (check_vma_flags() without
// FOLL_FORCE); a hole is ENOMEM, and since 6.10 the VMA after it stays
// unpopulated; a file page beyond EOF is EFAULT.
TEST_F(MadviseRunnerTest, PopulateRefusesProtNoneStopsAtHolesAndEof) {
  if (!profile_.madv_populate) GTEST_SKIP() << "MADV_POPULATE_* is 5.14+";
  const auto seen = RunAll(*ex_, {MmapPages(0, 0, 1, kRw, kAnonPrivate), MmapPages(1, 1, 1, uapi::kProtNone, kAnonPrivate),
                                  MadvisePages(0, 2, uapi::kMadvPopulateWrite), MmapPages(2, 3, 1, kRw, kAnonPrivate),
                                  MadvisePages(1, 3, uapi::kMadvPopulateRead), RangePages(OpKind::kMunmap, 1, 1),
                                  MadvisePages(0, 4, uapi::kMadvPopulateWrite),
                                  MmapFilePages(kMemfd, 0, kFileInitialPages - 1, 2, uapi::kProtRead, kShared),
                                  MadvisePages(kFileInitialPages - 1, 2, uapi::kMadvPopulateRead)});
  ASSERT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen[2].outcome.err, uapi::kEinval);
  EXPECT_EQ(seen[2].resident[0], 1);  // populated before the PROT_NONE VMA failed
  EXPECT_EQ(seen[4].outcome.err, uapi::kEinval);
  EXPECT_EQ(seen[6].outcome.err, uapi::kEnomem);
  EXPECT_EQ(seen[6].resident[3], profile_.madv_populate_stops_at_hole ? 0 : 1);
  EXPECT_EQ(seen[8].outcome.err, uapi::kEfault);
  EXPECT_EQ(seen[8].resident[kFileInitialPages - 1], 1);
  EXPECT_EQ(seen[8].resident[kFileInitialPages], 0);
}

// MADV_FREE is for private anonymous memory only (EINVAL on shared); without
// swap, MADV_PAGEOUT and MADV_COLD keep private anonymous pages.
TEST_F(MadviseRunnerTest, FreeRefusesSharedMemoryAndPageoutKeepsAnonymousPagesWithoutSwap) {
  if (ReadSwapState().active) GTEST_SKIP() << "swap is active: MADV_PAGEOUT may page anonymous memory out";
  if (!profile_.madv_cold_pageout) GTEST_SKIP() << "MADV_COLD/MADV_PAGEOUT are 5.4+";
  const auto seen = RunAll(*ex_, {MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapPopulate),
                                  MadvisePages(0, 2, uapi::kMadvPageout), MadvisePages(0, 2, uapi::kMadvCold),
                                  MmapPages(1, 4, 1, kRw, kAnonShared), MadvisePages(4, 1, uapi::kMadvFree)});
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[1].outcome.ret, 0);
  EXPECT_EQ(seen[1].rss_kb, 8u);
  EXPECT_EQ(seen[2].rss_kb, 8u);
  EXPECT_EQ(seen[4].outcome.err, uapi::kEinval);
}

// The same kinds of scenario through the whole pipeline: the model's
// prediction of every channel after every step, open residency included.
TEST_F(MadviseRunnerTest, ScenariosAgreeWithTheModelOnEveryChannel) {
  ModelConfig config;
  std::string why;
  ASSERT_TRUE(MakeModelConfig(ex_->info(), &config, &why)) << why;
  const std::vector<std::vector<Op>> scenarios = {
      {MmapPages(0, 0, 4, kRw, kAnonPrivate | uapi::kMapPopulate), MadvisePages(0, 4, uapi::kMadvFree),
       TouchPage(OpKind::kWriteTouch, 1), RangePages(OpKind::kMlock, 0, 4)},
      {MmapFilePages(kMemfd, 0, 0, 3, kRw, kShared | uapi::kMapPopulate), MadvisePages(0, 3, uapi::kMadvPageout),
       TouchPage(OpKind::kReadTouch, 0), MadvisePages(0, 3, uapi::kMadvWillneed)},
      {MmapPages(0, 0, 3, kRw, kAnonShared | uapi::kMapLocked), MadvisePages(0, 3, uapi::kMadvDontneedLocked),
       TouchPage(OpKind::kReadTouch, 1), MadvisePages(0, 3, uapi::kMadvPopulateRead)},
  };
  for (const auto& ops : scenarios) {
    const SequenceResult result = VerifySequence(ops, config, *ex_, nullptr);
    EXPECT_EQ(result.verdict, Verdict::kConformant)
        << FormatReport(ops, result, config, ex_->info().release, "madvise_runner_test");
  }
}

}  // namespace
}  // namespace mlc
