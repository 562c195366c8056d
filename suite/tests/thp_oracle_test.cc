// Tests of the oracle's THP rules (--thp, ref 46): which PMD mappings the
// model adopts from the kernel, and what follows from them. Expectations are
// written out by hand from the cited rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/mutants.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr uint64_t kHuge = 512;  // 4 KiB pages in a PMD

ModelConfig ThpConfig() {
  ModelConfig config = BaseConfig(4 * kHuge);
  config.thp = true;
  config.page_flags = true;
  return config;
}

std::vector<ThpState> Ranges(ThpState first, ThpState second = ThpState::kNone) {
  return {first, second, ThpState::kNone, ThpState::kNone};
}


// A write fault at page 7 of a 2 MiB private mapping, which the kernel
// reports as a PMD-mapped THP.
Model FaultedThp(int flags = kAnonPrivate) {
  Model model(ThpConfig());
  model.Apply(MmapPages(0, 0, kHuge, kRw, flags));
  model.Apply(TouchPage(OpKind::kWriteTouch, 7));
  StepEffects fx;
  model.AdoptThp(Ranges(ThpState::kPmdThp), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpPmdMapped)], 1u);
  return model;
}

TEST(ThpOracleTest, AnAdoptedThpMakesAll512PagesResident) {
  const Model model = FaultedThp();
  EXPECT_EQ(model.thp()[0], ThpState::kPmdThp);
  const Observation o = Predicted(model);
  EXPECT_EQ(o.rss_kb, 2048u);
  EXPECT_EQ(o.anon_huge_kb, 2048u);
  EXPECT_EQ(o.locked_kb, 0u);
  for (uint64_t p = 0; p < kHuge; ++p) {
    EXPECT_EQ(o.resident[p], 1) << p;
    EXPECT_EQ(o.page_flags[p] & o.page_flags_care[p], kPfPresent | kPfThp) << p;
  }
  EXPECT_EQ(o.resident[kHuge], 0);
}

// mlock of the whole range: the THP is mlocked whole (mlock_pte_range()
// pmd case), Locked counts 2 MiB, the PMD stays.
TEST(ThpOracleTest, MlockOfTheWholeRangeLocksTheThpWhole) {
  Model model = FaultedThp();
  model.Apply(RangePages(OpKind::kMlock, 0, kHuge));
  StepEffects fx;
  model.AdoptThp(Ranges(ThpState::kPmdThp), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpLockedWhole)], 1u);
  const Observation o = Predicted(model);
  EXPECT_EQ(model.thp()[0], ThpState::kPmdThp);
  EXPECT_EQ(o.locked_kb, 2048u);
  EXPECT_EQ(o.vmlck_kb, 2048u);
  for (uint64_t p = 0; p < kHuge; ++p) {
    EXPECT_TRUE(o.page_flags_care[p] & kPfMlocked) << p;
    EXPECT_TRUE(o.page_flags[p] & kPfMlocked) << p;
  }
}

// MADV_DONTNEED of part of a THP: zap_pmd_range() splits the PMD and zaps
// the range's ptes; the rest stays a PTE-mapped large folio. Of all of it,
// zap_huge_pmd() unmaps the folio.
TEST(ThpOracleTest, MadvDontneedZapsPartOfATHPAfterSplittingItsPmdOrAllOfIt) {
  Model model = FaultedThp();
  StepEffects fx;
  EXPECT_EQ(model.Apply(MadvisePages(7, 2, uapi::kMadvDontneed), &fx), Outcome{});
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpZappedByMadvise)], 1u);
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
  Observation o = Predicted(model);
  EXPECT_EQ(o.rss_kb, 2048u - 8u);
  EXPECT_EQ(o.anon_huge_kb, 0u);
  EXPECT_EQ(o.resident[7], 0);
  EXPECT_EQ(o.resident[9], 1);
  EXPECT_TRUE(model.ThpFolio(9));
  Model whole = FaultedThp();
  EXPECT_EQ(whole.Apply(MadvisePages(0, kHuge, uapi::kMadvDontneed)), Outcome{});
  o = Predicted(whole);
  EXPECT_EQ(o.rss_kb, 0u);
  EXPECT_EQ(whole.thp()[0], ThpState::kNone);
  // The advice that would split the folio itself is not modelled here.
  EXPECT_NE(UnmodelledReason(whole, MadvisePages(0, 1, uapi::kMadvFree)), nullptr);
  EXPECT_EQ(UnmodelledReason(whole, MadvisePages(0, 1, uapi::kMadvWillneed)), nullptr);
}

