// Tests of the pure oracle (no kernel): each expectation below is written out
// by hand from the rule text of oracles/README.md ("ref N" is its rule N),
// never by re-running the model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "oracles/sequence_text.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {

namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr uint64_t kArenaPages = 64;
constexpr uint64_t kOutsideKb = 100 * kPage / 1024;
constexpr uint64_t kSizeMax = std::numeric_limits<uint64_t>::max();

constexpr int kNone = uapi::kProtNone;
constexpr int kR = uapi::kProtRead;
constexpr int kW = uapi::kProtWrite;
constexpr int kX = uapi::kProtExec;
constexpr int kFixed = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed;
constexpr int kOnfault = uapi::kMlockOnfault;
constexpr int kCurrent = uapi::kMclCurrent;
constexpr int kFuture = uapi::kMclFuture;
constexpr int kMclOnfault = uapi::kMclOnfault;

ModelConfig TestConfig(const char* release = "6.18.0") {
  ModelConfig config = BaseConfig(kArenaPages, release);
  config.outside_lockable_pages = 100;
  return config;
}

Outcome Segv() { return Signal(uapi::kSigsegv); }

const PageState kUnmapped{};

PageState Mapped(int prot, Lock lock, Residency residency, bool shared = false) {
  PageState page;
  page.mapped = true;
  page.shared = shared;
  page.prot = static_cast<uint8_t>(prot);
  page.lock = lock;
  page.residency = residency;
  // mm/mmap.c accountable_mapping(): a private writable mapping is VM_ACCOUNT.
  page.account = !shared && (prot & uapi::kProtWrite);
  return page;
}
PageState Private(int prot, Lock lock, Residency residency) { return Mapped(prot, lock, residency); }
PageState Shared(int prot, Lock lock, Residency residency) {
  return Mapped(prot, lock, residency, /*shared=*/true);
}

std::vector<PageState> PagesFrom(const Model& model, uint64_t first) {
  return Pages(model, first, kArenaPages - first);
}

// A call at an arbitrary (possibly unaligned) arena offset.
Op At(OpKind kind, uint64_t offset, uint64_t len) {
  Op op;
  op.kind = kind;
  op.addr = offset;
  op.len = len;
  return op;
}
Op Mlock2At(uint64_t offset, uint64_t len, int flags) {
  Op op = At(OpKind::kMlock2, offset, len);
  op.flags = flags;
  return op;
}
Op MprotectAt(uint64_t offset, uint64_t len, int prot) {
  Op op = At(OpKind::kMprotect, offset, len);
  op.prot = prot;
  return op;
}
Op MmapAt(uint64_t offset, uint64_t len, int prot, int flags) {
  Op op = MmapPages(0, 0, 0, prot, flags);
  op.addr = offset;
  op.region_base = offset;
  op.len = len;
  return op;
}
Op AbsoluteAt(OpKind kind, uint64_t addr, uint64_t len) {
  Op op = At(kind, addr, len);
  op.region = kAbsoluteAddr;
  return op;
}

LockTransitions Transitions(Lock from, Lock to, uint32_t pages) {
  LockTransitions t{};
  t[static_cast<size_t>(from)][static_cast<size_t>(to)] = pages;
  return t;
}

// ---------------------------------------------------------------------------
// ReferenceScenarios(), step by step. Each test is named after its scenario.

class ReferenceScenarioOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (const Scenario& s : ReferenceScenarios()) {
      if (s.name == name) ops_ = s.ops;
    }
    ASSERT_FALSE(ops_.empty()) << "no reference scenario named " << name;
  }

  void TearDown() override {
    EXPECT_EQ(next_, ops_.size()) << "the test does not check every step of its scenario";
  }

  Outcome Step(StepEffects* effects = nullptr) {
    if (next_ >= ops_.size()) {
      ADD_FAILURE() << "the scenario has only " << ops_.size() << " steps";
      return {};
    }
    return model_.Apply(ops_[next_++], effects);
  }

  std::vector<PageState> Pages(uint64_t first, uint64_t count) const {
    return ::mlc::Pages(model_, first, count);
  }
  std::vector<PageState> PagesFrom(uint64_t first) const { return ::mlc::PagesFrom(model_, first); }

  Model model_{TestConfig()};
  std::vector<Op> ops_;
  size_t next_ = 0;
};

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

// ---------------------------------------------------------------------------
// mlock, mlock2, munlock.

TEST(MlockModelTest, MlockStartingInAHoleIsEnomemAndChangesNothing) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 2, 2, kR | kW, kAnonPrivate));
  StepEffects fx;
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 1, 3), &fx), Fails(uapi::kEnomem));  // ref 6
  EXPECT_THAT(Pages(m, 2, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(m.VmLckKb(), 0u);
  EXPECT_EQ(fx.lock_transitions, LockTransitions{});
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kLockStartsInHole)], 1u);
}

TEST(MlockModelTest, MlockPastTheEndOfAMappingLocksItThenFailsWithEnomem) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 3)), Fails(uapi::kEnomem));  // ref 6
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kNone)));
  EXPECT_EQ(m.VmLckKb(), 8u);
}

TEST(MlockModelTest, AlignedZeroLengthIsANoOpEvenOnAHole) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(At(OpKind::kMlock, 0, 0)), Ok());  // ref 8
  EXPECT_EQ(m.Apply(Mlock2At(5 * kPage, 0, kOnfault)), Ok());
  EXPECT_EQ(m.Apply(At(OpKind::kMunlock, 7 * kPage, 0)), Ok());
  EXPECT_THAT(PagesFrom(m, 0), Each(kUnmapped));
}

