// Tests of the pure oracle (no kernel) for mlock, mlock2, munlock, mlockall
// and munlockall, and the lock transitions they report:
// each expectation below is written out by hand from the rule text of
// oracles/README.md ("ref N" is its rule N), never by re-running the model.
// Shared helpers: suite/testing/oracle_testing.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "oracles/model.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {

namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

using ::testing::Each;

constexpr int kCurrent = uapi::kMclCurrent;
constexpr int kFuture = uapi::kMclFuture;
constexpr int kMclOnfault = uapi::kMclOnfault;

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

}  // namespace
}  // namespace mlc