// munlock of one page: a VMA boundary inside the THP splits its PMD; the
// folio is munlocked (folio_remove_rmap_pmd() -> munlock_vma_folio()), so
// the munlocked page is 0 and the pages still in the locked VMA "may be 0".
TEST(ThpOracleTest, MunlockOfOnePageSplitsThePmdAndLeavesTheRestMayBeZero) {
  Model model = FaultedThp();
  model.Apply(RangePages(OpKind::kMlock, 0, kHuge));
  model.AdoptThp(Ranges(ThpState::kPmdThp));
  StepEffects fx;
  model.Apply(RangePages(OpKind::kMunlock, 0, 1), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpSplitAtLockBoundary)], 1u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpSplitMlockOpen)], 1u);
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
  model.AdoptThp(Ranges(ThpState::kNone));
  const Observation o = Predicted(model);
  EXPECT_EQ(o.anon_huge_kb, 0u);
  EXPECT_EQ(o.rss_kb, 2048u);
  EXPECT_EQ(o.locked_kb, 2044u);
  EXPECT_EQ(o.vmlck_kb, 2044u);
  EXPECT_TRUE(o.page_flags_care[0] & kPfMlocked);
  EXPECT_FALSE(o.page_flags[0] & kPfMlocked);
  EXPECT_FALSE(o.page_flags_care[1] & kPfMlocked);
  EXPECT_FALSE(o.page_flags_care[kHuge - 1] & kPfMlocked);
  // KPF_THP of a split folio is open (the deferred split queue may break it up).
  EXPECT_FALSE(o.page_flags_care[1] & kPfThp);
}

// mprotect of exactly the range changes no VMA boundary inside it: the PMD
// stays (change_huge_pmd()); mprotect of half of it splits it.
TEST(ThpOracleTest, MprotectSplitsOnlyAtABoundaryInside) {
  Model model = FaultedThp();
  StepEffects whole;
  model.Apply(MprotectPages(0, kHuge, uapi::kProtRead), &whole);
  EXPECT_EQ(model.thp()[0], ThpState::kPmdThp);
  StepEffects half;
  model.Apply(MprotectPages(0, kHuge / 2, kRw), &half);
  EXPECT_EQ(half.events[static_cast<size_t>(Event::kThpSplitOther)], 1u);
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
}

// munmap of part of the THP unmaps those pages only; the rest stays resident.
TEST(ThpOracleTest, PartialMunmapSplitsAndKeepsTheRestResident) {
  Model model = FaultedThp();
  model.Apply(RangePages(OpKind::kMunmap, 0, 12));
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
  EXPECT_EQ(Predicted(model).rss_kb, (kHuge - 12) * 4);
}

// The kernel reports a PMD mapping over two VMAs (different protections):
// impossible (thp_vma_suitable_order()), so not adopted, and the thp
// channel diverges.
TEST(ThpOracleTest, APmdMappingAcrossAVmaBoundaryIsNotAdopted) {
  Model model(ThpConfig());
  model.Apply(MmapPages(0, 0, kHuge / 2, kRw, kAnonPrivate));
  model.Apply(MmapPages(1, kHuge / 2, kHuge / 2, uapi::kProtRead, kAnonPrivate));
  StepEffects fx;
  model.AdoptThp(Ranges(ThpState::kPmdThp), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpRejected)], 1u);
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
  Observation observed = Predicted(model);
  observed.thp = Ranges(ThpState::kPmdThp);
  EXPECT_FALSE(Compare(Predicted(model), observed, MunlockallOp(), model.config()).empty());
}

