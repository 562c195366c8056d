// Oracle tests of the RLIMIT_MEMLOCK and CAP_IPC_LOCK rules (no kernel).
// Every expectation is written out from the rule's source: mm/mlock.c
// can_do_mlock(), do_mlock(), count_mm_mlocked_page_nr(), SYSCALL mlockall;
// mm/mmap.c do_mmap(), mlock_future_ok(); kernel/sys.c do_prlimit(); and
// mlock(2), mmap(2), setrlimit(2). "ref N" is rule N of the semantics reference.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/op.h"
#include "suite/scenarios.h"

namespace mlc {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBase = 0x100000000000;
constexpr uint64_t kOutsideLockable = 100;
constexpr uint64_t kOutsideTotal = 150;
constexpr int kR = uapi::kProtRead;
constexpr int kLocked = kAnonPrivate | uapi::kMapLocked;

Outcome Ok() { return {0, 0, 0}; }
Outcome Mapped(uint64_t page) { return {static_cast<int64_t>(kBase + page * kPage), 0, 0}; }
Outcome Fails(int err) { return {-1, err, 0}; }

// An unprivileged caller (no CAP_IPC_LOCK, no CAP_SYS_RESOURCE) with
// RLIMIT_MEMLOCK `cur`/`max` bytes.
ModelConfig Unprivileged(uint64_t cur, uint64_t max = uapi::kRlimInfinity) {
  ModelConfig config;
  config.page_size = kPage;
  config.arena_base = kBase;
  config.arena_pages = 64;
  config.outside_lockable_pages = kOutsideLockable;
  config.outside_total_pages = kOutsideTotal;
  config.profile = ProfileForRelease("6.18.0", nullptr).value();
  config.cap_ipc_lock = false;
  config.cap_sys_resource = false;
  config.memlock_cur = cur;
  config.memlock_max = max;
  return config;
}

Op Bytes(OpKind kind, uint64_t offset, uint64_t len) {
  Op op = RangePages(kind, 0, 0);
  op.addr = offset;
  op.len = len;
  return op;
}
Op WrapAround(OpKind kind) {
  Op op = Bytes(kind, 0 - kPage, 2 * kPage);
  op.region = kAbsoluteAddr;
  return op;
}
Lock LockOf(const Model& m, uint64_t page) { return m.pages()[page].lock; }

// --- EPERM: can_do_mlock() ------------------------------------------------

TEST(LimitZeroModelTest, EveryLockingCallIsEpermEvenWithZeroLength) {
  Model m(Unprivileged(0, 0));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate)), Mapped(0));
  // do_mlock(): can_do_mlock() precedes the rounding and the len == 0 return.
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 0)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 2, uapi::kMlockOnfault)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(WrapAround(OpKind::kMlock)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclFuture)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(MmapPages(1, 4, 1, kRw, kLocked)), Fails(uapi::kEperm));
  EXPECT_EQ(m.LockedVmPages(), 0u);
  EXPECT_FALSE(m.pages()[4].mapped);
}

TEST(LimitZeroModelTest, MunlockAndMunlockallNeverFailWithEperm) {
  Model m(Unprivileged(0, 0));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMunlock, 0, 2)), Ok());
  EXPECT_EQ(m.Apply(MunlockallOp()), Ok());
}

TEST(LimitZeroModelTest, FlagChecksComeBeforeEperm) {
  Model m(Unprivileged(0, 0));
  // SYSCALL mlock2: flags first (ref 1); SYSCALL mlockall: flags first (ref 3).
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 1, 0x2)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MlockallOp(0)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclOnfault)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MlockallOp(0x8 | uapi::kMclCurrent)), Fails(uapi::kEinval));
}

TEST(LimitZeroModelTest, Before52MlockallOnFaultAloneIsEpermNotMunlockall) {
  ModelConfig config = Unprivileged(0, 0);
  config.profile = ProfileForRelease("5.1.0", nullptr).value();
  Model m(config);
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclOnfault)), Fails(uapi::kEperm));
}

