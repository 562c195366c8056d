// Tests of the pure oracle (no kernel) on its reference scenarios
// (suite/lib/scenarios.h), one test per scenario, step by step:
// each expectation below is written out by hand from the rule text of
// oracles/README.md ("ref N" is its rule N), never by re-running the model.
// Shared helpers: suite/testing/oracle_testing.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {

namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

using ::testing::Each;
using ::testing::ElementsAre;

// ---------------------------------------------------------------------------
// ReferenceScenarios(), step by step. Each test is named after its scenario.

TEST(ReferenceScenarioCoverageTest, EveryReferenceScenarioHasAHandWrittenExpectation) {
  std::set<std::string> tested;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    if (std::string(suite->name()) != "ReferenceScenarioOracleTest") continue;
    for (int j = 0; j < suite->total_test_count(); ++j) tested.insert(suite->GetTestInfo(j)->name());
  }
  for (const Scenario& s : ReferenceScenarios()) {
    EXPECT_EQ(tested.count(s.name), 1u) << "no oracle expectation for scenario " << s.name;
  }
}

TEST_F(ReferenceScenarioOracleTest, OnFaultThenMlockPopulatesWithoutChangingVmLck) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  // ref 33: ONFAULT locks and counts without populating.
  EXPECT_THAT(Pages(0, 4), Each(Private(kR | kW, Lock::kOnFault, Residency::kNone)));
  EXPECT_EQ(model_.VmLckKb(), 16u);
  EXPECT_EQ(model_.RssKb(), 0u);

  EXPECT_EQ(Step(), Ok());  // write(page 1)
  EXPECT_EQ(model_.pages()[1], Private(kR | kW, Lock::kOnFault, Residency::kPage));
  EXPECT_EQ(model_.RssKb(), 4u);
  EXPECT_EQ(model_.LockedKb(), 4u);  // ref 49

  StepEffects fx;
  EXPECT_EQ(Step(&fx), Ok());  // mlock(0, 4 pages)
  // ref 19: lf cleared, everything faulted in with write faults; ref 25: lo+lf -> lo is free.
  EXPECT_THAT(Pages(0, 4), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_THAT(PagesFrom(4), Each(kUnmapped));
  EXPECT_EQ(model_.VmLckKb(), 16u);
  EXPECT_EQ(model_.RssKb(), 16u);
  EXPECT_EQ(model_.LockedKb(), 16u);
  EXPECT_EQ(fx.lock_transitions, Transitions(Lock::kOnFault, Lock::kLocked, 4));
}

TEST_F(ReferenceScenarioOracleTest, MlockOfProtNoneFailsWithEnomemYetLocksAndCounts) {
  EXPECT_EQ(Step(), AtPage(0));
  StepEffects fx;
  EXPECT_EQ(Step(&fx), Fails(uapi::kEnomem));  // ref 34, 9: -EFAULT from populate
  EXPECT_THAT(Pages(0, 2), Each(Private(kNone, Lock::kLocked, Residency::kNone)));
  EXPECT_EQ(model_.VmLckKb(), 8u);
  EXPECT_EQ(model_.RssKb(), 0u);
  EXPECT_EQ(model_.LockedKb(), 0u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kPopulateStoppedAtProtNone)], 1u);

  EXPECT_EQ(Step(), Segv());  // read(page 0)
  EXPECT_EQ(model_.pages()[0], Private(kNone, Lock::kLocked, Residency::kNone));
}

TEST_F(ReferenceScenarioOracleTest, Mlock2OnFaultOfProtNoneSucceeds) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());  // ref 34
  EXPECT_THAT(Pages(0, 2), Each(Private(kNone, Lock::kOnFault, Residency::kNone)));
  EXPECT_THAT(PagesFrom(2), Each(kUnmapped));
  EXPECT_EQ(model_.VmLckKb(), 8u);
  EXPECT_EQ(model_.RssKb(), 0u);
}

TEST_F(ReferenceScenarioOracleTest, HoleMakesEnomemAfterTheVmasBeforeItChanged) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(4));
  StepEffects fx;
  EXPECT_EQ(Step(&fx), Fails(uapi::kEnomem));  // ref 6
  EXPECT_THAT(Pages(0, 3), Each(Private(kR | kW, Lock::kLocked, Residency::kNone)));
  EXPECT_EQ(model_.pages()[3], kUnmapped);
  EXPECT_THAT(Pages(4, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(model_.VmLckKb(), 12u);
  EXPECT_EQ(model_.RssKb(), 0u);
  EXPECT_EQ(fx.lock_transitions, Transitions(Lock::kNone, Lock::kLocked, 3));
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kLockAcrossHole)], 1u);
}

