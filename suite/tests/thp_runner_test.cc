// --thp on the real kernel: the executor marks private anonymous mappings
// MADV_HUGEPAGE and reports which 2 MiB ranges are PMD-mapped; the model
// adopts that and checks what follows (ref 46). Whether a fault gets a THP
// depends on allocation, so a test whose fault got none says so and skips.
#include <gtest/gtest.h>

#include "runners/executor.h"
#include "runners/host.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/suite_context.h"
#include "suite/lib/report.h"
#include "suite/lib/verify.h"

namespace mlc {
namespace {

constexpr uint64_t kHuge = 512;  // pages of 4 KiB in a PMD

class ThpRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = ThpUnavailableReason(); !why.empty()) GTEST_SKIP() << "--thp: " << why;
    ExecutorOptions options;
    options.thp = true;
    std::string error;
    ex_ = Executor::Start(options, &error);
    ASSERT_NE(ex_, nullptr) << error;
    if (ex_->info().pagemap_scan_err != 0) GTEST_SKIP() << "no PAGEMAP_SCAN (6.7+)";
    if (!ex_->info().cap_ipc_lock) GTEST_SKIP() << "locks 4 MiB: needs CAP_IPC_LOCK";
    ASSERT_TRUE(MakeModelConfig(ex_->info(), &config_, &error)) << error;
    config_.thp = true;
  }

  // Runs `ops`, checking every step against the model; returns the
  // observations.
  std::vector<Observation> Check(const std::vector<Op>& ops) {
    std::vector<Observation> seen;
    const SequenceResult result = VerifySequence(ops, config_, *ex_, nullptr);
    EXPECT_EQ(result.verdict, Verdict::kConformant)
        << RenderReport(ops, result, config_, ex_->info().release, "thp_runner_test");
    const RunReport report = ex_->Run(ToWire(ops, config_.arena_base), [&](uint32_t, const Observation& o) {
      seen.push_back(o);
      return true;
    });
    EXPECT_EQ(report.status, RunStatus::kCompleted) << report.detail;
    return seen;
  }

  std::unique_ptr<Executor> ex_;
  ModelConfig config_;
};

// A write fault in a MADV_HUGEPAGE range gets a PMD-mapped THP: all 512
// pages resident, AnonHugePages 2 MiB, KPF_THP on every page.
TEST_F(ThpRunnerTest, WriteFaultMapsAWholeThp) {
  const auto seen = Check({MmapPages(0, 0, kHuge, kRw, kAnonPrivate), TouchPage(OpKind::kWriteTouch, 7)});
  ASSERT_EQ(seen.size(), 2u);
  if (seen[1].thp.empty() || seen[1].thp[0] != ThpState::kPmdThp) GTEST_SKIP() << "the fault got no THP";
  EXPECT_EQ(seen[1].rss_kb, 2048u);
  EXPECT_EQ(seen[1].anon_huge_kb, 2048u);
  for (uint64_t p = 0; p < kHuge; ++p) EXPECT_EQ(seen[1].resident[p], 1) << p;
  if (seen[1].has_page_flags) {
    for (uint64_t p = 0; p < kHuge; ++p) EXPECT_TRUE(seen[1].page_flags[p] & kPfThp) << p;
  }
}

// mlock of the whole range locks the THP whole; munlock of one page splits
// the PMD at the new VMA boundary: AnonHugePages drops to 0, the pages stay
// resident, the munlocked page is not mlocked (ref 46).
TEST_F(ThpRunnerTest, MunlockInsideALockedThpSplitsThePmd) {
  const auto seen = Check({MmapPages(0, 0, kHuge, kRw, kAnonPrivate), TouchPage(OpKind::kWriteTouch, 0),
                           RangePages(OpKind::kMlock, 0, kHuge), RangePages(OpKind::kMunlock, 0, 1)});
  ASSERT_EQ(seen.size(), 4u);
  if (seen[1].thp.empty() || seen[1].thp[0] != ThpState::kPmdThp) GTEST_SKIP() << "the fault got no THP";
  EXPECT_EQ(seen[2].locked_kb, 2048u);
  // Split: no PMD; with the page flags, a PTE-mapped large folio (KPF_THP).
  EXPECT_EQ(seen[3].thp[0], seen[3].has_page_flags ? ThpState::kPteMapped : ThpState::kNone);
  EXPECT_EQ(seen[3].anon_huge_kb, 0u);
  EXPECT_EQ(seen[3].rss_kb, 2048u);
  EXPECT_EQ(seen[3].locked_kb, 2044u);
  if (seen[3].has_page_flags) {
    EXPECT_FALSE(seen[3].page_flags[0] & kPfMlocked);
    EXPECT_TRUE(seen[2].page_flags[0] & kPfMlocked);
  }
}

// mlock of one page inside a THP of an unlocked VMA splits it too, and the
// folio is not mlocked (it does not lie inside the range, allow_mlock_munlock()).
TEST_F(ThpRunnerTest, MlockOfPartOfAThpSplitsItWithoutMlockingTheFolio) {
  const auto seen = Check({MmapPages(0, 0, kHuge, kRw, kAnonPrivate), TouchPage(OpKind::kWriteTouch, 0),
                           RangePages(OpKind::kMlock, 5, 1)});
  ASSERT_EQ(seen.size(), 3u);
  if (seen[1].thp.empty() || seen[1].thp[0] != ThpState::kPmdThp) GTEST_SKIP() << "the fault got no THP";
  EXPECT_EQ(seen[2].thp[0], seen[2].has_page_flags ? ThpState::kPteMapped : ThpState::kNone);
  EXPECT_EQ(seen[2].locked_kb, 4u);
  EXPECT_EQ(seen[2].vmlck_kb, 4u);
}

// MAP_LOCKED|MAP_POPULATE populates small pages before the executor's
// MADV_HUGEPAGE, which wakes khugepaged for this mm; it may collapse the
// range at any moment, also while the channels are read. Every record must
// be one consistent snapshot: AnonHugePages, the PMD report and KPF_THP
// agree, and the model accepts it.
TEST_F(ThpRunnerTest, KhugepagedCollapsesAreObservedConsistently) {
  std::vector<Op> ops = {MmapPages(0, 0, 2 * kHuge, kRw, kAnonPrivate | uapi::kMapLocked | uapi::kMapPopulate)};
  for (int i = 0; i < 30; ++i) ops.push_back(TouchPage(OpKind::kReadTouch, 3));
  const auto seen = Check(ops);
  for (const Observation& o : seen) {
    uint64_t pmd = 0;
    for (ThpState s : o.thp) pmd += s == ThpState::kPmdThp;
    EXPECT_EQ(o.anon_huge_kb, pmd * 2048);
    if (o.has_page_flags && !o.thp.empty()) {
      EXPECT_EQ((o.page_flags[0] & kPfThp) != 0, o.thp[0] == ThpState::kPmdThp);
    }
  }
}

}  // namespace
}  // namespace mlc