TEST(LimitZeroModelTest, MmapChecksEinvalAndEexistBeforeEperm) {
  Model m(Unprivileged(0, 0));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate)), Mapped(0));
  Op zero = MmapPages(1, 4, 0, kRw, kLocked);
  EXPECT_EQ(m.Apply(zero), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MmapPages(1, 1, 2, kRw, kLocked)), Fails(uapi::kEexist));
  Op unaligned = MmapPages(1, 4, 1, kRw, kLocked);
  unaligned.addr += 1;
  EXPECT_EQ(m.Apply(unaligned), Fails(uapi::kEinval));
}

TEST(LimitZeroModelTest, CapIpcLockMakesAZeroLimitIrrelevant) {
  ModelConfig config = Unprivileged(0, 0);
  config.cap_ipc_lock = true;
  Model m(config);
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kLocked)), Mapped(0));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 4)), Ok());
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent)), Ok());
  EXPECT_EQ(m.LockedVmPages(), 4 + kOutsideLockable);
}

TEST(LimitZeroModelTest, ALimitBelowOnePageIsNotEpermButFailsAsOverTheLimit) {
  // can_do_mlock() tests the limit in bytes, do_mlock() in pages.
  Model m(Unprivileged(100, 100));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 1)), Fails(uapi::kEnomem));
  EXPECT_EQ(m.Apply(MmapPages(1, 2, 1, kRw, kLocked)), Fails(uapi::kEagain));
  // A zero length adds nothing: 0 + locked_vm 0 <= 0 pages.
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 0)), Ok());
}

// --- ENOMEM from mlock/mlock2: do_mlock() ------------------------------------

TEST(MlockLimitModelTest, OverTheLimitIsEnomemWithNothingChanged) {
  Model m(Unprivileged(4 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 8, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 5)), Fails(uapi::kEnomem));
  EXPECT_EQ(m.LockedVmPages(), 0u);
  EXPECT_EQ(m.RssKb(), 0u);
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 4)), Ok());
  EXPECT_EQ(m.LockedVmPages(), 4u);
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 4, 1)), Fails(uapi::kEnomem));
}

TEST(MlockLimitModelTest, PagesAlreadyLockedInTheRangeAreDiscounted) {
  // ref 7a: 4 + 4 > 4, minus the 4 already locked = 4 <= 4.
  Model m(Unprivileged(4 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 8, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 4, uapi::kMlockOnfault)), Ok());
  StepEffects fx;
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 4), &fx), Ok());
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kMlockFitAfterDiscount)], 1u);
  EXPECT_EQ(LockOf(m, 0), Lock::kLocked);
  // Two locked plus two new pages: 4 + 4 - 2 = 6 > 4.
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 2, 4)), Fails(uapi::kEnomem));
  EXPECT_EQ(LockOf(m, 4), Lock::kNone);
}

TEST(MlockLimitModelTest, OnceLockedVmExceedsALoweredLimitEveryMlockFails) {
  // ref 7b: the discount cannot bring locked_vm itself under the limit.
  Model m(Unprivileged(8 * kPage, 8 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kLocked)), Mapped(0));
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(2 * kPage, 2 * kPage)), Ok());
  EXPECT_EQ(m.LockedVmPages(), 4u);  // lowering the limit unlocks nothing
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 1)), Fails(uapi::kEnomem));
  EXPECT_EQ(m.Apply(Mlock2Pages(0, 1, uapi::kMlockOnfault)), Fails(uapi::kEnomem));
  EXPECT_EQ(LockOf(m, 0), Lock::kLocked);
  // Even an empty range: locked = 0 + 4 > 2, nothing to discount.
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 0)), Fails(uapi::kEnomem));
  // munlock is not limited, and brings locked_vm back under it.
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMunlock, 0, 3)), Ok());
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 1)), Ok());
}

