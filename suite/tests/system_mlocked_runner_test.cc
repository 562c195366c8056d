// The end-of-run NR_MLOCK check on the real kernel: a process that locks
// memory moves Mlocked and its own smaps_rollup Locked together, so the
// difference the check compares stays where it was (suite/lib/mlocked_baseline.h).
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "runners/system_mlocked.h"
#include "suite/lib/mlocked_baseline.h"

namespace mlc {
namespace {

constexpr size_t kLockedBytes = 16 * 4096;

// Polls until the check has a verdict or ten seconds passed.
MlockedCheck PollAgainst(const MlockedSample& baseline, MlockedSample* last) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<MlockedSample> samples;
  std::vector<int> elapsed;
  for (;;) {
    samples.push_back(SampleMlocked());
    elapsed.push_back(static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()));
    const MlockedCheck check = CompareMlocked(baseline, samples, elapsed);
    if (check.verdict != MlockedVerdict::kUndetermined || elapsed.back() >= 10000) {
      *last = samples.back();
      return check;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

TEST(SystemMlockedTest, ALockingProcessMovesMlockedAndItsLockedMappingsTogether) {
  const MlockedSample baseline = SampleMlocked();
  ASSERT_TRUE(baseline.error.empty()) << baseline.error;
  if (!baseline.drained) GTEST_SKIP() << "move_pages(2) cannot drain every CPU here (no CONFIG_MIGRATION?)";
  MlockedSample during;
  MlockedCheck while_locked;
  {
    const LockingProcess other(kLockedBytes);
    ASSERT_TRUE(other.locked()) << "the child could not mlock " << kLockedBytes << " bytes (RLIMIT_MEMLOCK?)";
    // The child's 64 kB are among the locked mappings, unless another
    // process unlocked as much at the same moment.
    const MlockedSample now = SampleMlocked();
    EXPECT_GE(now.mapped_locked_kb - baseline.mapped_locked_kb, static_cast<int64_t>(kLockedBytes / 1024));
    while_locked = PollAgainst(baseline, &during);
  }
  // ... and in Mlocked too: the difference did not move. Where another
  // process's locked memory keeps changing out of sight (a process this
  // user cannot read), that is not determined, and the skip says so.
  if (while_locked.verdict == MlockedVerdict::kUndetermined) GTEST_SKIP() << while_locked.detail;
  EXPECT_EQ(while_locked.verdict, MlockedVerdict::kBack) << while_locked.detail;
  MlockedSample after;
  const MlockedCheck gone = PollAgainst(baseline, &after);
  if (gone.verdict == MlockedVerdict::kUndetermined) GTEST_SKIP() << gone.detail;
  EXPECT_EQ(gone.verdict, MlockedVerdict::kBack) << gone.detail;
}

}  // namespace
}  // namespace mlc
