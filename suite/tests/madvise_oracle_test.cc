// Tests of the oracle's madvise rules (mm/madvise.c, ref 60): expectations
// written out by hand from the cited rules, never by re-running the model.
#include <gtest/gtest.h>

#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr int kShared = uapi::kMapShared | uapi::kMapFixedNoreplace;

ModelConfig Config(const char* release = "6.18.0") {
  ModelConfig config = BaseConfig(128, release);
  return config;
}


// Ref 60: madvise_walk_vmas() advises VMAs in order; the locked VMA's
// madvise_dontneed_free_valid_vma() answers EINVAL after the unlocked VMA
// before it was already zapped; the locked pages stay.
TEST(MadviseModelTest, DontneedZapsTheUnlockedVmaThenFailsOnTheLockedOne) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 4, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 2, 2)), Ok());
  StepEffects fx;
  EXPECT_EQ(model.Apply(MadvisePages(0, 4, uapi::kMadvDontneed), &fx), Fails(uapi::kEinval));
  EXPECT_EQ(model.pages()[0].residency, Residency::kNone);
  EXPECT_EQ(model.pages()[1].residency, Residency::kNone);
  EXPECT_EQ(model.pages()[2].residency, Residency::kPage);
  EXPECT_EQ(model.pages()[3].residency, Residency::kPage);
  EXPECT_EQ(model.RssKb(), 8u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kMadvPartialEinval)], 1u);
}

// MADV_FREE, MADV_COLD and MADV_PAGEOUT reject VM_LOCKED the same way
// (madvise_dontneed_free_valid_vma(), can_madv_lru_vma()); ONFAULT is
// VM_LOCKED too.
TEST(MadviseModelTest, LruAndFreeAdviceAreEinvalOnLockedAndOnFaultVmas) {
  for (int advice : {uapi::kMadvFree, uapi::kMadvCold, uapi::kMadvPageout, uapi::kMadvDontneed}) {
    Model model(Config());
    ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate)).err, 0);
    ASSERT_EQ(model.Apply(Mlock2Pages(0, 2, uapi::kMlockOnfault)), Ok());
    EXPECT_EQ(model.Apply(MadvisePages(0, 2, advice)), Fails(uapi::kEinval)) << advice;
  }
}

// 9457056ac426: MADV_DONTNEED_LOCKED zaps locked pages; lo and VmLck stay,
// Rss and Locked drop; EINVAL before 5.18 (madvise_behavior_valid()).
TEST(MadviseModelTest, DontneedLockedZapsLockedPagesKeepingLoAndVmLck) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(model.LockedKb(), 12u);
  EXPECT_EQ(model.Apply(MadvisePages(0, 3, uapi::kMadvDontneedLocked)), Ok());
  EXPECT_EQ(model.RssKb(), 0u);
  EXPECT_EQ(model.LockedKb(), 0u);
  EXPECT_EQ(model.VmLckKb(), 12u);
  EXPECT_EQ(model.pages()[1].lock, Lock::kLocked);
  // The next fault of the locked VMA maps and mlocks a page again.
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 1)), Ok());
  EXPECT_EQ(model.LockedKb(), 4u);
  EXPECT_TRUE(model.PageMlocked(1));

  Model old(Config("5.17.0"));
  ASSERT_EQ(old.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(old.Apply(MadvisePages(0, 1, uapi::kMadvDontneedLocked)), Fails(uapi::kEinval));
  EXPECT_EQ(old.RssKb(), 4u);
}

// MADV_DONTNEED of a private file mapping drops the COW copy and the pte;
// mincore then answers from the page cache (ref 47), Rss is 0.
TEST(MadviseModelTest, DontneedOfAPrivateFileMappingLeavesThePageCache) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 1, kRw, uapi::kMapPrivate | uapi::kMapFixedNoreplace)).err, 0);
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  ASSERT_TRUE(model.pages()[0].cow);
  EXPECT_EQ(model.Apply(MadvisePages(0, 1, uapi::kMadvDontneed)), Ok());
  EXPECT_FALSE(model.pages()[0].cow);
  EXPECT_EQ(model.RssKb(), 0u);
  EXPECT_EQ(Predicted(model).resident[0], 1);
}

// A shared anonymous page zapped by MADV_DONTNEED stays in its shmem object:
// mincore 1, Rss 0 (mm/mincore.c mincore_page() through vma->vm_file).
TEST(MadviseModelTest, DontneedOfSharedAnonymousMemoryKeepsTheObjectsPage) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonShared | uapi::kMapPopulate)).err, 0);
  EXPECT_EQ(model.Apply(MadvisePages(0, 2, uapi::kMadvDontneed)), Ok());
  EXPECT_EQ(model.RssKb(), 0u);
  EXPECT_EQ(Predicted(model).resident[0], 1);
  EXPECT_EQ(Predicted(model).resident[1], 1);
  // A read fault maps the object's page, and fault-around its neighbour.
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 0)), Ok());
  EXPECT_EQ(model.RssKb(), 8u);
}