TEST(MlockLimitModelTest, TheLimitCheckComesBeforeWrapAroundEinvalAndTheHoleWalk) {
  Model m(Unprivileged(3 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(MmapPages(1, 4, 2, kRw, kAnonPrivate)), Mapped(4));
  // 6 pages over a limit of 3: ENOMEM before apply_vma_lock_flags() walks,
  // so pages 0-2 stay unlocked (a hole ENOMEM would have locked them).
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 6)), Fails(uapi::kEnomem));
  EXPECT_EQ(LockOf(m, 0), Lock::kNone);
  // Wrap-around: 2 pages fit a limit of 3, so apply_vma_lock_flags() says EINVAL ...
  EXPECT_EQ(m.Apply(WrapAround(OpKind::kMlock)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Ok());
  // ... but with 2 pages locked, 2 + 2 > 3 makes it ENOMEM.
  EXPECT_EQ(m.Apply(WrapAround(OpKind::kMlock)), Fails(uapi::kEnomem));
  EXPECT_EQ(m.Apply(WrapAround(OpKind::kMunlock)), Fails(uapi::kEinval));
}

TEST(MlockLimitModelTest, UnderAGenerousLimitAHoleStillChangesTheVmasBeforeIt) {
  Model m(Unprivileged(10 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(MmapPages(1, 4, 2, kRw, kAnonPrivate)), Mapped(4));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 6)), Fails(uapi::kEnomem));
  EXPECT_EQ(LockOf(m, 2), Lock::kLocked);
  EXPECT_EQ(LockOf(m, 4), Lock::kNone);
}

TEST(MlockLimitModelTest, TheExecutorsOwnLockedPagesCountAgainstTheLimit) {
  // locked_vm includes everything mlockall(MCL_CURRENT) locked outside the arena.
  ModelConfig config = Unprivileged(uapi::kRlimInfinity);
  config.cap_ipc_lock = true;
  config.memlock_cur = config.memlock_max = (kOutsideLockable + 2) * kPage;
  Model m(config);
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent)), Ok());
  EXPECT_EQ(m.Apply(DropCapIpcLockOp()), Ok());
  EXPECT_FALSE(m.cap_ipc_lock());
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent)), Fails(uapi::kEnomem));  // total_vm 154 > 102
  EXPECT_EQ(m.Apply(SetMemlockLimitOp((kOutsideTotal + 4) * kPage, (kOutsideTotal + 4) * kPage)),
            Fails(uapi::kEperm));  // raising the hard limit needs CAP_SYS_RESOURCE
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 2)), Ok());
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 2, 1)), Fails(uapi::kEnomem));
}

// --- mlockall(MCL_CURRENT) against total_vm ---------------------------------

TEST(MlockallLimitModelTest, CurrentComparesTotalVmNotLockedVm) {
  // ref 10: 150 outside + 4 arena pages = 154 mapped pages.
  Model m(Unprivileged(153 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, uapi::kProtNone, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.TotalVmPages(), 154u);
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent | uapi::kMclFuture)), Fails(uapi::kEnomem));
  // Nothing changed, def_flags included.
  EXPECT_EQ(m.future_lock(), Lock::kNone);
  EXPECT_EQ(m.LockedVmPages(), 0u);
  // MCL_FUTURE alone is not checked at call time.
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclFuture)), Ok());
  EXPECT_EQ(m.future_lock(), Lock::kLocked);
  // A failed MCL_CURRENT keeps the earlier MCL_FUTURE.
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent)), Fails(uapi::kEnomem));
  EXPECT_EQ(m.future_lock(), Lock::kLocked);
}

TEST(MlockallLimitModelTest, CurrentFitsWhenTotalVmEqualsTheLimit) {
  Model m(Unprivileged(154 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclCurrent | uapi::kMclOnfault)), Ok());
  EXPECT_EQ(m.LockedVmPages(), 4 + kOutsideLockable);
}

// --- EAGAIN from locked mmaps: mlock_future_ok() -----------------------------

TEST(MmapLimitModelTest, MapLockedOverTheLimitIsEagain) {
  Model m(Unprivileged(4 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 5, kRw, kLocked)), Fails(uapi::kEagain));
  EXPECT_FALSE(m.pages()[0].mapped);
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kLocked)), Mapped(0));
  EXPECT_EQ(m.Apply(MmapPages(1, 8, 1, kRw, kLocked)), Fails(uapi::kEagain));
  // Unlocked mappings are not limited.
  EXPECT_EQ(m.Apply(MmapPages(1, 8, 16, kRw, kAnonPrivate)), Mapped(8));
}

