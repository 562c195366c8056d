// Tests of the end-of-run NR_MLOCK check's verdicts (suite/lib/mlocked_baseline.h).
#include "suite/lib/mlocked_baseline.h"

#include <gtest/gtest.h>

namespace mlc {
namespace {

MlockedSample Sample(int64_t mlocked_kb, int64_t mapped_locked_kb, std::string hidden = "") {
  MlockedSample s;
  s.mlocked_kb = mlocked_kb;
  s.mapped_locked_kb = mapped_locked_kb;
  s.hidden = std::move(hidden);
  s.drained = true;
  return s;
}

// Another process locking 8 kB more while the run went on is not a leak:
// its locked mappings account for it.
TEST(MlockedBaselineTest, AnotherProcessLockingMoreIsBack) {
  const MlockedCheck check = CompareMlocked(Sample(100, 60), {Sample(108, 68)}, {0});
  EXPECT_EQ(check.verdict, MlockedVerdict::kBack);
}

// 4 kB mlocked that no locked mapping accounts for, steady for three
// samples over three seconds: leaked, with the numbers in the detail.
TEST(MlockedBaselineTest, ASteadyExcessIsALeak) {
  const MlockedCheck check =
      CompareMlocked(Sample(100, 60), {Sample(104, 60), Sample(104, 60), Sample(104, 60)}, {0, 1500, 3000});
  EXPECT_EQ(check.verdict, MlockedVerdict::kLeaked);
  EXPECT_NE(check.detail.find("Mlocked 100 kB before the run, 104 kB after it"), std::string::npos) << check.detail;
}

// The same excess before the vmstat fold could have settled, or with the
// readings still moving, is not yet a verdict.
TEST(MlockedBaselineTest, AnExcessNotYetSettledIsUndetermined) {
  EXPECT_EQ(CompareMlocked(Sample(100, 60), {Sample(104, 60), Sample(104, 60), Sample(104, 60)}, {0, 250, 500})
                .verdict,
            MlockedVerdict::kUndetermined);
  EXPECT_EQ(CompareMlocked(Sample(100, 60), {Sample(104, 60), Sample(108, 64), Sample(104, 60)}, {0, 2000, 4000})
                .verdict,
            MlockedVerdict::kUndetermined);
}

// An excess that comes back later is back.
TEST(MlockedBaselineTest, AnExcessThatGoesAwayIsBack) {
  EXPECT_EQ(CompareMlocked(Sample(100, 60), {Sample(104, 60), Sample(100, 60)}, {0, 250}).verdict,
            MlockedVerdict::kBack);
}

// A process whose locked memory this user cannot read (unprivileged) may
// explain a difference: never a leak then, with the reason; and without a
// drain of every CPU, a munlock queued elsewhere may still be pending.
TEST(MlockedBaselineTest, HiddenLockedMemoryOrNoDrainLeavesItUndetermined) {
  const MlockedSample hidden = Sample(104, 60, "pid 1 (init), VmLck 2736 kB");
  MlockedCheck check = CompareMlocked(Sample(100, 60), {hidden, hidden, hidden}, {0, 1500, 3000});
  EXPECT_EQ(check.verdict, MlockedVerdict::kUndetermined);
  EXPECT_NE(check.detail.find("pid 1 (init)"), std::string::npos) << check.detail;
  MlockedSample undrained = Sample(104, 60);
  undrained.drained = false;
  check = CompareMlocked(Sample(100, 60), {undrained, undrained, undrained}, {0, 1500, 3000});
  EXPECT_EQ(check.verdict, MlockedVerdict::kUndetermined);
  EXPECT_NE(check.detail.find("drain"), std::string::npos) << check.detail;
}

// Readings still moving with such a process around: the reason names it.
TEST(MlockedBaselineTest, MovingReadingsNameTheHiddenProcess) {
  const MlockedCheck check = CompareMlocked(
      Sample(100, 0, "pid 1 (init), VmLck 2736 kB"),
      {Sample(104, 64, "pid 1 (init), VmLck 2736 kB"), Sample(108, 64, "pid 1 (init), VmLck 2740 kB")}, {0, 250});
  EXPECT_EQ(check.verdict, MlockedVerdict::kUndetermined);
  EXPECT_NE(check.detail.find("not determined: pid 1 (init)"), std::string::npos) << check.detail;
}

// A meminfo that could not be read is said, not passed.
TEST(MlockedBaselineTest, AnUnreadableMeminfoIsUndetermined) {
  MlockedSample broken;
  broken.error = "no Mlocked: line in /proc/meminfo";
  const MlockedCheck check = CompareMlocked(Sample(100, 60), {broken}, {0});
  EXPECT_EQ(check.verdict, MlockedVerdict::kUndetermined);
  EXPECT_EQ(check.detail, "no Mlocked: line in /proc/meminfo");
}

}  // namespace
}  // namespace mlc