// MADV_FREE: anonymous private only (EINVAL on shared and file mappings);
// present pages become lazyfree: residency open, Rss a range, the zero page
// untouched.
TEST(MadviseModelTest, FreeLeavesResidencyOpenOnlyForPrivateAnonymousPages) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate)).err, 0);
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 1)), Ok());
  EXPECT_EQ(model.Apply(MadvisePages(0, 2, uapi::kMadvFree)), Ok());
  const Observation o = Predicted(model);
  ASSERT_EQ(o.resident_care.size(), model.pages().size());
  EXPECT_EQ(o.resident_care[0], 0);
  EXPECT_EQ(o.resident_care[1], 1);  // the zero page is skipped
  EXPECT_TRUE(o.ranges);
  EXPECT_EQ(o.rss_min_kb, 0u);
  EXPECT_EQ(o.rss_kb, 4u);
  // A write settles it: the page is dirty again (or a fresh one).
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  EXPECT_FALSE(Predicted(model).ranges);

  ASSERT_EQ(model.Apply(MmapPages(1, 8, 1, kRw, kAnonShared)).err, 0);
  EXPECT_EQ(model.Apply(MadvisePages(8, 1, uapi::kMadvFree)), Fails(uapi::kEinval));
}

// Without swap, MADV_PAGEOUT cannot page out anonymous pages (add_to_swap()
// fails in shrink_folio_list()) and MADV_COLD never unmaps: determined. A
// page-cache page mapped once is left open; one mapped twice is skipped.
TEST(MadviseModelTest, PageoutKeepsAnonymousPagesWithoutSwapAndOpensShmemPages) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  EXPECT_EQ(model.Apply(MadvisePages(0, 1, uapi::kMadvPageout)), Ok());
  EXPECT_EQ(model.Apply(MadvisePages(0, 1, uapi::kMadvCold)), Ok());
  EXPECT_FALSE(model.pages()[0].open);
  EXPECT_EQ(model.RssKb(), 4u);

  ModelConfig with_swap = Config();
  with_swap.swap_active = true;
  Model swapped(with_swap);
  ASSERT_EQ(swapped.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  EXPECT_EQ(swapped.Apply(MadvisePages(0, 1, uapi::kMadvPageout)), Ok());
  EXPECT_TRUE(swapped.pages()[0].open);

  Model files(Config());
  ASSERT_EQ(files.Apply(MmapFilePages(kMemfd, 0, 0, 2, kRw, kShared | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(files.Apply(MmapFilePages(kMemfd, 1, 1, 1, kRw, kShared | uapi::kMapPopulate)).err, 0);
  EXPECT_EQ(files.Apply(MadvisePages(0, 2, uapi::kMadvPageout)), Ok());
  EXPECT_TRUE(files.pages()[0].open);
  EXPECT_FALSE(files.pages()[1].open);  // mapped twice: "Do not interfere with other mappings"
  const Observation o = Predicted(files);
  EXPECT_EQ(o.rss_min_kb, 8u);
  EXPECT_EQ(o.rss_kb, 12u);
}

// MADV_POPULATE_*: GUP without FOLL_FORCE; PROT_NONE is EINVAL
// (check_vma_flags()), beyond EOF EFAULT, and since 6.10 a hole stops it
// with ENOMEM; before, the walk skipped the hole and populated beyond it.
TEST(MadviseModelTest, PopulateFaultsLikeATouchAndStopsWhereTheRulesSay) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, 2, 1, uapi::kProtNone, kAnonPrivate)).err, 0);
  EXPECT_EQ(model.Apply(MadvisePages(0, 3, uapi::kMadvPopulateRead)), Fails(uapi::kEinval));
  EXPECT_EQ(model.pages()[0].residency, Residency::kZeroPage);
  EXPECT_EQ(model.Apply(MadvisePages(0, 2, uapi::kMadvPopulateWrite)), Ok());
  EXPECT_EQ(model.RssKb(), 8u);

  for (const char* release : {"6.18.0", "6.1.0"}) {
    Model holes(Config(release));
    ASSERT_EQ(holes.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate)).err, 0);
    ASSERT_EQ(holes.Apply(MmapPages(1, 2, 1, kRw, kAnonPrivate)).err, 0);
    EXPECT_EQ(holes.Apply(MadvisePages(0, 3, uapi::kMadvPopulateWrite)), Fails(uapi::kEnomem));
    EXPECT_EQ(holes.pages()[0].residency, Residency::kPage);
    EXPECT_EQ(holes.pages()[2].residency, std::string(release) == "6.1.0" ? Residency::kPage : Residency::kNone)
        << release;
  }

  Model eof(Config());
  ASSERT_EQ(eof.Apply(MmapFilePages(kMemfd, 0, kFileInitialPages - 1, 2, uapi::kProtRead, kShared)).err, 0);
  EXPECT_EQ(eof.Apply(MadvisePages(kFileInitialPages - 1, 2, uapi::kMadvPopulateRead)), Fails(uapi::kEfault));
  EXPECT_EQ(eof.RssKb(), 4u);
}

// madvise_walk_vmas(): a hole makes ENOMEM after the VMAs around it were
// advised; do_madvise()'s argument checks come first.
TEST(MadviseModelTest, HolesAreEnomemAfterAdvisingAndArgumentsAreCheckedFirst) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, 2, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  EXPECT_EQ(model.Apply(MadvisePages(0, 3, uapi::kMadvDontneed)), Fails(uapi::kEnomem));
  EXPECT_EQ(model.RssKb(), 0u);
  EXPECT_EQ(model.Apply(MadvisePages(1, 1, uapi::kMadvWillneed)), Fails(uapi::kEnomem));
  Op unaligned = MadvisePages(0, 1, uapi::kMadvWillneed);
  unaligned.addr += 1;
  EXPECT_EQ(model.Apply(unaligned), Fails(uapi::kEinval));
  EXPECT_EQ(model.Apply(MadvisePages(0, 0, uapi::kMadvWillneed)), Ok());
  EXPECT_EQ(model.Apply(MadvisePages(0, 0, 5)), Fails(uapi::kEinval));  // unassigned advice first
}

}  // namespace
}  // namespace mlc