TEST_F(ReferenceScenarioOracleTest, MunlockAcrossAHoleUnlocksTheFirstPart) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(4));
  EXPECT_EQ(model_.VmLckKb(), 20u);
  EXPECT_EQ(model_.RssKb(), 20u);  // ref 40: MAP_LOCKED populates

  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // ref 6
  // ref 20: munlock keeps the pages, they just stop counting as Locked.
  EXPECT_THAT(Pages(0, 3), Each(Private(kR | kW, Lock::kNone, Residency::kPage)));
  EXPECT_EQ(model_.pages()[3], kUnmapped);
  EXPECT_THAT(Pages(4, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(model_.VmLckKb(), 8u);
  EXPECT_EQ(model_.RssKb(), 20u);
  EXPECT_EQ(model_.LockedKb(), 8u);
}

TEST_F(ReferenceScenarioOracleTest, PopulateStopsAtProtNone) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(2));
  EXPECT_EQ(Step(), AtPage(3));
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // ref 34
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(model_.pages()[2], Private(kNone, Lock::kLocked, Residency::kNone));
  // __mm_populate() without ignore_errors stops at the failing VMA.
  EXPECT_THAT(Pages(3, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kNone)));
  EXPECT_EQ(model_.VmLckKb(), 20u);
  EXPECT_EQ(model_.RssKb(), 8u);
  EXPECT_EQ(model_.LockedKb(), 8u);
}

TEST_F(ReferenceScenarioOracleTest, ReadOnlyPrivateMlockMapsTheZeroPage) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  // ref 36, 45: resident for mincore, in neither Rss nor Locked.
  EXPECT_THAT(Pages(0, 3), Each(Private(kR, Lock::kLocked, Residency::kZeroPage)));
  EXPECT_EQ(model_.RssKb(), 0u);
  EXPECT_EQ(model_.LockedKb(), 0u);
  EXPECT_EQ(model_.VmLckKb(), 12u);
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  EXPECT_THAT(std::vector<uint8_t>(predicted.resident.begin(), predicted.resident.begin() + 4),
              ElementsAre(1, 1, 1, 0));  // ref 47
}

TEST_F(ReferenceScenarioOracleTest, SharedMlockAllocatesShmemPages) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_THAT(Pages(0, 3), Each(Shared(kR, Lock::kLocked, Residency::kPage)));  // ref 37
  EXPECT_EQ(model_.RssKb(), 12u);
  EXPECT_EQ(model_.LockedKb(), 12u);
  EXPECT_EQ(model_.VmLckKb(), 12u);
}

TEST_F(ReferenceScenarioOracleTest, WriteOnlyPrivateMlockBreaksCow) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());  // read(page 0): x86 has no write-only ptes
  EXPECT_EQ(model_.pages()[0], Private(kW, Lock::kNone, Residency::kZeroPage));
  StepEffects fx;
  EXPECT_EQ(Step(&fx), Ok());  // ref 35: write faults replace the zero page
  EXPECT_THAT(Pages(0, 2), Each(Private(kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(model_.RssKb(), 8u);
  EXPECT_EQ(model_.LockedKb(), 8u);
  EXPECT_EQ(model_.VmLckKb(), 8u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kZeroPageReplaced)], 1u);
}

TEST_F(ReferenceScenarioOracleTest, MprotectWritableOnLockedPrivatePopulates) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_THAT(Pages(0, 3), Each(Private(kR, Lock::kLocked, Residency::kZeroPage)));  // ref 36
  EXPECT_EQ(Step(), Ok());
  // ref 41: only the pages made writable are COW-populated.
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(model_.pages()[2], Private(kR, Lock::kLocked, Residency::kZeroPage));
  EXPECT_EQ(model_.RssKb(), 8u);
  EXPECT_EQ(model_.LockedKb(), 8u);
  EXPECT_EQ(model_.VmLckKb(), 12u);
}

TEST_F(ReferenceScenarioOracleTest, MprotectWritableOnOnFaultDoesNotPopulate) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_THAT(Pages(0, 3), Each(Private(kR | kW, Lock::kOnFault, Residency::kNone)));  // ref 33
  EXPECT_EQ(model_.RssKb(), 0u);
  EXPECT_EQ(model_.VmLckKb(), 12u);
}