TEST(MlockModelTest, UnalignedZeroLengthCoversAPageAndFailsOnAHole) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(At(OpKind::kMlock, 1, 0)), Fails(uapi::kEnomem));  // ref 8
}

TEST(MlockModelTest, UnalignedStartRoundsDownAndEndRoundsUp) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 4, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(At(OpKind::kMlock, 10, 1)), Ok());  // mlock(a+10, 1): page 0, ref 8
  EXPECT_EQ(m.pages()[0].lock, Lock::kLocked);
  EXPECT_EQ(m.pages()[1].lock, Lock::kNone);
  EXPECT_EQ(m.Apply(Mlock2At(kPage + 1, 2 * kPage, kOnfault)), Ok());  // pages 1-3
  EXPECT_THAT(Pages(m, 1, 3), Each(Private(kR | kW, Lock::kOnFault, Residency::kNone)));
  EXPECT_EQ(m.Apply(At(OpKind::kMunlock, 3 * kPage + 100, 1)), Ok());  // page 3
  EXPECT_EQ(m.pages()[2].lock, Lock::kOnFault);
  EXPECT_EQ(m.pages()[3].lock, Lock::kNone);
  EXPECT_EQ(m.VmLckKb(), 12u);
}

TEST(MlockModelTest, SizeMaxLengthRoundsToNothingForMlockMlock2AndMunlock) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  m.Apply(MmapPages(1, 2, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  // ref 5: PAGE_ALIGN(SIZE_MAX) == 0, so each call is a successful no-op.
  EXPECT_EQ(m.Apply(At(OpKind::kMlock, 0, kSizeMax)), Ok());
  EXPECT_EQ(m.Apply(Mlock2At(0, kSizeMax, kOnfault)), Ok());
  EXPECT_EQ(m.Apply(At(OpKind::kMunlock, 2 * kPage, kSizeMax)), Ok());
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_THAT(Pages(m, 2, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(m.VmLckKb(), 8u);
}

TEST(MlockModelTest, WrapAroundIsEinvalForMlockMlock2AndMunlock) {
  Model m(TestConfig());
  const uint64_t near_top = 0 - kPage;
  EXPECT_EQ(m.Apply(AbsoluteAt(OpKind::kMlock, near_top, 2 * kPage)), Fails(uapi::kEinval));  // ref 4
  Op mlock2 = AbsoluteAt(OpKind::kMlock2, near_top, 2 * kPage);
  mlock2.flags = kOnfault;
  EXPECT_EQ(m.Apply(mlock2), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(AbsoluteAt(OpKind::kMunlock, near_top, 2 * kPage)), Fails(uapi::kEinval));
}

TEST(MlockModelTest, Mlock2RejectsUnknownFlagsBeforeLookingAtTheRange) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  for (int flags : {0x2, 0x3, 0x100, -1}) {
    EXPECT_EQ(m.Apply(Mlock2Pages(0, 2, flags)), Fails(uapi::kEinval)) << flags;   // ref 1
    EXPECT_EQ(m.Apply(Mlock2Pages(10, 2, flags)), Fails(uapi::kEinval)) << flags;  // a hole
  }
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
}

TEST(MlockModelTest, Mlock2IsEnosysWhenTheKernelLacksIt) {
  ModelConfig config = TestConfig();
  config.has_mlock2 = false;
  Model m(config);
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 2, 0)), Fails(uapi::kEnosys));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 2, kOnfault)), Fails(uapi::kEnosys));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 2, 0x2)), Fails(uapi::kEnosys));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Ok());
}

TEST(MlockModelTest, Mlock2OnFaultOverAPopulatedLockedRangeKeepsItsPagesAndVmLck) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 3, kR | kW, kAnonPrivate | uapi::kMapLocked));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 3, kOnfault)), Ok());  // ref 18
  EXPECT_THAT(Pages(m, 0, 3), Each(Private(kR | kW, Lock::kOnFault, Residency::kPage)));
  EXPECT_EQ(m.VmLckKb(), 12u);
  EXPECT_EQ(m.LockedKb(), 12u);
}

TEST(MlockModelTest, MunlockClearsLoAndLfButKeepsPagesResident) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  m.Apply(Mlock2Pages(0, 2, kOnfault));
  m.Apply(TouchPage(OpKind::kWriteTouch, 0));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMunlock, 0, 2)), Ok());  // ref 20
  EXPECT_EQ(m.pages()[0], Private(kR | kW, Lock::kNone, Residency::kPage));
  EXPECT_EQ(m.pages()[1], Private(kR | kW, Lock::kNone, Residency::kNone));
  EXPECT_EQ(m.VmLckKb(), 0u);
  EXPECT_EQ(m.RssKb(), 4u);
  EXPECT_EQ(m.LockedKb(), 0u);
}

TEST(MlockModelTest, MlockOfExecOnlyPrivateMapsTheZeroPage) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kX, kAnonPrivate));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Ok());  // ref 36: FOLL_FORCE read fault
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kX, Lock::kLocked, Residency::kZeroPage)));
  EXPECT_EQ(m.RssKb(), 0u);
}

TEST(MlockModelTest, MlockOfSharedWritableTakesReadFaultsThatAllocate) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonShared));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Ok());  // ref 37
  EXPECT_THAT(Pages(m, 0, 2), Each(Shared(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(m.RssKb(), 8u);
  EXPECT_EQ(m.LockedKb(), 8u);
}

// ---------------------------------------------------------------------------
// Lock transitions reported for the coverage summary.

TEST(StepEffectsTest, Mlock2OnFaultOverLockedPagesCountsLoToLoLf) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 3, kR | kW, kAnonPrivate | uapi::kMapLocked));
  StepEffects fx;
  m.Apply(Mlock2Pages(0, 3, kOnfault), &fx);
  EXPECT_EQ(fx.lock_transitions, Transitions(Lock::kLocked, Lock::kOnFault, 3));
}

