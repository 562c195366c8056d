// Tests of the oracle's hugetlb rules (MAP_HUGETLB, ref 21, 63): never
// locked or counted, populated by every populating call, split only on huge
// page boundaries, reserved at mmap time. Expectations are written out by
// hand from the cited rules; the runner side is checked under qemu with
// reserved huge pages (runners/vm/vm_test.sh hugetlb).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr uint64_t kHuge = 512;  // 4 KiB pages in a 2 MiB huge page
constexpr int kHugePrivate = kAnonPrivate | uapi::kMapHugetlb;
constexpr int kHugeShared = kAnonShared | uapi::kMapHugetlb;

ModelConfig HugetlbConfig(uint64_t available = 4, const char* release = "6.12.0") {
  ModelConfig config = BaseConfig(4 * kHuge, release);
  SetHugetlbConfig(2 << 20, available, 0, 0, &config);
  return config;
}


bool HugePageResident(const Model& model, uint64_t huge_page) {
  for (uint64_t p = huge_page * kHuge; p < (huge_page + 1) * kHuge; ++p) {
    if (model.pages()[p].residency != Residency::kPage) return false;
  }
  return true;
}

TEST(HugetlbOracleTest, ConfigNeedsHugetlbfsNoOvercommitAndAnAlignedArena) {
  ModelConfig config = HugetlbConfig();
  EXPECT_EQ(config.huge_page_pages, kHuge);
  EXPECT_EQ(config.hugetlb_available, 4u);
  SetHugetlbConfig(2 << 20, 5, 2, 0, &config);
  EXPECT_EQ(config.hugetlb_available, 3u);  // free less reserved
  SetHugetlbConfig(2 << 20, 5, 0, 1, &config);
  EXPECT_EQ(config.huge_page_pages, 0u);  // surplus pages: not modelled
  SetHugetlbConfig(0, 5, 0, 0, &config);
  EXPECT_EQ(config.huge_page_pages, 0u);  // no hugetlbfs
  config.arena_base = kBase + 4096;
  SetHugetlbConfig(2 << 20, 5, 0, 0, &config);
  EXPECT_EQ(config.huge_page_pages, 0u);  // arena off the huge page boundary
}

TEST(HugetlbOracleTest, LengthRoundsUpToTheHugePageAndNothingIsResidentYet) {
  Model model(HugetlbConfig());
  Op op = MmapPages(0, kHuge, 1, kRw, kHugePrivate);
  EXPECT_EQ(model.Apply(op), (Outcome{static_cast<int64_t>(kBase + kHuge * 4096), 0, 0}));
  for (uint64_t p = kHuge; p < 2 * kHuge; ++p) {
    EXPECT_TRUE(model.pages()[p].mapped && model.pages()[p].hugetlb) << p;
    EXPECT_EQ(model.pages()[p].residency, Residency::kNone);
  }
  EXPECT_FALSE(model.pages()[2 * kHuge].mapped);
  const Observation o = Predicted(model);
  EXPECT_EQ(o.page_bits[kHuge], kPageMapped | kPageRead | kPageWrite | kPageHugetlb);
  EXPECT_EQ(o.hugetlb_kb, 0u);
}

TEST(HugetlbOracleTest, FixedAddressOffTheHugePageBoundaryIsEinval) {
  Model model(HugetlbConfig());
  EXPECT_EQ(model.Apply(MmapPages(0, 1, kHuge, kRw, kHugePrivate)).err, uapi::kEinval);
  EXPECT_FALSE(model.pages()[1].mapped);
}

TEST(HugetlbOracleTest, MapLockedPopulatesButNeitherLocksNorCounts) {
  Model model(HugetlbConfig());
  StepEffects fx;
  ASSERT_EQ(model.Apply(MmapPages(0, 0, kHuge, kRw, kHugePrivate | uapi::kMapLocked), &fx).err, 0);
  EXPECT_EQ(model.pages()[0].lock, Lock::kNone);
  EXPECT_TRUE(HugePageResident(model, 0));
  EXPECT_GT(fx.events[static_cast<size_t>(Event::kHugetlbLockSkipped)], 0u);
  const Observation o = Predicted(model);
  EXPECT_EQ(o.vmlck_kb, 0u);
  EXPECT_EQ(o.rss_kb, 0u);  // hugetlb pages are not in Rss
  EXPECT_EQ(o.locked_kb, 0u);
  EXPECT_EQ(o.hugetlb_kb, 2048u);
  EXPECT_EQ(o.msync_busy[0], 0);
}