// Shared anonymous memory is shmem: no anonymous THP there.
TEST(ThpOracleTest, SharedMappingsGetNoAnonymousThp) {
  Model model(ThpConfig());
  model.Apply(MmapPages(0, 0, kHuge, kRw, kAnonShared));
  model.AdoptThp(Ranges(ThpState::kPmdThp));
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
}

// A PMD mapping that vanishes without a split is a divergence: the model
// keeps it.
TEST(ThpOracleTest, APmdMappingThatVanishesWithoutASplitIsKept) {
  Model model = FaultedThp();
  model.Apply(TouchPage(OpKind::kReadTouch, 3));
  StepEffects fx;
  model.AdoptThp(Ranges(ThpState::kNone), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpRejected)], 1u);
  EXPECT_EQ(model.thp()[0], ThpState::kPmdThp);
}

// The huge zero page (do_huge_pmd_anonymous_page() on a read fault): zero
// pages, in neither Rss nor AnonHugePages; a write splits it into small
// zero pages plus the written page (do_huge_pmd_wp_page() fallback).
TEST(ThpOracleTest, HugeZeroPageIsZeroPagesAndAWriteSplitsIt) {
  Model model(ThpConfig());
  model.Apply(MmapPages(0, 0, kHuge, kRw, kAnonPrivate));
  model.Apply(TouchPage(OpKind::kReadTouch, 0));
  model.AdoptThp(Ranges(ThpState::kHugeZero));
  EXPECT_EQ(model.thp()[0], ThpState::kHugeZero);
  Observation o = Predicted(model);
  EXPECT_EQ(o.rss_kb, 0u);
  EXPECT_EQ(o.anon_huge_kb, 0u);
  EXPECT_EQ(o.resident[kHuge - 1], 1);
  StepEffects fx;
  model.Apply(TouchPage(OpKind::kWriteTouch, 9), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpSplitOther)], 1u);
  model.AdoptThp(Ranges(ThpState::kNone));
  o = Predicted(model);
  EXPECT_EQ(o.rss_kb, 4u);
  EXPECT_EQ(model.pages()[8].residency, Residency::kZeroPage);
  EXPECT_EQ(model.pages()[9].residency, Residency::kPage);
}

// The huge zero page never replaces pages.
TEST(ThpOracleTest, HugeZeroPageOverARealPageIsNotAdopted) {
  Model model = FaultedThp();
  model.Apply(RangePages(OpKind::kMunmap, 0, kHuge));
  model.Apply(MmapPages(1, 0, kHuge, kRw, kAnonPrivate));
  model.Apply(TouchPage(OpKind::kWriteTouch, 1));
  model.AdoptThp(Ranges(ThpState::kHugeZero));
  EXPECT_EQ(model.thp()[0], ThpState::kNone);
}