TEST(StepEffectsTest, MlockOverOnFaultPagesCountsLoLfToLo) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 3, kR | kW, kAnonPrivate));
  m.Apply(Mlock2Pages(0, 3, kOnfault));
  StepEffects fx;
  m.Apply(RangePages(OpKind::kMlock, 0, 3), &fx);
  EXPECT_EQ(fx.lock_transitions, Transitions(Lock::kOnFault, Lock::kLocked, 3));
}

TEST(StepEffectsTest, MunlockOfLockedPagesCountsLoToUnlocked) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  StepEffects fx;
  m.Apply(RangePages(OpKind::kMunlock, 0, 2), &fx);
  EXPECT_EQ(fx.lock_transitions, Transitions(Lock::kLocked, Lock::kNone, 2));
}

// ---------------------------------------------------------------------------
// mlockall, munlockall.

TEST(MlockallModelTest, RejectsZeroOnFaultAloneAndUnknownBits) {
  Model m(TestConfig());
  for (int flags : {0, kMclOnfault, 0x8, 0x8 | kCurrent, 0x10 | kCurrent | kFuture, 0x100 | kCurrent}) {
    EXPECT_EQ(m.Apply(MlockallOp(flags)), Fails(uapi::kEinval)) << flags;  // ref 3
  }
  EXPECT_EQ(m.outside_lock(), Lock::kNone);
  EXPECT_EQ(m.VmLckKb(), 0u);
}

TEST(MlockallModelTest, EinvalLeavesFutureLockingInPlace) {
  Model m(TestConfig());
  m.Apply(MlockallOp(kFuture));
  EXPECT_EQ(m.Apply(MlockallOp(0)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MlockallOp(kMclOnfault)), Fails(uapi::kEinval));
  EXPECT_EQ(m.future_lock(), Lock::kLocked);  // the flag check comes before def_flags
}

TEST(MlockallModelTest, EveryMlockallClearsFutureLockingFirst) {
  Model m(TestConfig());
  m.Apply(MlockallOp(kFuture));
  EXPECT_EQ(m.Apply(MlockallOp(kFuture | kMclOnfault)), Ok());
  EXPECT_EQ(m.future_lock(), Lock::kOnFault);  // ref 52
  EXPECT_EQ(m.Apply(MlockallOp(kFuture)), Ok());
  EXPECT_EQ(m.future_lock(), Lock::kLocked);
  EXPECT_EQ(m.Apply(MlockallOp(kCurrent | kMclOnfault)), Ok());
  EXPECT_EQ(m.future_lock(), Lock::kNone);
  EXPECT_EQ(m.outside_lock(), Lock::kOnFault);
  m.Apply(MlockallOp(kFuture));
  EXPECT_EQ(m.Apply(MunlockallOp()), Ok());
  EXPECT_EQ(m.future_lock(), Lock::kNone);
  EXPECT_EQ(m.outside_lock(), Lock::kNone);
}

TEST(MlockallModelTest, FutureAloneLeavesExistingMappingsAndOutsideLocksAlone) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  m.Apply(MlockallOp(kCurrent));
  m.Apply(MunlockallOp());
  m.Apply(MmapPages(1, 4, 1, kR | kW, kAnonPrivate));
  m.Apply(MlockallOp(kCurrent));
  EXPECT_EQ(m.Apply(MlockallOp(kFuture | kMclOnfault)), Ok());  // ref 52: goto out
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(m.outside_lock(), Lock::kLocked);
  EXPECT_EQ(m.VmLckKb(), 12u + kOutsideKb);
}

TEST(MlockallModelTest, CurrentLocksAndCountsProtNoneWithoutFailing) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 1, kNone, kAnonPrivate));
  m.Apply(MmapPages(1, 1, 1, kR | kW, kAnonPrivate));
  m.Apply(MmapPages(2, 2, 1, kR, kAnonShared));
  EXPECT_EQ(m.Apply(MlockallOp(kCurrent)), Ok());  // ref 11
  EXPECT_EQ(m.pages()[0], Private(kNone, Lock::kLocked, Residency::kNone));
  // ignore_errors: pages after the PROT_NONE one are populated.
  EXPECT_EQ(m.pages()[1], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_EQ(m.pages()[2], Shared(kR, Lock::kLocked, Residency::kPage));
  EXPECT_EQ(m.VmLckKb(), 12u + kOutsideKb);
  EXPECT_EQ(m.RssKb(), 8u);
}

TEST(MlockallModelTest, CurrentOnFaultLocksWithoutPopulating) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(MlockallOp(kCurrent | kMclOnfault)), Ok());  // ref 51
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kOnFault, Residency::kNone)));
  EXPECT_EQ(m.outside_lock(), Lock::kOnFault);
  EXPECT_EQ(m.VmLckKb(), 8u + kOutsideKb);
  EXPECT_EQ(m.RssKb(), 0u);
}

TEST(MlockallModelTest, FutureOnFaultProtNoneMmapIsLockedAndCountedButNotResident) {
  Model m(TestConfig());
  m.Apply(MlockallOp(kFuture | kMclOnfault));
  StepEffects fx;
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, kNone, kAnonPrivate), &fx), AtPage(0));  // ref 53
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kNone, Lock::kOnFault, Residency::kNone)));
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kFutureLockedMmap)], 1u);
}

TEST(MlockallModelTest, MapLockedUnderFutureOnFaultKeepsLf) {
  Model m(TestConfig());
  m.Apply(MlockallOp(kFuture | kMclOnfault));
  // ref 26, 53: VM_LOCKONFAULT comes from def_flags whatever MAP_LOCKED says.
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate | uapi::kMapLocked)), AtPage(0));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kOnFault, Residency::kNone)));
}