TEST(HugetlbOracleTest, McLFutureOnFaultStillPopulatesAHugetlbMapping) {
  // def_flags give VM_LOCKED|VM_LOCKONFAULT; do_mmap() asks for populate
  // because of VM_LOCKED, __mmap_complete() then clears both bits, so
  // populate_vma_page_range() no longer sees VM_LOCKONFAULT.
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MlockallOp(uapi::kMclFuture | uapi::kMclOnfault)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, kHuge, kRw, kHugeShared)).err, 0);
  EXPECT_EQ(model.pages()[0].lock, Lock::kNone);
  EXPECT_TRUE(HugePageResident(model, 0));
}

TEST(HugetlbOracleTest, MlockOfPartOfAHugePagePopulatesItWithoutSplittingOrLocking) {
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2 * kHuge, kRw, kHugePrivate)).err, 0);
  // mlock_fixup() returns before any split: no EINVAL for an unaligned range.
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMlock, 3, 2)).err, 0);
  EXPECT_TRUE(HugePageResident(model, 0));
  EXPECT_FALSE(HugePageResident(model, 1));
  EXPECT_EQ(model.pages()[3].lock, Lock::kNone);
  // MLOCK_ONFAULT gives no VM_LOCKONFAULT either, so it populates too.
  EXPECT_EQ(model.Apply(Mlock2Pages(kHuge + 7, 1, uapi::kMlockOnfault)).err, 0);
  EXPECT_TRUE(HugePageResident(model, 1));
  EXPECT_EQ(Predicted(model).vmlck_kb, 0u);
}

TEST(HugetlbOracleTest, MlockallCurrentOnFaultPopulatesHugetlbAndLocksTheRest) {
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, kHuge, kRw, kHugePrivate)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, kHuge, 4, kRw, kAnonPrivate)).err, 0);
  ASSERT_EQ(model.Apply(MlockallOp(uapi::kMclCurrent | uapi::kMclOnfault)).err, 0);
  EXPECT_TRUE(HugePageResident(model, 0));
  EXPECT_EQ(model.pages()[0].lock, Lock::kNone);
  EXPECT_EQ(model.pages()[kHuge].lock, Lock::kOnFault);
  EXPECT_EQ(model.pages()[kHuge].residency, Residency::kNone);
  EXPECT_EQ(Predicted(model).vmlck_kb, 16u);
}

TEST(HugetlbOracleTest, AReadTouchAllocatesTheWholeHugePage) {
  ModelConfig config = HugetlbConfig();
  ASSERT_TRUE(config.measured.read_fault_maps_zero_page);  // hugetlb has no zero page regardless
  Model model(config);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2 * kHuge, uapi::kProtRead, kHugePrivate)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, kHuge + 100)), Outcome{});
  EXPECT_FALSE(HugePageResident(model, 0));
  EXPECT_TRUE(HugePageResident(model, 1));
  EXPECT_EQ(Predicted(model).hugetlb_kb, 2048u);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)).signal, uapi::kSigsegv);
}

TEST(HugetlbOracleTest, MunmapSplitsOnlyOnHugePageBoundaries) {
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2 * kHuge, kRw, kHugePrivate)).err, 0);
  StepEffects fx;
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMunmap, 10, 4), &fx).err, uapi::kEinval);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kHugetlbSplitRefused)], 1u);
  EXPECT_TRUE(model.pages()[10].mapped);
  // The start is aligned, the end is not: refused too.
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMunmap, kHuge, 4)).err, uapi::kEinval);
  // A range that covers the VMA's end needs no split there.
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMunmap, kHuge, kHuge + 9)).err, 0);
  EXPECT_FALSE(model.pages()[kHuge].mapped);
  EXPECT_TRUE(model.pages()[kHuge - 1].mapped);
}

TEST(HugetlbOracleTest, MprotectSplitsOnlyWhenTheFlagsChange) {
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2 * kHuge, kRw, kHugePrivate)).err, 0);
  // Same protection: mprotect_fixup() has nothing to do, no split.
  EXPECT_EQ(model.Apply(MprotectPages(5, 3, kRw)).err, 0);
  EXPECT_EQ(model.Apply(MprotectPages(5, 3, uapi::kProtRead)).err, uapi::kEinval);
  EXPECT_EQ(model.pages()[5].prot, kRw);
  // Aligned on both ends: fine, and the second huge page keeps its flags.
  EXPECT_EQ(model.Apply(MprotectPages(0, kHuge, uapi::kProtRead)).err, 0);
  EXPECT_EQ(model.pages()[0].prot, uapi::kProtRead);
  EXPECT_EQ(model.pages()[kHuge].prot, kRw);
}