TEST_F(ReferenceScenarioOracleTest, MlockallFutureLocksAndPopulatesNewMappings) {
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.future_lock(), Lock::kLocked);
  EXPECT_EQ(model_.outside_lock(), Lock::kNone);
  EXPECT_EQ(model_.VmLckKb(), 0u);  // MCL_FUTURE alone locks nothing that exists

  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_THAT(Pages(0, 3), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));  // ref 53
  EXPECT_EQ(Step(), AtPage(4));
  EXPECT_EQ(model_.pages()[4], Private(kNone, Lock::kLocked, Residency::kNone));
  EXPECT_EQ(model_.pages()[3], kUnmapped);
  EXPECT_EQ(model_.VmLckKb(), 16u);
  EXPECT_EQ(model_.RssKb(), 12u);
  EXPECT_EQ(model_.LockedKb(), 12u);
}

TEST_F(ReferenceScenarioOracleTest, MlockallFutureOnFaultLocksWithoutPopulating) {
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.future_lock(), Lock::kOnFault);
  EXPECT_EQ(Step(), AtPage(0));
  // ref 33: MAP_POPULATE does not fill an lf mapping.
  EXPECT_THAT(Pages(0, 3), Each(Private(kR | kW, Lock::kOnFault, Residency::kNone)));
  EXPECT_EQ(model_.VmLckKb(), 12u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[1], Private(kR | kW, Lock::kOnFault, Residency::kPage));
  EXPECT_EQ(model_.pages()[0].residency, Residency::kNone);
  EXPECT_EQ(model_.RssKb(), 4u);
  EXPECT_EQ(model_.LockedKb(), 4u);
  EXPECT_EQ(model_.VmLckKb(), 12u);
}

TEST_F(ReferenceScenarioOracleTest, MlockallCurrentCountsTheWholeAddressSpace) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(model_.VmLckKb(), 0u);
  EXPECT_EQ(Step(), Ok());
  // ref 32, 51: the executor's own VMAs are counted as well.
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(model_.outside_lock(), Lock::kLocked);
  EXPECT_EQ(model_.future_lock(), Lock::kNone);
  EXPECT_EQ(model_.VmLckKb(), 8u + kOutsideKb);
  EXPECT_EQ(model_.RssKb(), 8u);
  EXPECT_EQ(model_.LockedKb(), 8u);

  EXPECT_EQ(Step(), Ok());  // munlockall, ref 52
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kPage)));
  EXPECT_EQ(model_.outside_lock(), Lock::kNone);
  EXPECT_EQ(model_.VmLckKb(), 0u);
  EXPECT_EQ(model_.RssKb(), 8u);
  EXPECT_EQ(model_.LockedKb(), 0u);
}

TEST_F(ReferenceScenarioOracleTest, MlockallCurrentCancelsFutureLocking) {
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.future_lock(), Lock::kLocked);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.future_lock(), Lock::kNone);  // ref 52
  EXPECT_EQ(model_.VmLckKb(), kOutsideKb);
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(model_.VmLckKb(), kOutsideKb);
  EXPECT_EQ(model_.RssKb(), 0u);
}

TEST_F(ReferenceScenarioOracleTest, InvalidFlagsAreEinval) {
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // ref 1: mlock2(hole, 0x2) is EINVAL, not ENOMEM
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // ref 3: mlockall(0)
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // mlockall(MCL_ONFAULT) since 5.2
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // unknown bit
  EXPECT_THAT(PagesFrom(0), Each(kUnmapped));
  EXPECT_EQ(model_.future_lock(), Lock::kNone);
  EXPECT_EQ(model_.outside_lock(), Lock::kNone);
  EXPECT_EQ(model_.VmLckKb(), 0u);
}

TEST_F(ReferenceScenarioOracleTest, WrapAroundIsEinvalAndHugeLengthRoundsToNothing) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // ref 4
  EXPECT_EQ(Step(), Ok());                  // ref 5
  EXPECT_EQ(model_.pages()[0], Private(kR | kW, Lock::kNone, Residency::kNone));
  EXPECT_EQ(model_.VmLckKb(), 0u);
}

