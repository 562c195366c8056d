// The executor's file-backed mappings on the real kernel: the observed
// channels written out by hand from the rules (oracles/files.h), and each
// child starting with fresh files.
#include <gtest/gtest.h>

#include "runners/executor.h"
#include "runners/host.h"
#include "suite/scenarios.h"
#include "suite/suite_context.h"
#include "suite/verify.h"

namespace mlc {
namespace {

constexpr uint64_t kPage = 4096;
constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;
constexpr int kShared = uapi::kMapShared | uapi::kMapFixedNoreplace;
constexpr int kPrivate = uapi::kMapPrivate | uapi::kMapFixedNoreplace;

std::vector<Observation> RunAll(Executor& ex, const std::vector<Op>& ops) {
  std::vector<Observation> seen;
  const RunReport report = ex.Run(ToWire(ops, ex.info().arena_base), [&](uint32_t, const Observation& o) {
    seen.push_back(o);
    return true;
  });
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
      << FormatReport(ops, result, config, ex_->info().release, "");
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
  // A kernel that forbids the zero page (ExecutorInfo::zero_page) gives the
  // read fault a page, which the lock then mlocks.
  EXPECT_EQ(seen[2].page_flags[2], ex_->info().zero_page ? kPfPresent | kPfZeroPage
                                                         : kPfPresent | kPfMlocked | kPfUnevictable);
  EXPECT_EQ(seen[3].page_flags[0], kPfPresent | kPfMlocked | kPfUnevictable);
  EXPECT_EQ(seen[3].page_flags[1], kPfPresent);
}

}  // namespace
}  // namespace mlc
