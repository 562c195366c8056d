// Oracle tests of the RLIMIT_MEMLOCK and CAP_IPC_LOCK rules (no kernel).
// Every expectation is written out from the rule's source: mm/mlock.c
// can_do_mlock(), do_mlock(), count_mm_mlocked_page_nr(), SYSCALL mlockall;
// mm/mmap.c do_mmap(), mlock_future_ok(); kernel/sys.c do_prlimit(); and
// mlock(2), mmap(2), setrlimit(2). "ref N" is rule N of oracles/README.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/op.h"
#include "suite/lib/limit_scenarios.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr uint64_t kOutsideLockable = 100;
constexpr uint64_t kOutsideTotal = 150;
constexpr int kR = uapi::kProtRead;
constexpr int kLocked = kAnonPrivate | uapi::kMapLocked;

Outcome Mapped(uint64_t page) { return {static_cast<int64_t>(kBase + page * kPage), 0, 0}; }

// An unprivileged caller (no CAP_IPC_LOCK, no CAP_SYS_RESOURCE) with
// RLIMIT_MEMLOCK `cur`/`max` bytes.
ModelConfig Unprivileged(uint64_t cur, uint64_t max = uapi::kRlimInfinity) {
  ModelConfig config = BaseConfig();
  config.outside_lockable_pages = kOutsideLockable;
  config.outside_total_pages = kOutsideTotal;
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

// --- LimitScenarios(), step by step ----------------------------------------

// As root without CAP_SYS_RESOURCE under an 8 MiB limit (the CI machine);
// each scenario drops CAP_IPC_LOCK and lowers the limit itself.
class LimitScenarioOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (const Scenario& s : LimitScenarios()) {
      if (s.name == name) ops_ = s.ops;
    }
    ASSERT_FALSE(ops_.empty()) << "no limit scenario named " << name;
    // Every scenario starts unprivileged under its own limit.
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), Ok());
    EXPECT_FALSE(model_.cap_ipc_lock());
  }
  void TearDown() override {
    EXPECT_EQ(next_, ops_.size()) << "the test does not check every step of its scenario";
  }
  Outcome Step(StepEffects* fx = nullptr) {
    if (next_ >= ops_.size()) {
      ADD_FAILURE() << "the scenario has only " << ops_.size() << " steps";
      return {};
    }
    return model_.Apply(ops_[next_++], fx);
  }
  static ModelConfig Config() {
    ModelConfig config = Unprivileged(8u << 20, 8u << 20);
    config.cap_ipc_lock = true;
    return config;
  }
  Model model_{Config()};
  std::vector<Op> ops_;
  size_t next_ = 0;
};

TEST(LimitScenarioCoverageTest, EveryLimitScenarioHasAHandWrittenExpectation) {
  std::set<std::string> tested;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    if (std::string(suite->name()) != "LimitScenarioOracleTest") continue;
    for (int j = 0; j < suite->total_test_count(); ++j) tested.insert(suite->GetTestInfo(j)->name());
  }
  for (const Scenario& s : LimitScenarios()) {
    EXPECT_EQ(tested.count(s.name), 1u) << "no oracle expectation for limit scenario " << s.name;
  }
}

TEST_F(LimitScenarioOracleTest, ZeroLimitMakesEveryLockingCallEperm) {
  EXPECT_EQ(Step(), Mapped(0));
  EXPECT_EQ(Step(), Fails(uapi::kEperm));   // mlock(a, 0): before the len == 0 return
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // mlock2 flags first (ref 1)
  EXPECT_EQ(Step(), Fails(uapi::kEperm));
  EXPECT_EQ(Step(), Fails(uapi::kEperm));   // mlockall, after its flag check
  EXPECT_EQ(Step(), Fails(uapi::kEperm));   // MAP_LOCKED
  EXPECT_FALSE(model_.pages()[4].mapped);
  EXPECT_EQ(Step(), Ok());                  // munlock
  EXPECT_EQ(Step(), Ok());                  // munlockall
  EXPECT_EQ(model_.LockedVmPages(), 0u);
}

TEST_F(LimitScenarioOracleTest, MlockOverTheLimitDiscountsPagesAlreadyLocked) {
  EXPECT_EQ(Step(), Mapped(0));
  EXPECT_EQ(Step(), Ok());  // 4 ONFAULT pages: 4 <= 4
  StepEffects fx;
  EXPECT_EQ(Step(&fx), Ok());  // 4 + 4 > 4, minus the 4 already locked
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kMlockFitAfterDiscount)], 1u);
  EXPECT_EQ(LockOf(model_, 0), Lock::kLocked);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // pages 2-5: 4 + 4 - 2 > 4
  EXPECT_EQ(LockOf(model_, 4), Lock::kNone);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // mlock2(page 4): 1 + 4 > 4
  EXPECT_EQ(Step(), Ok());                  // limit lowered to 2 pages; nothing unlocked
  EXPECT_EQ(model_.LockedVmPages(), 4u);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // length 0: 0 + 4 > 2 (ref 7b)
  EXPECT_EQ(Step(), Ok());                  // munlock is not limited
  EXPECT_EQ(Step(), Ok());                  // page 0: 1 + locked_vm 1 (page 3) <= 2
  EXPECT_EQ(model_.LockedVmPages(), 2u);
}