TEST(MlockallModelTest, MunlockallAlwaysSucceedsAndUnlocksEverything) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(MunlockallOp()), Ok());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  m.Apply(MmapPages(1, 3, 2, kR | kW, kAnonPrivate));
  m.Apply(Mlock2Pages(3, 2, kOnfault));
  EXPECT_EQ(m.Apply(MunlockallOp()), Ok());  // ref 52
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kPage)));
  EXPECT_THAT(Pages(m, 3, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(m.VmLckKb(), 0u);
}

TEST(MlockallModelTest, Before52MlockallOnFaultAloneActsAsMunlockall) {
  Model m(TestConfig("5.1.0"));
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  m.Apply(MlockallOp(kCurrent | kFuture));
  ASSERT_EQ(m.VmLckKb(), 8u + kOutsideKb);
  EXPECT_EQ(m.Apply(MlockallOp(kMclOnfault)), Ok());  // ref 3: dedca63504a2 made it EINVAL in 5.2
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kPage)));
  EXPECT_EQ(m.future_lock(), Lock::kNone);
  EXPECT_EQ(m.outside_lock(), Lock::kNone);
  EXPECT_EQ(m.VmLckKb(), 0u);
  // The other invalid values stay invalid.
  EXPECT_EQ(m.Apply(MlockallOp(0)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MlockallOp(0x8)), Fails(uapi::kEinval));
}

// ---------------------------------------------------------------------------
// mmap, munmap, mprotect.

TEST(MmapModelTest, MapFixedNoreplaceOverAMappingIsEexistAndChangesNothing) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 2, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  EXPECT_EQ(m.Apply(MmapPages(1, 0, 3, kR, kAnonPrivate)), Fails(uapi::kEexist));
  EXPECT_EQ(m.Apply(MmapPages(2, 3, 1, kR, kAnonShared)), Fails(uapi::kEexist));
  EXPECT_THAT(Pages(m, 0, 2), Each(kUnmapped));
  EXPECT_THAT(Pages(m, 2, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_THAT(m.regions(), SizeIs(1));
  EXPECT_EQ(m.next_region_id(), 3);  // labels are used up by failed mmaps too
}

TEST(MmapModelTest, ZeroLengthIsEinval) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(MmapAt(0, 0, kR, kAnonPrivate)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MmapAt(0, 0, kR, kFixed)), Fails(uapi::kEinval));
  EXPECT_THAT(PagesFrom(m, 0), Each(kUnmapped));
}

TEST(MmapModelTest, UnalignedFixedAddressIsEinval) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(MmapAt(1, kPage, kR, kAnonPrivate)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MmapAt(kPage + 100, kPage, kR, kFixed)), Fails(uapi::kEinval));
  EXPECT_THAT(PagesFrom(m, 0), Each(kUnmapped));
}

TEST(MmapModelTest, UnalignedLengthRoundsUp) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(MmapAt(0, kPage + 1, kR, kAnonPrivate)), AtPage(0));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(m.pages()[2], kUnmapped);
}

TEST(MmapModelTest, MapLockedWithProtNoneLocksAndCountsWithoutPopulating) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, kNone, kAnonPrivate | uapi::kMapLocked)), AtPage(0));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kNone, Lock::kLocked, Residency::kNone)));  // ref 34, 40
  EXPECT_EQ(m.VmLckKb(), 8u);
}

TEST(MmapModelTest, MapPopulatePopulatesWithoutLockingUnlessNonblock) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate | uapi::kMapPopulate));
  m.Apply(MmapPages(1, 2, 2, kR, kAnonPrivate | uapi::kMapPopulate));
  m.Apply(MmapPages(2, 4, 2, kR | kW, kAnonPrivate | uapi::kMapPopulate | uapi::kMapNonblock));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kPage)));
  EXPECT_THAT(Pages(m, 2, 2), Each(Private(kR, Lock::kNone, Residency::kZeroPage)));
  EXPECT_THAT(Pages(m, 4, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
  EXPECT_EQ(m.VmLckKb(), 0u);
  EXPECT_EQ(m.RssKb(), 8u);
}

TEST(MunmapModelTest, UnalignedStartIsEinval) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  EXPECT_EQ(m.Apply(At(OpKind::kMunmap, 1, kPage)), Fails(uapi::kEinval));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
}

TEST(MunmapModelTest, ZeroLengthIsEinval) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(At(OpKind::kMunmap, 0, 0)), Fails(uapi::kEinval));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
}

TEST(MunmapModelTest, LengthBeyondTaskSizeIsEinval) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(At(OpKind::kMunmap, 0, kSizeMax)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(AbsoluteAt(OpKind::kMunmap, uint64_t{1} << 47, kPage)), Fails(uapi::kEinval));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
}

TEST(MunmapModelTest, HolesAreFineAndLockedPagesLeaveVmLck) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 3, kR | kW, kAnonPrivate | uapi::kMapLocked));
  m.Apply(MmapPages(1, 4, 2, kR | kW, kAnonPrivate));
  m.Apply(MmapPages(2, 7, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  StepEffects fx;
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMunmap, 1, 7), &fx), Ok());  // ref 27, 57
  EXPECT_EQ(m.pages()[0], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_THAT(Pages(m, 1, 7), Each(kUnmapped));
  EXPECT_EQ(m.pages()[8], Private(kR | kW, Lock::kLocked, Residency::kPage));
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_EQ(m.RssKb(), 8u);
  EXPECT_EQ(fx.lock_transitions, Transitions(Lock::kLocked, Lock::kNone, 3));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMunmap, 20, 4)), Ok());  // nothing there at all
}

