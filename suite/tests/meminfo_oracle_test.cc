// Tests of the oracle's system-wide counters (oracles/model/meminfo.cc, ref
// 72): expectations written out by hand from the cited rule, never by
// re-running the model.
#include <gtest/gtest.h>

#include "oracles/files.h"
#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

ModelConfig Config() {
  ModelConfig config = BaseConfig(128);
  config.system_counters = true;
  return config;
}

// Ref 72: a locked populate is a drain barrier: Mlocked and Unevictable
// grow by the locked pages exactly; an unlocked page counts in neither.
TEST(MeminfoModelTest, LockedPagesCountOnceDrained) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, 4, 2, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 0, 1)), Ok());  // drains, changes nothing
  const Model::SystemCounts counts = model.PredictSystemCounts();
  EXPECT_TRUE(counts.determined);
  EXPECT_EQ(counts.mlocked_lo, 3u);
  EXPECT_EQ(counts.mlocked_hi, 3u);
  EXPECT_EQ(counts.unevictable_lo, 3u);
  const Observation o = Predicted(model);
  EXPECT_TRUE(o.has_counters);
  EXPECT_EQ(o.mlocked_kb, 12);
  EXPECT_EQ(o.unevictable_max_kb, 12);
}

// Ref 72: munmap adds its munlocks to the batch without a drain: not
// determined; the next drain (a munlock) brings Mlocked down to what stays.
TEST(MeminfoModelTest, MunmapIsDeterminedOnlyAtTheNextDrain) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunmap, 0, 1)), Ok());
  EXPECT_FALSE(model.PredictSystemCounts().determined);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunlock, 1, 1)), Ok());
  const Model::SystemCounts counts = model.PredictSystemCounts();
  EXPECT_TRUE(counts.determined);
  EXPECT_EQ(counts.mlocked_lo, 0u);
  EXPECT_EQ(counts.mlocked_hi, 0u);
}

// Ref 72 (and 44): a memfd page locked in one window and mapped in the
// other is one PG_mlocked page.
TEST(MeminfoModelTest, APageCachePageCountsOnce) {
  Model model(Config());
  const int shared = uapi::kMapShared | uapi::kMapFixedNoreplace;
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 2, 1, kRw, shared | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 1, 2, 1, kRw, shared | uapi::kMapLocked)).err, 0);
  const Model::SystemCounts counts = model.PredictSystemCounts();
  EXPECT_TRUE(counts.determined);
  EXPECT_EQ(counts.mlocked_lo, 1u);
  EXPECT_EQ(counts.mlocked_hi, 1u);
}

// Ref 72: while mlockall(MCL_CURRENT) locks the executor's own pages the
// counters are not determined; after munlockall they are again.
TEST(MeminfoModelTest, MlockallOfTheExecutorsOwnPagesIsNotDetermined) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MlockallOp(uapi::kMclCurrent)), Ok());
  EXPECT_FALSE(model.PredictSystemCounts().determined);
  ASSERT_EQ(model.Apply(MunlockallOp()), Ok());
  const Model::SystemCounts counts = model.PredictSystemCounts();
  EXPECT_TRUE(counts.determined);
  EXPECT_EQ(counts.mlocked_hi, 0u);
}

// The channel: a value outside the range is reported with both counters.
TEST(MeminfoModelTest, CompareReportsBothCounters) {
  const ModelConfig config = Config();
  Model model(config);
  const Op op = MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapLocked);
  const Outcome out = model.Apply(op);
  Observation expected, observed;
  Predict(model, out, &expected);
  observed = expected;
  EXPECT_TRUE(Compare(expected, observed, op, config).empty());
  observed.mlocked_kb = 8;
  observed.unevictable_events[kEvMlocked] = 2;  // /proc/vmstat agrees with it
  const auto diffs = Compare(expected, observed, op, config);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].channel, Channel::kMeminfo);
  EXPECT_EQ(diffs[0].expected, "Mlocked +4 kB, Unevictable +4 kB");
  EXPECT_EQ(diffs[0].observed, "Mlocked +8 kB, Unevictable +4 kB");
}

// ref 74: NR_MLOCK moves only with /proc/vmstat's events: Mlocked up 8 kB
// with one page counted as mlocked is reported with every counter, on any
// step (the model need not determine Mlocked for the identity to hold).
TEST(MeminfoModelTest, MlockedThatNoEventExplainsIsAVmstatDivergence) {
  const ModelConfig config = Config();
  Model model(config);
  const Op op = MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapLocked);
  const Outcome out = model.Apply(op);
  Observation expected, observed;
  Predict(model, out, &expected);
  EXPECT_EQ(expected.unevictable_events[kEvMlocked], 1);
  observed = expected;
  observed.counters_determined = expected.counters_determined = false;
  observed.mlocked_kb = 8;
  observed.unevictable_events = {3, 1, 0, 0};
  EXPECT_TRUE(Compare(expected, observed, op, config).empty());
  observed.unevictable_events = {2, 0, 1, 0};
  const auto diffs = Compare(expected, observed, op, config);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].channel, Channel::kVmstat);
  EXPECT_EQ(diffs[0].expected, "mlocked - munlocked - stranded - cleared = Mlocked +8 kB");
  EXPECT_EQ(diffs[0].observed, "mlocked +2, munlocked +0, stranded +1, cleared +0 pages: +4 kB");
}

}  // namespace
}  // namespace mlc