// khugepaged collapsed the populated range before the mlock, whose lock
// boundary split the PMD again: the kernel shows a PTE-mapped large folio
// the model never saw. Pages the model held absent (zapped before) may be
// present now (the collapse refilled them) or not; on 6.12+ unlocked ones
// may be the zero page again; the locked pages stay resident and counted.
TEST(ThpOracleTest, ACollapseSplitWithinTheStepLeavesTheRangesResidencyOpen) {
  for (const char* release : {"6.18.0", "6.6.0"}) {
  SCOPED_TRACE(release);
  ModelConfig config = ThpConfig();
  config.profile = *ProfileForRelease(release, nullptr);
  Model model(config);
  model.Apply(MmapPages(0, 0, kHuge, kRw, kAnonPrivate | uapi::kMapPopulate));  // small pages
  ASSERT_EQ(model.Apply(MadvisePages(100, 50, uapi::kMadvDontneed)), Ok());
  ASSERT_EQ(model.pages()[120].residency, Residency::kNone);
  StepEffects fx;
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 200, 2), &fx), Ok());
  model.AdoptThp(Ranges(ThpState::kPteMapped), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpCollapseUnseen)], 1u);
  const Observation o = Predicted(model);
  const bool v612 = std::string(release) == "6.18.0";
  EXPECT_EQ(o.resident_care[120], 0);  // open: refilled by the collapse, or not
  EXPECT_EQ(o.resident_care.empty() ? 1 : o.resident_care[10], v612 ? 0 : 1);  // the zero page again (6.12+)?
  EXPECT_EQ(o.resident_care[200], 1);  // locked: resident
  EXPECT_EQ(o.resident[200], 1);
  EXPECT_EQ(o.page_flags_care[10] & kPfThp, 0);
  EXPECT_EQ(o.vmlck_kb, 8u);
  EXPECT_EQ(o.locked_min_kb, 8u);  // the two locked pages count whatever else is open
  EXPECT_EQ(o.thp[0], ThpState::kNone);
  EXPECT_EQ(o.anon_huge_kb, 0u);
  }
}

// A step that leaves the range one VMA (a read touch) cannot have split a
// collapse it did not see: a PTE-mapped large folio there is not adopted.
TEST(ThpOracleTest, ALargeFolioAfterAStepThatSplitsNothingIsNotAdopted) {
  Model model(ThpConfig());
  model.Apply(MmapPages(0, 0, kHuge, kRw, kAnonPrivate | uapi::kMapPopulate));
  StepEffects fx;
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 3), &fx), Ok());
  model.AdoptThp(Ranges(ThpState::kPteMapped), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpCollapseUnseen)], 0u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpRejected)], 1u);
}

// The same report where the range could not be collapsed when the step
// began (two VMAs over it) is not adopted: the page flags then diverge.
TEST(ThpOracleTest, ALargeFolioInARangeThatCouldNotCollapseIsNotAdopted) {
  Model model(ThpConfig());
  model.Apply(MmapPages(0, 0, kHuge, kRw, kAnonPrivate | uapi::kMapPopulate));
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 200, 2)), Ok());
  StepEffects fx;
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 3), &fx), Ok());
  model.AdoptThp(Ranges(ThpState::kPteMapped), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpRejected)], 1u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kThpCollapseUnseen)], 0u);
  const Observation o = Predicted(model);
  EXPECT_EQ(o.resident_care.empty() ? 1 : o.resident_care[10], 1);
  EXPECT_EQ(o.page_flags_care[10] & kPfThp, kPfThp);  // a small page: KPF_THP 0
}

// Without --thp the model has no ranges and adopts nothing.
TEST(ThpOracleTest, WithoutTheProfileThereAreNoRanges) {
  ModelConfig config = ThpConfig();
  config.thp = false;
  Model model(config);
  EXPECT_TRUE(model.thp().empty());
  model.AdoptThp(Ranges(ThpState::kPmdThp));
  EXPECT_TRUE(Predicted(model).thp.empty());
}

// The mutant: the simulated kernel keeps the split folio mlocked, and the
// munlocked page shows it.
TEST(ThpOracleTest, TheSplitKeepsMlockedMutantShowsInThePageFlags) {
  ModelConfig config = ThpConfig();
  config.thp_simulate = true;
  config.planted_bug = PlantedBug::kThpSplitKeepsMlocked;
  Model kernel(config);
  kernel.Apply(MmapPages(0, 0, kHuge, kRw, kAnonPrivate | uapi::kMapLocked));
  EXPECT_EQ(kernel.thp()[0], ThpState::kPmdThp);
  kernel.Apply(RangePages(OpKind::kMunlock, 0, 1));
  EXPECT_TRUE(Predicted(kernel).page_flags[0] & kPfMlocked);
  EXPECT_TRUE(IsThpMutant(PlantedBug::kThpSplitKeepsMlocked));
}

}  // namespace
}  // namespace mlc