TEST(MprotectModelTest, ZeroLengthSucceedsEvenOnAHole) {
  Model m(TestConfig());
  EXPECT_EQ(m.Apply(MprotectPages(3, 0, kR)), Ok());
  EXPECT_THAT(PagesFrom(m, 0), Each(kUnmapped));
}

TEST(MprotectModelTest, UnalignedStartIsEinval) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR, kAnonPrivate));
  EXPECT_EQ(m.Apply(MprotectAt(1, kPage, kR | kW)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MprotectAt(1, 0, kR | kW)), Fails(uapi::kEinval));  // before the len 0 check
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR, Lock::kNone, Residency::kNone)));
}

TEST(MprotectModelTest, StartInAHoleIsEnomemAndChangesNothing) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 1, 2, kR, kAnonPrivate));
  EXPECT_EQ(m.Apply(MprotectPages(0, 3, kR | kW)), Fails(uapi::kEnomem));
  EXPECT_THAT(Pages(m, 1, 2), Each(Private(kR, Lock::kNone, Residency::kNone)));
}

TEST(MprotectModelTest, LaterHoleIsEnomemAfterTheEarlierPagesChanged) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR, kAnonPrivate | uapi::kMapLocked));
  m.Apply(MmapPages(1, 3, 2, kR, kAnonPrivate));
  EXPECT_EQ(m.Apply(MprotectPages(0, 5, kR | kW)), Fails(uapi::kEnomem));
  // The earlier pages changed, and locked private ones were COW-populated (ref 41).
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_EQ(m.pages()[2], kUnmapped);
  EXPECT_THAT(Pages(m, 3, 2), Each(Private(kR, Lock::kNone, Residency::kNone)));
}

TEST(MprotectModelTest, KeepsLockFlagsAndProtNoneKeepsPagesResident) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR | kW, kAnonPrivate | uapi::kMapLocked));
  EXPECT_EQ(m.Apply(MprotectPages(0, 2, kNone)), Ok());  // ref 41, 58
  // The populated VMA has an anon_vma and so keeps VM_ACCOUNT (mprotect_fixup()).
  PageState locked_none = Private(kNone, Lock::kLocked, Residency::kPage);
  locked_none.account = true;
  EXPECT_THAT(Pages(m, 0, 2), Each(locked_none));
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_EQ(m.LockedKb(), 8u);
}

TEST(MprotectModelTest, WritableFromProtNoneOnLockedPrivatePopulates) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kNone, kAnonPrivate | uapi::kMapLocked));
  EXPECT_EQ(m.Apply(MprotectPages(0, 2, kW)), Ok());  // ref 41
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kW, Lock::kLocked, Residency::kPage)));
}

TEST(MprotectModelTest, WritableOnLockedSharedOrUnlockedPrivateDoesNotPopulate) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 2, kR, kAnonShared));
  m.Apply(RangePages(OpKind::kMlock, 0, 2));
  m.Apply(MmapPages(1, 2, 2, kR, kAnonPrivate));
  EXPECT_EQ(m.Apply(MprotectPages(0, 4, kR | kW)), Ok());
  // mprotect_fixup() populates only (old & (VM_WRITE|VM_SHARED|VM_LOCKED)) == VM_LOCKED.
  EXPECT_THAT(Pages(m, 0, 2), Each(Shared(kR | kW, Lock::kLocked, Residency::kPage)));
  EXPECT_THAT(Pages(m, 2, 2), Each(Private(kR | kW, Lock::kNone, Residency::kNone)));
}

// ---------------------------------------------------------------------------
// Touches.

TEST(TouchModelTest, InaccessibleUnmappedAndReadOnlyPagesRaiseSigsegv) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 1, kNone, kAnonPrivate));
  m.Apply(MmapPages(1, 1, 1, kR, kAnonPrivate));
  m.Apply(MmapPages(2, 2, 1, kR | kX, kAnonShared));
  StepEffects fx;
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, 0), &fx), Segv());
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kTouchFaulted)], 1u);
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 0)), Segv());
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 1)), Segv());
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 2)), Segv());
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, 3)), Segv());
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 63)), Segv());
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, kArenaPages)), Segv());  // past the arena
  EXPECT_THAT(Pages(m, 0, 3), Each(::testing::Field(&PageState::residency, Residency::kNone)));
}

TEST(TouchModelTest, ReadOfWriteOnlyPrivateSucceedsOnX86AndMapsTheZeroPage) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 1, kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, 0)), Ok());
  EXPECT_EQ(m.pages()[0], Private(kW, Lock::kNone, Residency::kZeroPage));
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  EXPECT_EQ(m.pages()[0], Private(kW, Lock::kNone, Residency::kPage));
}

// x86 protection keys: GUP refuses execute-only pages like PROT_NONE
// (check_vma_flags() -> arch_vma_access_permitted()).
TEST(MlockModelTest, MlockOfExecuteOnlyPagesFailsLikeProtNoneUnderProtectionKeys) {
  ModelConfig config = TestConfig();
  config.measured.exec_only_readable = false;
  Model m(config);
  m.Apply(MmapPages(0, 0, 2, kX, kAnonPrivate));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Fails(uapi::kEnomem));
  EXPECT_THAT(Pages(m, 0, 2), Each(Private(kX, Lock::kLocked, Residency::kNone)));
  EXPECT_EQ(m.VmLckKb(), 8u);
}

