// Tests of the oracle's memcg reclaim rules (oracles/model/vmscan.cc, ref
// 65-68): expectations written out by hand from the cited rules, never by
// re-running the model.
#include <gtest/gtest.h>

#include "oracles/model.h"
#include "oracles/files.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr int kFileShared = uapi::kMapShared | uapi::kMapFixedNoreplace;

ModelConfig Config(bool swap) {
  ModelConfig config = BaseConfig(128);
  config.memcg_reclaim = true;
  config.swap_active = swap;
  config.page_flags = true;
  return config;
}

// The corpus scenarios' arena (TestConfig()), with reclaim, with or
// without swap, page flags observed.
ModelConfig ScenarioConfig(bool swap) {
  ModelConfig config = TestConfig();
  config.memcg_reclaim = true;
  config.swap_active = swap;
  config.page_flags = true;
  return config;
}

// Ref 68: memory_reclaim() answers the bytes written or -EAGAIN, and which
// is not the model's to know; both are allowed, nothing else.
TEST(ReclaimModelTest, AnAmountOfAPageOrMoreIsZeroOrEagain) {
  Model model(Config(/*swap=*/true));
  const Outcome expected = model.Apply(ReclaimOp(kPage));
  EXPECT_EQ(expected.or_err, uapi::kEagain);
  EXPECT_TRUE(OutcomeAllows(expected, Ok()));
  EXPECT_TRUE(OutcomeAllows(expected, Fails(uapi::kEagain)));
  EXPECT_FALSE(OutcomeAllows(expected, Fails(uapi::kEinval)));
  EXPECT_FALSE(OutcomeAllows(expected, Fails(4)));  // EINTR
}

// Ref 68: less than a page rounds down to nothing: the loop never runs, the
// write answers its length, nothing changes, even with swap.
TEST(ReclaimModelTest, LessThanAPageIsZeroAndChangesNothing) {
  Model model(Config(/*swap=*/true));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  StepEffects fx;
  const Outcome out = model.Apply(ReclaimOp(kPage - 1), &fx);
  EXPECT_EQ(out, Ok());
  EXPECT_EQ(out.or_err, 0);
  EXPECT_EQ(Count(fx, Event::kReclaimNothing), 1u);
  EXPECT_FALSE(model.pages()[0].open);
  EXPECT_FALSE(model.pages()[1].open);
}

// Ref 65: without swap no swap-backed page is scanned: private anonymous,
// shared anonymous and memfd pages all stay, residency determined.
TEST(ReclaimModelTest, WithoutSwapEveryArenaPageStays) {
  Model model(Config(/*swap=*/false));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, 4, 2, kRw, kAnonShared | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 8, 2, kRw, kFileShared | uapi::kMapPopulate)).err, 0);
  StepEffects fx;
  EXPECT_TRUE(OutcomeAllows(model.Apply(ReclaimOp(1 << 20), &fx), Ok()));
  EXPECT_EQ(Count(fx, Event::kReclaimKeptNoSwap), 6u);
  for (uint64_t i : {0, 1, 4, 5, 8, 9}) {
    EXPECT_EQ(model.pages()[i].residency, Residency::kPage) << i;
    EXPECT_FALSE(model.pages()[i].open) << i;
  }
  const Observation o = Predicted(model);
  EXPECT_TRUE(o.resident_care.empty());
  EXPECT_EQ(o.rss_kb, 24u);
}

// Ref 66, 67: with swap the unlocked pages may go (open: mincore, Rss and
// the page flags not compared), the locked ones stay resident, mlocked and
// counted in Locked.
TEST(ReclaimModelTest, WithSwapUnlockedPagesMayGoAndLockedOnesStay) {
  Model model(Config(/*swap=*/true));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 4, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 2, 1)), Ok());
  ASSERT_EQ(model.Apply(Mlock2Pages(3, 1, uapi::kMlockOnfault)), Ok());
  StepEffects fx;
  model.Apply(ReclaimOp(4 * kPage), &fx);
  EXPECT_EQ(Count(fx, Event::kReclaimOpen), 2u);
  EXPECT_EQ(Count(fx, Event::kReclaimKeptLocked), 2u);
  EXPECT_TRUE(model.pages()[0].open);
  EXPECT_TRUE(model.pages()[1].open);
  EXPECT_FALSE(model.pages()[2].open);
  EXPECT_FALSE(model.pages()[3].open);
  const Observation o = Predicted(model);
  ASSERT_EQ(o.resident_care.size(), model.pages().size());
  EXPECT_EQ(o.resident_care[0], 0);
  EXPECT_EQ(o.resident_care[2], 1);
  EXPECT_EQ(o.resident[2], 1);
  EXPECT_EQ(o.resident[3], 1);
  EXPECT_EQ(o.page_flags_care[0], 0);
  EXPECT_EQ(o.page_flags[2] & (kPfPresent | kPfMlocked), kPfPresent | kPfMlocked);
  EXPECT_EQ(o.page_flags[3] & (kPfPresent | kPfMlocked), kPfPresent | kPfMlocked);
  EXPECT_NE(o.page_flags_care[3] & kPfMlocked, 0);
  EXPECT_EQ(o.locked_min_kb, 8u);
  EXPECT_EQ(o.locked_max_kb, 8u);
}

