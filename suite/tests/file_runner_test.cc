// The executor's file-backed mappings on the real kernel: the observed
// channels written out by hand from the rules (oracles/files.h), and each
// child starting with fresh files; then madvise over them and anonymous
// memory.
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

constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;
constexpr int kShared = uapi::kMapShared | uapi::kMapFixedNoreplace;
constexpr int kPrivate = uapi::kMapPrivate | uapi::kMapFixedNoreplace;

std::vector<Observation> RunAll(Executor& ex, const std::vector<Op>& ops) {
  RunReport report;
  std::vector<Observation> seen = ObserveSequence(ex, ops, &report);
  EXPECT_EQ(report.status, RunStatus::kCompleted) << report.detail;
  return seen;
}

class FileRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HasCapIpcLock().value_or(false)) GTEST_SKIP() << "needs CAP_IPC_LOCK (root)";
    std::string error;
    ex_ = Executor::Start(ExecutorOptions{}, &error);
    ASSERT_NE(ex_, nullptr) << error;
  }
  std::unique_ptr<Executor> ex_;
};

// ref 39, 47; mm/shmem.c shmem_setattr().
TEST_F(FileRunnerTest, EofPageCacheAndTruncationAreObserved) {
  const uint64_t w1 = kFileWindowPages;
  const auto seen = RunAll(*ex_, {MmapFilePages(kMemfd, 0, 22, 4, kRw, kShared),
                                  RangePages(OpKind::kMlock, 22, 4), TouchPage(OpKind::kReadTouch, 24),
                                  MmapFilePages(kMemfd, 1, 22, 2, uapi::kProtRead, kPrivate),
                                  FtruncateOp(kMemfd, 23 * kPage)});
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[1].outcome.err, uapi::kEnomem);
  EXPECT_EQ(seen[1].resident[22] + seen[1].resident[23], 2);
  EXPECT_EQ(seen[1].resident[24] + seen[1].resident[25], 0);
  EXPECT_EQ(seen[1].vmlck_kb, 16u);
  EXPECT_EQ(seen[1].locked_kb, 8u);
  EXPECT_TRUE(seen[1].page_bits[25] & kPageLo);
  EXPECT_EQ(seen[0].msync_busy[22], 0);  // the witness of VM_LOCKED (mm/msync.c)
  EXPECT_EQ(seen[1].msync_busy[22], 1);
  EXPECT_EQ(seen[1].msync_busy[25], 1);
  EXPECT_EQ(seen[1].msync_busy[26], 0);
  EXPECT_EQ(seen[2].outcome.signal, uapi::kSigbus);
  // Not mapped by the private mapping, yet resident: the page cache answers.
  EXPECT_EQ(seen[3].resident[w1 + 22] + seen[3].resident[w1 + 23], 2);
  EXPECT_EQ(seen[3].rss_kb, 8u);
  EXPECT_EQ(seen[4].resident[23], 0);
  EXPECT_EQ(seen[4].resident[w1 + 23], 0);
  EXPECT_EQ(seen[4].rss_kb, 4u);
  EXPECT_EQ(seen[4].vmlck_kb, 16u);
}

TEST_F(FileRunnerTest, EveryChildStartsWithFreshFiles) {
  if (ex_->info().tmpfile_err != 0) GTEST_SKIP() << "no tmpfs file: " << ErrnoName(ex_->info().tmpfile_err);
  const Op populated = MmapFilePages(kTmpfile, 0, 0, 2, kRw, kShared | uapi::kMapPopulate);
  RunAll(*ex_, {populated, FtruncateOp(kTmpfile, 0)});
  const auto seen = RunAll(*ex_, {MmapFilePages(kTmpfile, 0, 0, kFileInitialPages, kRw, kShared),
                                  TouchPage(OpKind::kReadTouch, kFileInitialPages - 1)});
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].resident[0] + seen[0].resident[1], 0);
  EXPECT_EQ(seen[1].outcome.signal, 0);  // the initial size again
}

TEST_F(FileRunnerTest, TheModelAgreesWithTheKernelOnAFileSequence) {
  ModelConfig config;
  std::string why;
  ASSERT_TRUE(MakeModelConfig(ex_->info(), &config, &why)) << why;
  const std::vector<Op> ops = {MmapFilePages(kMemfd, 0, 0, 6, kRw, kShared | uapi::kMapPopulate),
                               MmapFilePages(kMemfd, 1, 0, 6, kRw, kPrivate | uapi::kMapLocked),
                               TouchPage(OpKind::kWriteTouch, 2), RangePages(OpKind::kMunlock, kFileWindowPages, 3),
                               TouchPage(OpKind::kReadTouch, kFileWindowPages + 4), FtruncateOp(kMemfd, 3 * kPage + 1)};
  const SequenceResult result = VerifySequence(ops, config, *ex_, nullptr);
  EXPECT_EQ(result.verdict, Verdict::kConformant)
      << RenderReport(ops, result, config, ex_->info().release, "");
}