TEST(MmapLimitModelTest, McLFutureMmapOverTheLimitIsEagainButNotEperm) {
  Model m(Unprivileged(2 * kPage));
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclFuture | uapi::kMclOnfault)), Ok());
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 3, uapi::kProtNone, kAnonPrivate)), Fails(uapi::kEagain));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 2, uapi::kProtNone, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(LockOf(m, 0), Lock::kOnFault);
  // The limit lowered to 0 afterwards: def_flags still lock, EAGAIN not EPERM.
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(0, 2 * kPage)), Ok());
  EXPECT_EQ(m.Apply(MmapPages(1, 4, 1, kRw, kAnonPrivate)), Fails(uapi::kEagain));
  EXPECT_EQ(m.Apply(MmapPages(1, 4, 1, kRw, kLocked)), Fails(uapi::kEperm));
}

TEST(MmapLimitModelTest, MapFixedOverOwnLockedPagesCountsThemBeforeTheUnmap) {
  // ref 12: locked_vm + len before the old pages go, so EAGAIN although
  // the result (4 locked pages) would fit.
  Model m(Unprivileged(4 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kLocked)), Mapped(0));
  StepEffects fx;
  const Op replace = MmapPages(1, 0, 4, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed |
                                                 uapi::kMapLocked);
  EXPECT_EQ(m.Apply(replace, &fx), Fails(uapi::kEagain));
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kMapFixedEagainOverOwnLocked)], 1u);
  EXPECT_EQ(LockOf(m, 0), Lock::kLocked);
  EXPECT_TRUE(m.MlockFutureOk(Lock::kNone, 100 * kPage));
  EXPECT_FALSE(m.MlockFutureOk(Lock::kLocked, kPage));
  EXPECT_FALSE(m.MlockFutureOk(Lock::kOnFault, kPage));
}

// --- prlimit64(RLIMIT_MEMLOCK): do_prlimit() --------------------------------

TEST(SetLimitModelTest, SoftAboveHardIsEinvalBeforeTheHardLimitCheck) {
  Model m(Unprivileged(4 * kPage, 8 * kPage));
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(16 * kPage, 8 * kPage)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(32 * kPage, 16 * kPage)), Fails(uapi::kEinval));
  EXPECT_EQ(m.memlock_cur(), 4 * kPage);
}

TEST(SetLimitModelTest, RaisingTheHardLimitNeedsCapSysResource) {
  Model m(Unprivileged(4 * kPage, 8 * kPage));
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(8 * kPage, 8 * kPage)), Ok());
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(8 * kPage, 9 * kPage)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(kPage, 2 * kPage)), Ok());  // lowering needs nothing
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(kPage, 8 * kPage)), Fails(uapi::kEperm));  // and sticks
  EXPECT_EQ(m.memlock_max(), 2 * kPage);

  ModelConfig config = Unprivileged(4 * kPage, 8 * kPage);
  config.cap_sys_resource = true;
  Model privileged(config);
  EXPECT_EQ(privileged.Apply(SetMemlockLimitOp(uapi::kRlimInfinity, uapi::kRlimInfinity)), Ok());
}

TEST(SetLimitModelTest, RaisingTheLimitMidSequenceAllowsWhatFailedBefore) {
  Model m(Unprivileged(0, 16 * kPage));
  EXPECT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kAnonPrivate)), Mapped(0));
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 4)), Fails(uapi::kEperm));
  EXPECT_EQ(m.Apply(SetMemlockLimitOp(16 * kPage, 16 * kPage)), Ok());
  EXPECT_EQ(m.Apply(RangePages(OpKind::kMlock, 0, 4)), Ok());
  EXPECT_EQ(m.LockedVmPages(), 4u);
}

TEST(SetLimitModelTest, OpsPrintAsTheSyscalls) {
  EXPECT_EQ(OpString(SetMemlockLimitOp(0x4000, uapi::kRlimInfinity)),
            "prlimit64(0, RLIMIT_MEMLOCK, {cur=0x4000, max=RLIM_INFINITY}, NULL)");
  EXPECT_EQ(OpString(DropCapIpcLockOp()), "capset(effective, permitted -= CAP_IPC_LOCK)");
}

}  // namespace
}  // namespace mlc