// Ref 66: a memfd page mapped locked in one window and unlocked in the
// other is mlocked and on the unevictable list: reclaim keeps it, and the
// unlocked mapping's pte with it.
TEST(ReclaimModelTest, APageMappedLockedElsewhereKeepsEveryMapping) {
  Model model(Config(/*swap=*/true));
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 1, kRw, kFileShared | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 1, 0, 1, kRw, kFileShared | uapi::kMapLocked)).err, 0);
  StepEffects fx;
  model.Apply(ReclaimOp(kPage), &fx);
  EXPECT_EQ(Count(fx, Event::kReclaimOpen), 0u);
  EXPECT_FALSE(model.pages()[0].open);
  EXPECT_FALSE(model.pages()[kFileWindowPages].open);
  EXPECT_EQ(model.pages()[0].residency, Residency::kPage);
  const Observation o = Predicted(model);
  EXPECT_TRUE(o.resident_care.empty());
  EXPECT_EQ(o.page_flags[0] & kPfMlocked, kPfMlocked);
}

// The zero page is on no LRU list (vm_normal_folio() is NULL for it): it
// stays mapped with swap too.
TEST(ReclaimModelTest, ZeroPagesStayWithSwap) {
  Model model(Config(/*swap=*/true));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate)).err, 0);
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 0)), Ok());
  ASSERT_EQ(model.pages()[0].residency, Residency::kZeroPage);
  model.Apply(ReclaimOp(kPage));
  EXPECT_FALSE(model.pages()[0].open);
  EXPECT_EQ(model.pages()[0].residency, Residency::kZeroPage);
}

// The corpus scenario, with swap and without: the locked pages (0, the
// memfd page at 4 and 0x24, the ONFAULT page 8) stay, mlocked; page 1 is
// open with swap only.
TEST_F(ReferenceScenarioOracleTest, ReclaimKeepsEveryPageALockedVmaMaps) {
  for (bool swap : {false, true}) {
    model_ = Model(ScenarioConfig(swap));
    next_ = 0;
    EXPECT_EQ(Step(), AtPage(0));
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), AtPage(4));
    EXPECT_EQ(Step(), AtPage(0x24));
    EXPECT_EQ(Step(), AtPage(8));
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), Ok());
    const Outcome reclaimed = Step();
    EXPECT_TRUE(OutcomeAllows(reclaimed, Ok()));
    EXPECT_TRUE(OutcomeAllows(reclaimed, Fails(uapi::kEagain)));
    EXPECT_EQ(model_.pages()[1].open, swap);
    for (uint64_t i : {0, 4, 0x24, 8}) {
      EXPECT_FALSE(model_.pages()[i].open) << i;
      EXPECT_EQ(model_.pages()[i].residency, Residency::kPage) << i;
    }
    const Observation o = Predicted(model_);
    for (uint64_t i : {0, 4, 0x24, 8}) {
      EXPECT_EQ(o.page_flags[i] & (kPfPresent | kPfMlocked), kPfPresent | kPfMlocked) << i;
      EXPECT_NE(o.page_flags_care[i] & kPfMlocked, 0) << i;
    }
    // Locked: a PSS (ref 48): pages 0 and 8 whole, the memfd page half.
    if (swap) {
      EXPECT_TRUE(o.ranges);
      EXPECT_EQ(o.locked_min_kb, 10u);
      EXPECT_EQ(o.locked_max_kb, 10u);
    } else {
      EXPECT_EQ(o.locked_kb, 10u);
    }
  }
}

