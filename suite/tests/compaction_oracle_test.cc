// Tests of the oracle's compaction rule (oracles/model/compaction.cc, ref
// 73): expectations written out by hand from the cited rule, never by
// re-running the model.
#include <gtest/gtest.h>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

ModelConfig Config() {
  ModelConfig config = BaseConfig(128);
  config.compaction = true;
  config.page_flags = true;
  return config;
}

Op CompactOp(uint64_t allowed) {
  Op op;
  op.kind = OpKind::kCompact;
  op.unevictable_allowed = allowed;
  return op;
}

// Ref 73: with 0 exactly the PG_mlocked pages keep their frames; the
// unlocked and absent ones are free to move; with 1 nothing is kept.
TEST(CompactionModelTest, UnevictableAllowedZeroPinsExactlyTheMlockedPages) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, 2, 2, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  StepEffects fx;
  EXPECT_EQ(model.Apply(CompactOp(0), &fx), Ok());
  std::vector<uint8_t> pinned(128, 0);
  pinned[0] = pinned[1] = 1;
  EXPECT_EQ(model.compact_pinned(), pinned);
  EXPECT_EQ(Count(fx, Event::kCompactKeptUnevictable), 2u);
  StepEffects fx1;
  EXPECT_EQ(model.Apply(CompactOp(1), &fx1), Ok());
  EXPECT_EQ(model.compact_pinned(), std::vector<uint8_t>(128, 0));
  EXPECT_EQ(Count(fx1, Event::kCompactMayMoveLocked), 2u);
  // Nothing else changes: the locked pages stay present and PG_mlocked.
  const Observation o = Predicted(model);
  EXPECT_EQ(o.page_flags[0] & o.page_flags_care[0] & kPfMlocked, kPfMlocked);
  EXPECT_TRUE(o.compact_pinned.empty() || o.compact_pinned[0] == 0);
  EXPECT_EQ(model.Apply(CompactOp(2)), Fails(uapi::kEinval));
}

// The channel: a pinned page that moved is reported; an unpinned one that
// moved is not.
TEST(CompactionModelTest, CompareReportsAPinnedPageThatMoved) {
  const ModelConfig config = Config();
  Model model(config);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunlock, 1, 1)), Ok());
  const Op op = CompactOp(0);
  const Outcome out = model.Apply(op);
  Observation expected;
  Predict(model, out, &expected);
  Observation observed = expected;
  observed.compact_moved.assign(128, 0);
  observed.compact_moved[1] = 1;  // unlocked: may move
  EXPECT_TRUE(Compare(expected, observed, op, config).empty());
  observed.compact_moved[0] = 1;
  const auto diffs = Compare(expected, observed, op, config);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].channel, Channel::kCompaction);
  EXPECT_NE(diffs[0].detail.find("page 0 (A+0x0..A+0x1000): expected the same page frame, observed moved"),
            std::string::npos)
      << diffs[0].detail;
}

// The corpus scenario: locked anonymous, locked memfd and an unlocked page;
// compaction with 0 pins the two locked ones, with 1 none, and every page
// stays resident and the locked ones PG_mlocked.
TEST_F(ReferenceScenarioOracleTest, CompactionKeepsMlockedPagesInTheirFrames) {
  ModelConfig config = TestConfig();
  config.compaction = true;
  config.page_flags = true;
  model_ = Model(config);
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(4));
  EXPECT_EQ(Step(), AtPage(8));
  EXPECT_EQ(Step(), Ok());
  for (uint64_t i : {0, 1, 4}) EXPECT_EQ(model_.compact_pinned()[i], 1) << i;
  EXPECT_EQ(model_.compact_pinned()[8], 0);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.compact_pinned()[0], 0);
  const Observation o = Predicted(model_);
  for (uint64_t i : {0, 1, 4, 8}) EXPECT_EQ(o.resident[i], 1) << i;
  for (uint64_t i : {0, 1, 4}) EXPECT_EQ(o.page_flags[i] & o.page_flags_care[i] & kPfMlocked, kPfMlocked) << i;
}

}  // namespace
}  // namespace mlc