TEST_F(LimitScenarioOracleTest, LimitCheckPrecedesWrapAroundEinvalAndTheHoleWalk) {
  EXPECT_EQ(Step(), Fails(uapi::kEinval));  // 2 pages fit: apply_vma_lock_flags() says EINVAL
  EXPECT_EQ(Step(), Mapped(0));
  EXPECT_EQ(Step(), Mapped(4));
  // 6 > 3: ENOMEM before the walk, so the pages before the hole stay unlocked.
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(LockOf(model_, 0), Lock::kNone);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // wrap-around: 2 + 2 > 3 comes first
}

TEST_F(LimitScenarioOracleTest, MlockallCurrentOverTheLimitChangesNothing) {
  EXPECT_EQ(Step(), Mapped(0));
  EXPECT_EQ(Step(), Ok());  // MCL_FUTURE: not checked at call time
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // total_vm 152 > 4
  EXPECT_EQ(model_.future_lock(), Lock::kLocked);  // def_flags kept
  EXPECT_EQ(LockOf(model_, 0), Lock::kNone);
  EXPECT_EQ(Step(), Mapped(4));  // locked by MCL_FUTURE: 2 + 0 <= 4
  EXPECT_EQ(LockOf(model_, 4), Lock::kLocked);
}

TEST_F(LimitScenarioOracleTest, LockedMmapOverTheLimitIsEagain) {
  EXPECT_EQ(Step(), Fails(uapi::kEagain));  // 5 > 4
  EXPECT_EQ(Step(), Mapped(0));
  StepEffects fx;
  EXPECT_EQ(Step(&fx), Fails(uapi::kEagain));  // 4 + 4 counted before the unmap
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kMapFixedEagainOverOwnLocked)], 1u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEagain));  // MCL_FUTURE: 5 > 4
  EXPECT_EQ(Step(), Mapped(8));
  EXPECT_EQ(LockOf(model_, 8), Lock::kLocked);
  EXPECT_EQ(model_.LockedVmPages(), 4u);
}

TEST_F(LimitScenarioOracleTest, LockedMremapGrowthOverTheLimitIsEagain) {
  EXPECT_EQ(Step(), Mapped(0));  // 3 <= 4
  StepEffects fx;
  EXPECT_EQ(Step(&fx), Fails(uapi::kEagain));  // 3 + 2 > 4
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kMremapOverLimit)], 1u);
  EXPECT_FALSE(model_.pages()[3].mapped);
  EXPECT_EQ(Step(), Mapped(0));                // 3 + 1 <= 4, grown in place
  EXPECT_EQ(model_.pages()[3].residency, Residency::kPage);  // populated (ref 59)
  EXPECT_EQ(Step(), Fails(uapi::kEagain));     // a move that grows is checked too
  EXPECT_FALSE(model_.pages()[8].mapped);
  EXPECT_EQ(Step(), Mapped(8));                // a pure move adds nothing
  EXPECT_EQ(LockOf(model_, 11), Lock::kLocked);
  EXPECT_EQ(model_.LockedVmPages(), 4u);
}

TEST_F(LimitScenarioOracleTest, SoftAboveHardIsEinvalAndTheHardLimitOnlyGoesDown) {
  EXPECT_EQ(Step(), Fails(uapi::kEinval));
  EXPECT_EQ(Step(), Fails(uapi::kEperm));  // no CAP_SYS_RESOURCE
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.memlock_cur(), kPage);
}

// --- Further rules ----------------------------------------------------------

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
  EXPECT_EQ(m.Apply(WrapAround(OpKind::kMlock)), Fails(uapi::kEnomem));
  // munlock has no limit check: wrap-around stays EINVAL.
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

TEST(MmapLimitModelTest, MclFutureMmapOverTheLimitIsEagainButNotEperm) {
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
  // The sequence file's forms (oracles/sequence_text.cc): the soft and the
  // hard limit in bytes; capset drops CAP_IPC_LOCK.
  EXPECT_EQ(OpString(SetMemlockLimitOp(0x4000, uapi::kRlimInfinity)), "prlimit64(0x4000, 0xffffffffffffffff)");
  EXPECT_EQ(OpString(DropCapIpcLockOp()), "capset()");
}

}  // namespace
}  // namespace mlc