TEST(TouchModelTest, ExecOnlyIsReadableIffConfiguredSo) {
  ModelConfig readable = TestConfig();
  readable.measured.exec_only_readable = true;
  Model m(readable);
  m.Apply(MmapPages(0, 0, 1, kX, kAnonPrivate));
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, 0)), Ok());
  EXPECT_EQ(m.pages()[0].residency, Residency::kZeroPage);
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 0)), Segv());

  ModelConfig pkeys = TestConfig();
  pkeys.measured.exec_only_readable = false;
  Model n(pkeys);
  n.Apply(MmapPages(0, 0, 1, kX, kAnonPrivate));
  n.Apply(MmapPages(1, 1, 1, kR | kX, kAnonPrivate));
  EXPECT_EQ(n.Apply(TouchPage(OpKind::kReadTouch, 0)), Segv());
  EXPECT_EQ(n.Apply(TouchPage(OpKind::kReadTouch, 1)), Ok());
  EXPECT_EQ(n.pages()[0].residency, Residency::kNone);
}

TEST(TouchModelTest, ReadOfSharedAllocatesAndReadOfPrivateMapsTheZeroPage) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 1, kR, kAnonShared));
  m.Apply(MmapPages(1, 1, 1, kR, kAnonPrivate));
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, 0)), Ok());
  EXPECT_EQ(m.Apply(TouchPage(OpKind::kReadTouch, 1)), Ok());
  EXPECT_EQ(m.pages()[0].residency, Residency::kPage);  // ref 37
  EXPECT_EQ(m.pages()[1].residency, Residency::kZeroPage);
  EXPECT_EQ(m.RssKb(), 4u);
}

TEST(TouchModelTest, AnUnalignedTouchFaultsInItsOwnPage) {
  Model m(TestConfig());
  m.Apply(MmapPages(0, 0, 3, kR | kW, kAnonPrivate));
  EXPECT_EQ(m.Apply(At(OpKind::kWriteTouch, 2 * kPage - 1, 0)), Ok());
  EXPECT_EQ(m.pages()[0].residency, Residency::kNone);
  EXPECT_EQ(m.pages()[1].residency, Residency::kPage);
  EXPECT_EQ(m.pages()[2].residency, Residency::kNone);
}

// ---------------------------------------------------------------------------
// ResolveRegions (oracles/op.h).

TEST(ResolveRegionsTest, ACallLabelledWithARegionMovesWithTheMmapThatDefinesIt) {
  Op mmap = MmapPages(1, 4, 2, kR | kW, kAnonPrivate);
  Op mlock = Mlock2At(5 * kPage + 1, kPage, kOnfault);
  mlock.region = 1;
  mlock.region_base = 4 * kPage;
  mmap.addr = 16 * kPage;  // as if shrinking moved the mmap

  const auto resolved = ResolveRegions({mmap, mlock});
  ASSERT_THAT(resolved, SizeIs(2));
  EXPECT_EQ(resolved[0].addr, 16 * kPage);
  EXPECT_EQ(resolved[0].region_base, 16 * kPage);
  EXPECT_EQ(resolved[1].addr, 17 * kPage + 1);
  EXPECT_EQ(resolved[1].region_base, 16 * kPage);
  EXPECT_EQ(resolved[1].region, 1);
  EXPECT_EQ(FormatCalls(resolved)[1], "mlock2(r1+0x1001, 0x1000, MLOCK_ONFAULT)");
}

TEST(ResolveRegionsTest, TheLastMmapOfALabelDefinesIt) {
  Op first = MmapPages(2, 0, 1, kR, kAnonPrivate);
  Op second = MmapPages(2, 8, 1, kR, kAnonPrivate);
  Op touch = TouchPage(OpKind::kReadTouch, 1);
  touch.region = 2;
  touch.region_base = 0;
  touch.addr = 100;
  const auto resolved = ResolveRegions({first, touch, second, touch});
  EXPECT_EQ(resolved[1].addr, 100u);
  EXPECT_EQ(resolved[3].addr, 8 * kPage + 100);
  EXPECT_EQ(resolved[3].region_base, 8 * kPage);
}

TEST(ResolveRegionsTest, UnlabelledAndUndefinedLabelsKeepTheirAddress) {
  Op mmap = MmapPages(1, 4, 2, kR | kW, kAnonPrivate);
  mmap.addr = 30 * kPage;
  Op unlabelled = RangePages(OpKind::kMlock, 5, 1);
  Op undefined = RangePages(OpKind::kMunlock, 9, 1);
  undefined.region = 7;
  undefined.region_base = 8 * kPage;
  Op absolute = AbsoluteAt(OpKind::kMlock, 0 - kPage, 2 * kPage);
  Op early = RangePages(OpKind::kMlock, 4, 1);  // labelled r1 before r1 is mapped
  early.region = 1;
  early.region_base = 4 * kPage;

  const std::vector<Op> ops = {early, mmap, unlabelled, undefined, absolute};
  const auto resolved = ResolveRegions(ops);
  EXPECT_EQ(resolved[0], early);
  EXPECT_EQ(resolved[2], unlabelled);
  EXPECT_EQ(resolved[3], undefined);
  EXPECT_EQ(resolved[4], absolute);
}

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