TEST(HugetlbOracleTest, MprotectChangesTheVmasBeforeARefusedSplit) {
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, kHuge - 4, 4, kRw, kAnonPrivate)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, kHuge, kHuge, kRw, kHugePrivate)).err, 0);
  // The anonymous VMA before the hugetlb one changes; the split at the
  // unaligned end inside the hugetlb VMA fails.
  EXPECT_EQ(model.Apply(MprotectPages(kHuge - 4, 8, uapi::kProtRead)).err, uapi::kEinval);
  EXPECT_EQ(model.pages()[kHuge - 4].prot, uapi::kProtRead);
  EXPECT_EQ(model.pages()[kHuge].prot, kRw);
}

TEST(HugetlbOracleTest, MapFixedThatWouldCutAHugePageIsEnomemBefore612AndEinvalSince) {
  for (const char* release : {"6.1.0", "6.12.0"}) {
    Model model(HugetlbConfig(4, release));
    ASSERT_EQ(model.Apply(MmapPages(0, 0, kHuge, kRw, kHugePrivate)).err, 0);
    const Op cut = MmapPages(1, 8, 4, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed);
    EXPECT_EQ(model.Apply(cut).err, std::string(release) == "6.1.0" ? uapi::kEnomem : uapi::kEinval) << release;
    EXPECT_TRUE(model.pages()[8].hugetlb);
  }
}

TEST(HugetlbOracleTest, NotEnoughFreeHugePagesIsEnomemAndLeavesAGap) {
  Model model(HugetlbConfig(/*available=*/1));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, kHuge, kRw, kHugePrivate)).err, 0);
  ASSERT_EQ(model.Apply(MmapPages(1, kHuge, 4, kRw, kAnonPrivate)).err, 0);
  StepEffects fx;
  const Op over = MmapPages(2, kHuge, kHuge, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed |
                                                    uapi::kMapHugetlb);
  EXPECT_EQ(model.Apply(over, &fx).err, uapi::kEnomem);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kHugetlbNoReserve)], 1u);
  EXPECT_FALSE(model.pages()[kHuge].mapped);  // the replaced mapping is gone
  // Replacing the private huge page frees its reservation first.
  const int replace = (kHugePrivate & ~uapi::kMapFixedNoreplace) | uapi::kMapFixed;
  EXPECT_EQ(model.Apply(MmapPages(3, 0, kHuge, kRw, replace)).err, 0);
}

TEST(HugetlbOracleTest, ASharedHugetlbFileHoldsItsPagesUntilItsLastMappingGoes) {
  Model model(HugetlbConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2 * kHuge, kRw, kHugeShared)).err, 0);
  EXPECT_EQ(model.HugetlbHeldPages(), 2u);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunmap, 0, kHuge)).err, 0);
  EXPECT_EQ(model.HugetlbHeldPages(), 2u);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunmap, kHuge, kHuge)).err, 0);
  EXPECT_EQ(model.HugetlbHeldPages(), 0u);
  ASSERT_EQ(model.Apply(MmapPages(1, 0, kHuge, kRw, kHugePrivate)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunmap, 0, kHuge)).err, 0);
  EXPECT_EQ(model.HugetlbHeldPages(), 0u);
}

TEST(HugetlbOracleTest, MadviseMremapAndForkAreNotModelledWhileHugetlbIsMapped) {
  Model model(HugetlbConfig());
  EXPECT_EQ(UnmodelledReason(model, MadvisePages(0, 1, uapi::kMadvDontneed)), nullptr);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, kHuge, kRw, kHugePrivate)).err, 0);
  EXPECT_NE(UnmodelledReason(model, MadvisePages(0, 1, uapi::kMadvDontneed)), nullptr);
  EXPECT_NE(UnmodelledReason(model, ForkOp(kHuge)), nullptr);
  size_t step = 99;
  const std::vector<Op> ops = {MmapPages(0, 0, kHuge, kRw, kHugePrivate), RangePages(OpKind::kMunmap, 0, kHuge),
                               MadvisePages(0, 1, uapi::kMadvDontneed), MmapPages(1, 0, kHuge, kRw, kHugePrivate),
                               ForkOp(kHuge)};
  EXPECT_NE(UnmodelledStep(model.config(), ops, &step), nullptr);
  EXPECT_EQ(step, 4u);
  ModelConfig without = model.config();
  without.huge_page_pages = 0;
  EXPECT_NE(UnmodelledReason(Model(without), MmapPages(0, 0, kHuge, kRw, kHugePrivate)), nullptr);
}

}  // namespace
}  // namespace mlc
