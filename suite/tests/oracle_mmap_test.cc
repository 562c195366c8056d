// Tests of the pure oracle (no kernel) for mmap, munmap, mprotect, the
// touches (faults, the zero page) and ResolveRegions():
// each expectation below is written out by hand from the rule text of
// oracles/README.md ("ref N" is its rule N), never by re-running the model.
// Shared helpers: suite/testing/oracle_testing.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "oracles/model.h"
#include "oracles/op.h"
#include "oracles/sequence_text.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {

namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

using ::testing::Each;
using ::testing::SizeIs;

constexpr int kFixed = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed;

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

}  // namespace
}  // namespace mlc