// Where mm_forbids_zeropage() holds (or a vendor switch such as
// pvm_no_zero_page=1 does the same), do_anonymous_page() allocates a zeroed
// page on a read fault: resident, in Rss, and in Locked under VM_LOCKED.
TEST(ZeroPageForbidden, ReadFaultAndPopulateAllocatePages) {
  ModelConfig config;
  config.measured.read_fault_maps_zero_page = false;
  Model m(config);
  Op map{OpKind::kMmap, 0, 2 * 4096, uapi::kProtRead,
         uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace | uapi::kMapLocked};
  ASSERT_EQ(m.Apply(map).ret, static_cast<int64_t>(config.arena_base));
  EXPECT_EQ(m.pages()[0].residency, Residency::kPage);
  EXPECT_EQ(m.pages()[1].residency, Residency::kPage);
  EXPECT_EQ(m.Totals().rss_kb, 8u);
  EXPECT_EQ(m.Totals().locked_kb, 8u);
  Op plain{OpKind::kMmap, 4 * 4096, 4096, uapi::kProtRead | uapi::kProtWrite,
           uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace};
  m.Apply(plain);
  StepEffects fx;
  m.Apply(Op{OpKind::kReadTouch, 4 * 4096, 1}, &fx);
  EXPECT_EQ(m.pages()[4].residency, Residency::kPage);
  EXPECT_EQ(m.Totals().rss_kb, 12u);
  // A later write finds a page of its own: nothing to replace.
  StepEffects write_fx;
  m.Apply(Op{OpKind::kWriteTouch, 4 * 4096, 1}, &write_fx);
  EXPECT_EQ(write_fx.events[static_cast<size_t>(Event::kZeroPageReplaced)], 0u);
  EXPECT_EQ(m.Totals().rss_kb, 12u);
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

// do_cow_fault() runs vmf_anon_prepare() before __do_fault() finds the page
// beyond EOF: the write's SIGBUS leaves the VMA with an anon_vma, so the fork
// child gets a copy of the read-faulted page-cache pte (in its Rss).
TEST_F(ReferenceScenarioOracleTest, FailedCowFaultBeyondEofStillGivesTheVmaAnAnonVma) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), (Outcome{0, 0, uapi::kSigbus}));
  EXPECT_TRUE(model_.pages()[0].anon_vma);
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 4u);  // page 0's copied pte
}

// MADV_PAGEOUT may have dropped page 2's pte: the read may fault, and
// fault-around then maps page 3 from the shmem object, or may not. Page 3
// is left open: its mincore is not compared and Rss lies in a range.
TEST_F(ReferenceScenarioOracleTest, ReadAfterPageoutMayFaultAroundShmemNeighbours) {
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[3].open);
  EXPECT_EQ(model_.pages()[3].residency, Residency::kPage);
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_FALSE(predicted.resident_care.empty());
  EXPECT_EQ(predicted.resident_care[3], 0);
  EXPECT_LT(predicted.rss_min_kb, predicted.rss_kb);
}

TEST_F(ReferenceScenarioOracleTest, MremapOfAnUnfaultedVmaMergesAtItsNewPlace) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(4));
  EXPECT_EQ(model_.SpanOf(4, 28), Model::VmaSpan::kInside);
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[4].anon_vma, 0u);
  EXPECT_EQ(model_.pages()[31].anon_vma, model_.pages()[4].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[30].anon_vma, model_.pages()[4].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(29));
}

// Pages 0-4 get page 5's flags and merge with it before they are
// populated, so their faults take its anon_vma: pages 0-6 are one VMA.
TEST_F(ReferenceScenarioOracleTest, MprotectPopulatesEachVmaAfterItsMerge) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  const uint32_t id = model_.pages()[5].anon_vma;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[0].anon_vma, id);
  EXPECT_EQ(model_.pages()[6].anon_vma, id);
  EXPECT_EQ(Step(), AtPage(4));
}

// Pages 13-27 join the locked pages 10-12 (anon_vma of their mlock), not
// the write-only page 28's anon_vma: growth inside the VMA is ENOMEM.
TEST_F(ReferenceScenarioOracleTest, MlockallMergeBeatsAnAnonVmaOfADifferentlyProtectedNeighbour) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(28));
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[10].anon_vma, model_.pages()[28].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[20].anon_vma, model_.pages()[10].anon_vma);
  EXPECT_EQ(model_.pages()[0].anon_vma, model_.pages()[10].anon_vma);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

// Page 57's failed COW fault and page 54's COW give two anon_vmas; after
// munlockall() page 57 stays a VMA of its own, so its SIGBUS read does not
// map page 53, whose file page r5's populate brought into the page cache.
TEST_F(ReferenceScenarioOracleTest, FaultAroundStopsAtAVmaWithAnotherAnonVma) {
  EXPECT_EQ(Step(), AtPage(53));
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[57].anon_vma, 0u);
  EXPECT_NE(model_.pages()[54].anon_vma, model_.pages()[57].anon_vma);
  EXPECT_EQ(Step(), (Outcome{0, 0, uapi::kSigbus}));
  EXPECT_EQ(model_.pages()[53].residency, Residency::kNone);
}

// The munlock changes nothing, so the write gives pages 0-2 one anon_vma
// that page 1's mlock split keeps: one VMA again after munlockall().
TEST_F(ReferenceScenarioOracleTest, MunlockOfUnlockedPagesSplitsNothing) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  const uint32_t id = model_.pages()[2].anon_vma;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(model_.pages()[0].anon_vma, id);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[1].anon_vma, id);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(1));
}