TEST_F(ReferenceScenarioOracleTest, UnalignedRangesRoundOutward) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());  // mlock(a+P-1, 2): pages 0 and 1, ref 8
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_THAT(Pages(2, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(Step(), Ok());  // mlock(a+3P+10, 0): page 3
  EXPECT_EQ(model_.pages()[2], Private(kR | kW, Lock::kNone, Residency::kNone));
  EXPECT_EQ(model_.pages()[3], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_EQ(model_.VmLckKb(), 12u);
  EXPECT_EQ(model_.RssKb(), 12u);
}

TEST_F(ReferenceScenarioOracleTest, MapFixedOverLockedPagesDropsThem) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(model_.VmLckKb(), 16u);
  StepEffects fx;
  EXPECT_EQ(Step(&fx), AtPage(1));  // ref 27
  EXPECT_EQ(model_.pages()[0], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_THAT(Pages(1, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(model_.pages()[3], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_EQ(model_.VmLckKb(), 8u);
  EXPECT_EQ(model_.RssKb(), 8u);
  EXPECT_EQ(model_.LockedKb(), 8u);
  EXPECT_GT(fx.events[static_cast<size_t>(Event::kMapFixedReplacedLocked)], 0u);
}

TEST_F(ReferenceScenarioOracleTest, TouchesOfInaccessiblePagesFault) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(2));
  EXPECT_EQ(Step(), Segv());  // read of PROT_NONE
  EXPECT_EQ(Step(), Segv());  // read of the hole at page 1
  EXPECT_EQ(Step(), Segv());  // write to PROT_READ
  EXPECT_EQ(model_.pages()[0], Private(kNone, Lock::kNone, Residency::kNone));
  EXPECT_EQ(model_.pages()[1], kUnmapped);
  EXPECT_EQ(model_.pages()[2], Private(kR, Lock::kNone, Residency::kNone));
}

TEST_F(ReferenceScenarioOracleTest, MadviseDontneedStopsAtALockedVmaAndDontneedLockedZapsIt) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.RssKb(), 16u);
  // ref 60: pages 0-1 zapped, then EINVAL at the locked VMA.
  EXPECT_EQ(Step(), Fails(uapi::kEinval));
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_THAT(Pages(2, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  // 9457056ac426: the locked pages go too; lo and VmLck stay.
  EXPECT_EQ(Step(), Ok());
  EXPECT_THAT(Pages(2, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kNone)));
  EXPECT_EQ(model_.RssKb(), 0u);
  EXPECT_EQ(model_.LockedKb(), 0u);
  EXPECT_EQ(model_.VmLckKb(), 8u);
  // The write re-faults a page into the locked VMA: counted in Locked again.
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[3], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_EQ(model_.LockedKb(), 4u);
}

// ref 28, 27: brk under MCL_FUTURE; the break is returned (TestConfig's
// initial break is 0).
TEST_F(ReferenceScenarioOracleTest, BrkUnderMclFutureLocksAndPopulatesTheHeap) {
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), (Outcome{0x1800, 0, 0}));
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_EQ(model_.heap()[p].lock, Lock::kLocked);
    EXPECT_EQ(model_.heap()[p].residency, Residency::kPage);
  }
  EXPECT_EQ(model_.VmLckKb(), 8u);
  EXPECT_EQ(model_.Totals().heap_locked_kb, 8u);
  EXPECT_EQ(Step(), (Outcome{0x1000, 0, 0}));
  EXPECT_TRUE(model_.heap()[0].mapped);
  EXPECT_FALSE(model_.heap()[1].mapped);
  EXPECT_EQ(model_.VmLckKb(), 4u);
}

// ref 31, 55, 61: the parent keeps its locks and MCL_FUTURE; the child sees
// r0 unlocked but copied (populated by MAP_LOCKED: 8 kB Rss), VmLck 0, and
// its probe mapping unlocked and absent.
TEST_F(ReferenceScenarioOracleTest, ForkChildSeesNoLocksAndNoFutureLocking) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_THAT(Pages(0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(model_.future_lock(), Lock::kLocked);
  EXPECT_EQ(model_.VmLckKb(), 8u);
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  const Observation& child = *predicted.fork_child;
  EXPECT_EQ(child.outcome, AtPage(4));
  EXPECT_EQ(child.page_bits[0], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(child.page_bits[4], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(child.resident[4], 0);
  EXPECT_EQ(child.rss_kb, 8u);
  EXPECT_EQ(child.vmlck_kb, 0u);
  EXPECT_EQ(child.locked_kb, 0u);
}

}  // namespace
}  // namespace mlc