// do_fault_around(): a read fault maps the cached neighbours of its VMA
// only, within the fault-around block; hand-written like the oracle test.
TEST_F(FileRunnerTest, ReadFaultAroundStaysInsideTheVma) {
  const uint64_t w1 = kFileWindowPages;
  const auto seen = RunAll(*ex_, {MmapFilePages(kMemfd, 0, 0, 6, kRw, kShared | uapi::kMapPopulate),
                                  MmapFilePages(kMemfd, 1, 0, 4, uapi::kProtRead, kShared),
                                  MmapFilePages(kMemfd, 1, 4, 2, kRw, kShared),
                                  TouchPage(OpKind::kReadTouch, w1 + 2)});
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[2].rss_kb, 6 * 4u);
  EXPECT_EQ(seen[3].rss_kb, (6 + 4) * 4u);  // w1+0..w1+3 mapped, w1+4..w1+5 not
}

// ref 22: a memfd_secret mapping is lo and counted from the start, and
// neither munlock nor munlockall changes that; msync sees it locked too.
TEST_F(FileRunnerTest, SecretmemIsLockedFromTheStartAndStaysLocked) {
  if (ex_->info().secretmem_err != 0) GTEST_SKIP() << "memfd_secret: " << ErrnoName(ex_->info().secretmem_err);
  const auto seen = RunAll(*ex_, {MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared), RangePages(OpKind::kMunlock, 0, 2),
                                  MunlockallOp(), RangePages(OpKind::kMlock, 0, 2)});
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].vmlck_kb, 8u);
  EXPECT_TRUE(seen[2].page_bits[0] & kPageLo);
  EXPECT_EQ(seen[2].msync_busy[1], 1);
  EXPECT_EQ(seen[2].vmlck_kb, 8u);
  EXPECT_EQ(seen[3].outcome.err, uapi::kEnomem);
  EXPECT_EQ(seen[3].rss_kb, 0u);
}

// ref 36, 43, 45: after a populating mlock (which drains) the locked pages
// are mlocked and unevictable; the zero page of a read-only private page is
// neither; munlock clears both (the walk drains).
TEST_F(FileRunnerTest, PageFlagsShowMlockedUnevictableAndTheZeroPage) {
  if (!ex_->info().has_page_flags) GTEST_SKIP() << ex_->info().page_flags_reason;
  const auto seen = RunAll(*ex_, {MmapPages(0, 0, 2, kRw, kAnonPrivate), MmapPages(1, 2, 1, uapi::kProtRead, kAnonPrivate),
                                  RangePages(OpKind::kMlock, 0, 3), RangePages(OpKind::kMunlock, 1, 1)});
  ASSERT_EQ(seen.size(), 4u);
  ASSERT_TRUE(seen[2].has_page_flags);
  EXPECT_EQ(seen[0].page_flags[0], 0);
  EXPECT_EQ(seen[2].page_flags[0], kPfPresent | kPfMlocked | kPfUnevictable);
  // A read-populated private page is the zero page, or a page of its own
  // where the kernel forbids the zero page (MeasuredBehaviour::read_fault_maps_zero_page).
  if (ReadFaultMapsZeroPage().value_or(true)) {
    EXPECT_EQ(seen[2].page_flags[2], kPfPresent | kPfZeroPage);
  } else {
    EXPECT_EQ(seen[2].page_flags[2], kPfPresent | kPfMlocked | kPfUnevictable);
  }
  EXPECT_EQ(seen[3].page_flags[0], kPfPresent | kPfMlocked | kPfUnevictable);
  EXPECT_EQ(seen[3].page_flags[1], kPfPresent);
}

// madvise on the real kernel (mm/madvise.c, ref 60), file-backed and
// anonymous mappings alike.
class MadviseRunnerTest : public FileRunnerTest {
 protected:
  void SetUp() override {
    FileRunnerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string error;
    const auto profile = ProfileForRelease(ex_->info().release, &error);
    ASSERT_TRUE(profile) << error;
    profile_ = *profile;
  }
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
        << RenderReport(ops, result, config, ex_->info().release, "madvise_runner_test");
  }
}

}  // namespace
}  // namespace mlc