// The corpus scenario: the heap MCL_FUTURE locked and populated, unlocked
// by munlockall(), may be paged out with swap (ref 67), stays without.
TEST_F(ReferenceScenarioOracleTest, ReclaimMayPageOutTheUnlockedHeap) {
  for (bool swap : {false, true}) {
    model_ = Model(ScenarioConfig(swap));
    next_ = 0;
    EXPECT_EQ(Step(), Ok());
    Step();  // brk answers the new break
    ASSERT_EQ(model_.heap()[5].residency, Residency::kPage);
    EXPECT_EQ(Step(), Ok());
    EXPECT_TRUE(OutcomeAllows(Step(), Ok()));
    const Observation o = Predicted(model_);
    if (swap) {
      ASSERT_EQ(o.heap_resident_care.size(), model_.heap().size());
      for (size_t i = 0; i < 6; ++i) EXPECT_EQ(o.heap_resident_care[i], 0) << i;
      EXPECT_EQ(o.heap_rss_kb, 0u);
      EXPECT_EQ(o.heap_rss_open_kb, 24u);
    } else {
      EXPECT_TRUE(o.heap_resident_care.empty());
      EXPECT_EQ(o.heap_rss_kb, 24u);
      EXPECT_EQ(o.heap_rss_open_kb, 0u);
    }
  }
}

// The corpus scenario: the heap page reclaim may have taken is locked on
// fault and not populated: Locked 0 to 4 kB with swap, 4 kB without.
TEST_F(ReferenceScenarioOracleTest, AReclaimedHeapPageLockedOnFaultMayBeGone) {
  for (bool swap : {false, true}) {
    model_ = Model(ScenarioConfig(swap));
    next_ = 0;
    Step();  // brk answers the new break
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), Ok());
    EXPECT_TRUE(OutcomeAllows(Step(), Ok()));
    EXPECT_EQ(Step(), Ok());
    const Observation o = Predicted(model_);
    EXPECT_EQ(o.heap_locked_kb, swap ? 0u : 4u);
    EXPECT_EQ(o.heap_locked_open_kb, swap ? 4u : 0u);
  }
}

// The corpus scenario: the zapped shmem page is in no pte, so no VM_LOCKED
// mapping holds it: open with swap (ref 67), resident without (ref 65).
TEST_F(ReferenceScenarioOracleTest, ReclaimMayPageOutAShmemPageItsLockedVmaNoLongerMaps) {
  for (bool swap : {false, true}) {
    model_ = Model(ScenarioConfig(swap));
    next_ = 0;
    EXPECT_EQ(Step(), AtPage(0));
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), Ok());
    ASSERT_EQ(model_.pages()[0].residency, Residency::kNone);
    ASSERT_TRUE(model_.pages()[0].shm_cached);
    EXPECT_TRUE(OutcomeAllows(Step(), Ok()));
    EXPECT_EQ(model_.pages()[0].open, swap);
    const Observation o = Predicted(model_);
    if (swap) {
      ASSERT_FALSE(o.resident_care.empty());
      EXPECT_EQ(o.resident_care[0], 0);
    } else {
      EXPECT_TRUE(o.resident_care.empty());
      EXPECT_EQ(o.resident[0], 1);
    }
  }
}

// The corpus scenario: after reclaim with swap, the read faults the COW
// copy back in; the file's page 8, mapped only (without a pte) by r1 at
// arena page 8, stays open.
TEST_F(ReferenceScenarioOracleTest, SwapInOfACowCopyLeavesTheFilesPageAlone) {
  model_ = Model(ScenarioConfig(/*swap=*/true));
  EXPECT_EQ(Step(), AtPage(0x28));
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(OutcomeAllows(Step(), Ok()));
  EXPECT_TRUE(model_.ResidencyOpen(model_.pages()[8]));
  EXPECT_EQ(Step(), Ok());
  EXPECT_FALSE(model_.pages()[0x28].open);
  EXPECT_EQ(model_.pages()[0x28].residency, Residency::kPage);
  EXPECT_TRUE(model_.ResidencyOpen(model_.pages()[8]));
}

// The corpus scenario: page 0x37's pte (file page 23, locked) is open
// after MADV_PAGEOUT, so the page faulted in at 23 through r1 is not
// certainly mlocked: open with swap (ref 66, 67), kept without.
TEST_F(ReferenceScenarioOracleTest, ReclaimMayTakeAPageWhoseLockedPteWasPagedOut) {
  for (bool swap : {false, true}) {
    model_ = Model(ScenarioConfig(swap));
    next_ = 0;
    EXPECT_EQ(Step(), AtPage(0x2c));
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), Fails(uapi::kEnomem));
    EXPECT_EQ(Step(), AtPage(0x17));
    EXPECT_EQ(model_.pages()[0x37].lock, Lock::kLocked);
    EXPECT_TRUE(OutcomeAllows(Step(), Ok()));
    EXPECT_EQ(model_.pages()[0x17].open, swap);
  }
}

}  // namespace
}  // namespace mlc