// copy_vma() keeps the pgoff of a VMA that has an anon_vma: moved next to
// the rest of its old VMA it stays a VMA of its own, so mremap() across
// both is EFAULT.
TEST(MremapOracleTest, AFaultedVmaMovedNextToItsOldNeighbourStaysApart) {
  Model model(TestConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 16, uapi::kProtRead | uapi::kProtWrite, uapi::kMapPrivate | uapi::kMapAnonymous)),
            AtPage(0));
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  ASSERT_EQ(model.Apply(MremapPages(0, 4, 4, uapi::kMremapMaymove | uapi::kMremapFixed, 4)), AtPage(4));
  EXPECT_EQ(model.SpanOf(4, 5), Model::VmaSpan::kCrosses);
  EXPECT_EQ(model.Apply(MremapPages(7, 2, 3, 0)), Fails(uapi::kEfault));
}

}  // namespace
// mlock's COW write fault gives page 0's VMA an anon_vma; munlockall() may
// merge the rest of the mapping into it (is_mergeable_anon_vma()), and the
// merged VMA keeps it after page 0 is unmapped: the neighbours are left open
// from the merge on, so the child's copy of page 20's pte is allowed, not
// required.
TEST_F(ReferenceScenarioOracleTest, AnonVmaOutlivesTheNeighbourItMergedWith) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[0].anon_vma);
  EXPECT_FALSE(model_.pages()[1].anon_vma_open);  // a locked page 0 is its own VMA
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[1].anon_vma_open);
  EXPECT_FALSE(model_.pages()[1].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[20].anon_vma_open);  // outlives page 0
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 0u);
  EXPECT_EQ(predicted.fork_child->rss_open_kb, 4u);
}

// Only page 0 is COWed by mlockall(MCL_CURRENT); the PROT_NONE mprotect may
// merge pages 1-2 into its VMA, and the mlock2 split leaves them the
// anon_vma: their copied ptes are allowed (up to 12 kB), page 0's required.
TEST_F(ReferenceScenarioOracleTest, AnonVmaSurvivesAMergeAndTheNextSplit) {
  EXPECT_EQ(Step(), AtPage(13));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[13].anon_vma);
  EXPECT_FALSE(model_.pages()[14].anon_vma_open);  // other flags: another VMA
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[14].anon_vma_open);
  EXPECT_TRUE(model_.pages()[15].anon_vma_open);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 4u);
  EXPECT_EQ(predicted.fork_child->rss_open_kb, 8u);
}

// Page 6's VMA (locked) and page 0's get anon_vmas of their own; after the
// munlock they look alike but stay two VMAs, so the read of page 0 maps no
// page of page 6's VMA by fault-around.
TEST_F(ReferenceScenarioOracleTest, DistinctAnonVmasKeepAlikeVmasApart) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[0].anon_vma, 0u);
  EXPECT_NE(model_.pages()[6].anon_vma, 0u);
  EXPECT_NE(model_.pages()[0].anon_vma, model_.pages()[6].anon_vma);
  EXPECT_EQ(model_.pages()[5].anon_vma, model_.pages()[0].anon_vma);  // one VMA, one anon_vma
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(model_.SpanOf(0, 7), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[0].residency, Residency::kPage);
  EXPECT_EQ(model_.pages()[5].residency, Residency::kNone);  // never in the page cache
  EXPECT_EQ(model_.pages()[6].residency, Residency::kNone);  // cached, but another VMA
}

// Seams at pages 4 and 15 (the mprotect that changed nothing) and 22 (the
// second mlock) may be VMA boundaries; every fault still finds the anon_vma
// of the first write, so the pages stay one VMA for mremap.
TEST_F(ReferenceScenarioOracleTest, FaultsBeyondASeamShareTheVmasAnonVma) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  const uint32_t id = model_.pages()[4].anon_vma;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[22].anon_vma, id);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[15].anon_vma, id);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

// mlockall locks pages 7-11 between two locked VMAs with anon_vmas of
// their own: they join page 6's VMA and its anon_vma, not page 12's.
TEST_F(ReferenceScenarioOracleTest, MlockallMergesAVmaWithItsPredecessorsAnonVma) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[1].anon_vma, model_.pages()[12].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[7].anon_vma, model_.pages()[1].anon_vma);
  EXPECT_EQ(model_.pages()[13].anon_vma, model_.pages()[12].anon_vma);
  EXPECT_NE(model_.SpanOf(6, 6), Model::VmaSpan::kCrosses);
  // Not the VMA's end: no growth in place, and no MREMAP_MAYMOVE.
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

// A written private anonymous mapping keeps VM_ACCOUNT when it turns
// PROT_NONE, so it stays apart from its never-writable neighbour.
TEST_F(ReferenceScenarioOracleTest, MprotectKeepsTheChargeOfAFaultedAnonVma) {
  EXPECT_EQ(Step(), AtPage(1));
  EXPECT_TRUE(model_.pages()[1].account);
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_FALSE(model_.pages()[0].account);
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[1].anon_vma, 0u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[1].account);
  EXPECT_EQ(model_.SpanOf(0, 2), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), Fails(uapi::kEfault));
}

// Never written, it loses the charge (v6.7+) and merges: mremap grows it.
TEST_F(ReferenceScenarioOracleTest, MprotectUnchargesAnUnfaultedAnonVma) {
  EXPECT_EQ(Step(), AtPage(1));
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_FALSE(model_.pages()[1].account);
  EXPECT_NE(model_.SpanOf(0, 2), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), AtPage(0));
}

// v6.1 keeps the charge of any VMA made read-only: the two stay apart.
TEST(MprotectAccountTest, SixOneKeepsTheChargeOfAnUnfaultedAnonVma) {
  ModelConfig config = TestConfig();
  config.profile = *ProfileForRelease("6.1.0-27-cloud-amd64", nullptr);
  Model model(config);
  Scenario scenario;
  for (const Scenario& s : ReferenceScenarios()) {
    if (s.name == "MprotectUnchargesAnUnfaultedAnonVma") scenario = s;
  }
  ASSERT_EQ(scenario.ops.size(), 4u);
  for (size_t i = 0; i < 3; ++i) model.Apply(scenario.ops[i], nullptr);
  EXPECT_TRUE(model.pages()[1].account);
  EXPECT_EQ(model.Apply(scenario.ops[3], nullptr), Fails(uapi::kEfault));
}

}  // namespace mlc
