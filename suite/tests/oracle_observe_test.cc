// Tests of the pure oracle (no kernel): what Predict() says every channel
// should show and how Compare() reports a difference;
// each expectation below is written out by hand from the rule text of
// oracles/README.md ("ref N" is its rule N), never by re-running the model.
// Shared helpers: suite/testing/oracle_testing.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {

namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// ---------------------------------------------------------------------------
// Predict() and Compare().

Model ModelWithOnFaultPages() {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 8, kR | kW, kAnonPrivate));
  m.Apply(Mlock2Pages(0, 8, kOnfault));
  m.Apply(TouchPage(OpKind::kWriteTouch, 2));
  m.Apply(MmapPages(1, 10, 1, kR, kAnonShared));
  return m;
}

TEST(ObservationTest, PredictDescribesEveryChannel) {
  const Model m = ModelWithOnFaultPages();
  Observation o;
  Predict(m, Fails(uapi::kEnomem), &o);
  EXPECT_EQ(o.outcome, Fails(uapi::kEnomem));
  ASSERT_THAT(o.page_bits, SizeIs(kArenaPages));
  ASSERT_THAT(o.resident, SizeIs(kArenaPages));
  EXPECT_EQ(PageBitsString(o.page_bits[0]), "rw-p lo lf");
  EXPECT_EQ(PageBitsString(o.page_bits[10]), "r--s");
  EXPECT_EQ(PageBitsString(o.page_bits[9]), "unmapped");
  EXPECT_EQ(o.resident[2], 1);
  EXPECT_EQ(o.resident[3], 0);
  EXPECT_EQ(o.rss_kb, 4u);
  EXPECT_EQ(o.locked_kb, 4u);
  EXPECT_EQ(o.vmlck_kb, 32u);
  EXPECT_EQ(o.lo_vma_kb, 32u);
}

TEST(ObservationTest, PageBitsStringPrintsPermsThenLockFlags) {
  EXPECT_EQ(PageBitsString(PageBitsOf(Private(kW | kX, Lock::kLocked, Residency::kNone))), "-wxp lo");
  EXPECT_EQ(PageBitsString(PageBitsOf(Shared(kNone, Lock::kNone, Residency::kNone))), "---s");
  EXPECT_EQ(PageBitsString(PageBitsOf(kUnmapped)), "unmapped");
}

TEST(CompareTest, IdenticalObservationsGiveNoDiffs) {
  const Model m = ModelWithOnFaultPages();
  Observation expected, observed;
  Predict(m, Ok(), &expected);
  Predict(m, Ok(), &observed);
  EXPECT_THAT(Compare(expected, observed, MunlockallOp(), m.config()), IsEmpty());
}

TEST(CompareTest, OnePageMissingLfIsOneVmaDiffNamingThePageAndBothStates) {
  const Model m = ModelWithOnFaultPages();
  Observation expected, observed;
  Predict(m, Ok(), &expected);
  observed = expected;
  observed.page_bits[5] &= static_cast<uint8_t>(~kPageLf);

  const auto diffs = Compare(expected, observed, RangePages(OpKind::kMlock, 0, 8), m.config());
  ASSERT_THAT(diffs, SizeIs(1));
  EXPECT_EQ(diffs[0].channel, Channel::kVma);
  EXPECT_THAT(diffs[0].detail, HasSubstr("page 5 "));
  EXPECT_THAT(diffs[0].detail, HasSubstr("expected rw-p lo lf"));
  EXPECT_THAT(diffs[0].detail, HasSubstr("observed rw-p lo\n"));
  EXPECT_EQ(diffs[0].detail, "  page 5 (A+0x5000..A+0x6000): expected rw-p lo lf, observed rw-p lo\n");
}

TEST(CompareTest, ARunOfPagesWithTheSameDiffIsOneLine) {
  const Model m = ModelWithOnFaultPages();
  Observation expected, observed;
  Predict(m, Ok(), &expected);
  observed = expected;
  for (size_t i = 4; i < 8; ++i) observed.resident[i] = 1;
  const auto diffs = Compare(expected, observed, MunlockallOp(), m.config());
  ASSERT_THAT(diffs, SizeIs(1));
  EXPECT_EQ(diffs[0].channel, Channel::kResidency);
  EXPECT_EQ(diffs[0].detail, "  pages 4-7 (A+0x4000..A+0x8000): expected absent, observed resident\n");
}

TEST(CompareTest, VmLckDifferentFromLockedVmaSizesIsACrossCheckDiff) {
  const Model m = ModelWithOnFaultPages();
  Observation expected, observed;
  Predict(m, Ok(), &expected);
  observed = expected;
  observed.lo_vma_kb = expected.vmlck_kb + 4;
  const auto diffs = Compare(expected, observed, MunlockallOp(), m.config());
  ASSERT_THAT(diffs, SizeIs(1));
  EXPECT_EQ(diffs[0].channel, Channel::kVmLckVsSmaps);
  EXPECT_EQ(diffs[0].expected, "VmLck 32 kB");
  EXPECT_EQ(diffs[0].observed, "lo VMAs in smaps 36 kB");
}

TEST(CompareTest, EachScalarChannelIsReportedSeparately) {
  const Model m = ModelWithOnFaultPages();
  Observation expected, observed;
  Predict(m, Ok(), &expected);
  observed = expected;
  observed.outcome = Fails(uapi::kEnomem);
  observed.rss_kb += 4;
  observed.locked_kb += 4;
  observed.vmlck_kb += 4;
  observed.lo_vma_kb += 4;
  const auto diffs = Compare(expected, observed, RangePages(OpKind::kMlock, 0, 1), m.config());
  ASSERT_THAT(diffs, SizeIs(4));
  EXPECT_EQ(diffs[0].channel, Channel::kResult);
  EXPECT_EQ(diffs[0].expected, "0");
  EXPECT_EQ(diffs[0].observed, "-1 ENOMEM");
  EXPECT_EQ(diffs[1].channel, Channel::kRss);
  EXPECT_EQ(diffs[2].channel, Channel::kLocked);
  EXPECT_EQ(diffs[3].channel, Channel::kVmLck);
  EXPECT_EQ(diffs[3].expected, "32 kB");
  EXPECT_EQ(diffs[3].observed, "36 kB");
}

}  // namespace
}  // namespace mlc
