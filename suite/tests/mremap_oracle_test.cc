// Tests of the oracle's mremap rules (mm/mremap.c, 6.17/6.18, and 6.1-6.15;
// ref 30, 59):
// expectations written out by hand from the cited rules, never by
// re-running the model.
#include <gtest/gtest.h>

#include <string>

#include "oracles/model.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;
constexpr int kAnon = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
constexpr int kMove = uapi::kMremapMaymove | uapi::kMremapFixed;

ModelConfig MremapConfig() {
  ModelConfig config = BaseConfig();
  return config;
}

// No CAP_IPC_LOCK, RLIMIT_MEMLOCK of `pages` pages.
ModelConfig WithoutCapIpcLock(ModelConfig config, uint64_t pages) {
  config.cap_ipc_lock = false;
  config.memlock_cur = config.memlock_max = pages * kPage;
  return config;
}

Outcome At(uint64_t page) { return {static_cast<int64_t>(kBase + page * kPage), 0, 0}; }

void ExpectPages(const Model& m, uint64_t first, uint64_t count, bool mapped, Lock lock, Residency residency) {
  for (uint64_t p = first; p < first + count; ++p) {
    EXPECT_EQ(m.pages()[p].mapped, mapped) << "page " << p;
    if (!mapped) continue;
    EXPECT_EQ(m.pages()[p].lock, lock) << "page " << p;
    EXPECT_EQ(m.pages()[p].residency, residency) << "page " << p;
  }
}

// shrink_vma(): the tail is unmapped like munmap, locked_vm -= 2 (ref 27, 30).
TEST(MremapModelTest, ShrinkOfALockedMappingUnmapsAndUncountsTheTail) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 2, 0)), At(0));
  ExpectPages(m, 0, 2, true, Lock::kLocked, Residency::kPage);
  ExpectPages(m, 2, 2, false, Lock::kNone, Residency::kNone);
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_EQ(m.TotalVmPages(), 2u);
}

// expand_vma_in_place(): locked_vm += delta; do_mremap() populates the new
// part of a VM_LOCKED VMA with write faults (private writable, ref 35).
TEST(MremapModelTest, GrowthInPlaceOfALockedMappingIsCountedAndPopulated) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 5, 0)), At(0));
  ExpectPages(m, 0, 5, true, Lock::kLocked, Residency::kPage);
  EXPECT_EQ(m.VmLckKb(), 20u);
  EXPECT_EQ(m.RssKb(), 20u);
}

// populate_vma_page_range() skips VM_LOCKONFAULT: the grown part is lo lf,
// counted, absent (ref 33, 59).
TEST(MremapModelTest, GrowthOfAnOnFaultMappingIsCountedButNotPopulated) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(Mlock2Pages(0, 2, uapi::kMlockOnfault)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 4, 0)), At(0));
  ExpectPages(m, 0, 4, true, Lock::kOnFault, Residency::kNone);
  EXPECT_EQ(m.VmLckKb(), 16u);
  EXPECT_EQ(m.RssKb(), 0u);
}

// vma_expandable() finds the next VMA; without MREMAP_MAYMOVE: ENOMEM, no change.
TEST(MremapModelTest, GrowthWithoutRoomAndWithoutMaymoveIsEnomem) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(1, 2, 1, uapi::kProtRead, kAnon)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 3, 0)), Fails(uapi::kEnomem));
  ExpectPages(m, 0, 2, true, Lock::kLocked, Residency::kPage);
  EXPECT_EQ(m.pages()[2].lock, Lock::kNone);
  EXPECT_EQ(m.VmLckKb(), 8u);
}

// move_vma(): flags and ptes move (residency and lock kept), +new_len then
// -old_len: VmLck unchanged; the old range is unmapped (ref 30, 59).
TEST(MremapModelTest, AFixedMoveKeepsLockAndResidency) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 2, kMove, 10)), At(10));
  ExpectPages(m, 0, 2, false, Lock::kNone, Residency::kNone);
  ExpectPages(m, 10, 2, true, Lock::kLocked, Residency::kPage);
  EXPECT_EQ(m.VmLckKb(), 8u);
}

// mremap_to(): the target is unmapped first (locked pages there leave
// locked_vm), then the VMA moves and grows; the grown tail is populated.
TEST(MremapModelTest, AFixedMoveThatGrowsReplacesTheTargetAndPopulatesTheTail) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(1, 10, 4, uapi::kProtRead, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.VmLckKb(), 24u);
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 3, kMove, 10)), At(10));
  ExpectPages(m, 0, 2, false, Lock::kNone, Residency::kNone);
  ExpectPages(m, 10, 3, true, Lock::kLocked, Residency::kPage);
  EXPECT_EQ(m.pages()[13].prot, uapi::kProtRead);  // the old target's last page stays
  EXPECT_EQ(m.VmLckKb(), 16u);
}

// dontunmap_complete(): the old range stays mapped, empty and unlocked;
// the lock and its count move with the pages: VmLck unchanged (ref 30; the
// 6.16+ kernels count the pages twice, suite/errata/known-kernel-bugs.txt).
TEST(MremapModelTest, DontunmapMovesTheLockAndLeavesTheOldRangeEmpty) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 3, kRw, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(1, 1, 1, kMove | uapi::kMremapDontunmap, 10)), At(10));
  ExpectPages(m, 0, 1, true, Lock::kLocked, Residency::kPage);
  ExpectPages(m, 1, 1, true, Lock::kNone, Residency::kNone);
  ExpectPages(m, 2, 1, true, Lock::kLocked, Residency::kPage);
  ExpectPages(m, 10, 1, true, Lock::kLocked, Residency::kPage);
  EXPECT_EQ(m.VmLckKb(), 12u);
  EXPECT_EQ(m.TotalVmPages(), 4u);
}

// remap_is_valid(): "We can't remap across vm area boundaries" -> EFAULT
// for a resize; a pure MREMAP_FIXED move takes every VMA along since 6.17
// (remap_move(), gaps kept).
TEST(MremapModelTest, AResizeAcrossTwoVmasIsEfaultAPureMoveTakesBoth) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(1, 2, 2, uapi::kProtRead, kAnon)).err, 0);
  EXPECT_EQ(m.SpanOf(0, 4), Model::VmaSpan::kCrosses);
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 5, 0)), Fails(uapi::kEfault));
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 5, kMove, 20)), Fails(uapi::kEfault));
  EXPECT_TRUE(m.pages()[3].mapped);
  EXPECT_FALSE(m.pages()[20].mapped);
  EXPECT_EQ(m.Apply(MremapPages(0, 5, 5, kMove, 20)), At(20));  // page 4, a gap, stays a gap
  EXPECT_EQ(m.pages()[20].prot, kRw);
  EXPECT_EQ(m.pages()[22].prot, uapi::kProtRead);
  EXPECT_FALSE(m.pages()[24].mapped);
  EXPECT_FALSE(m.pages()[0].mapped);
  // A start in a hole: no VMA at addr (vma_lookup() / remap_move()).
  EXPECT_EQ(m.Apply(MremapPages(0, 1, 1, kMove, 30)), Fails(uapi::kEfault));
}

// remap_is_valid() -> mlock_future_ok(vm_flags, delta): EAGAIN when
// locked_vm + delta exceeds RLIMIT_MEMLOCK without CAP_IPC_LOCK (ref 12).
TEST(MremapModelTest, GrowingALockedMappingOverTheLimitIsEagain) {
  Model m(WithoutCapIpcLock(MremapConfig(), 5));
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 6, 0)), Fails(uapi::kEagain));
  EXPECT_FALSE(m.pages()[4].mapped);
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 5, 0)), At(0));
  EXPECT_EQ(m.VmLckKb(), 20u);
  // An unlocked mapping grows whatever the limit.
  ASSERT_EQ(m.Apply(MmapPages(1, 10, 1, kRw, kAnon)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(10, 1, 3, 0)), At(10));
}

// check_mremap_params(), in its order, before any VMA is looked at.
TEST(MremapModelTest, ParameterChecksAreEinvalBeforeTheLookup) {
  Model m(MremapConfig());
  EXPECT_EQ(m.Apply(MremapPages(0, 1, 1, 0x8)), Fails(uapi::kEinval));
  Op unaligned = MremapPages(0, 1, 1, 0);
  unaligned.addr += 1;
  EXPECT_EQ(m.Apply(unaligned), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MremapPages(0, 1, 0, 0)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MremapPages(0, 1, 1, uapi::kMremapFixed, 10)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MremapPages(0, 1, 2, kMove | uapi::kMremapDontunmap, 10)), Fails(uapi::kEinval));
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 2, kMove, 1)), Fails(uapi::kEinval));  // overlap
  EXPECT_EQ(m.Apply(MremapPages(0, 1, 1, 0)), Fails(uapi::kEfault));          // a hole
}

// ---------------------------------------------------------------------------
// 6.1-6.16 (KernelProfile::mremap_classic): SYSCALL_DEFINE5(mremap),
// mremap_to() and vma_to_resize() as Debian's 6.1.192 and 6.12.117 have them;
// 6.15-6.16 check new_addr's alignment before the lookup.

ModelConfig ClassicConfig() {
  ModelConfig config = MremapConfig();
  config.profile = ProfileForRelease("6.12.117+deb12-cloud-amd64", nullptr).value();
  EXPECT_TRUE(config.profile.mremap_classic);
  return config;
}

// The flag combinations come first, new_addr only after the lookup, and
// MREMAP_DONTUNMAP compares the lengths before PAGE_ALIGN.
TEST(MremapClassicModelTest, FlagChecksFirstNewAddressAfterTheLookup) {
  Model m(ClassicConfig());
  Op unaligned = MremapPages(0, 1, 1, uapi::kMremapFixed, 10);
  unaligned.addr += 1;
  EXPECT_EQ(m.Apply(unaligned), Fails(uapi::kEinval));  // FIXED without MAYMOVE precedes the alignment
  // A hole at addr with an overlapping target: the lookup's EFAULT comes
  // first (6.17+: the overlap's EINVAL).
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 2, kMove, 1)), Fails(uapi::kEfault));
  Model current(MremapConfig());
  EXPECT_EQ(current.Apply(MremapPages(0, 2, 2, kMove, 1)), Fails(uapi::kEinval));
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 2, kMove, 1)), Fails(uapi::kEinval));  // mremap_to(): overlap
  Op lengths = MremapPages(0, 1, 1, kMove | uapi::kMremapDontunmap, 10);
  lengths.new_len -= 1;  // equal once page-aligned, different as passed
  EXPECT_EQ(m.Apply(lengths), Fails(uapi::kEinval));
  EXPECT_EQ(current.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  EXPECT_EQ(current.Apply(lengths), At(10));
}

// mremap_to() unmaps the target before vma_to_resize() finds the range
// crossing a VMA boundary; a pure move is one VMA's too.
TEST(MremapClassicModelTest, AMoveAcrossVmasIsEfaultAfterTheTargetWasUnmapped) {
  Model m(ClassicConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(1, 2, 2, uapi::kProtRead, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(2, 20, 4, kRw, kAnon | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 4, kMove, 20)), Fails(uapi::kEfault));
  EXPECT_FALSE(m.pages()[20].mapped);  // the target is gone
  EXPECT_TRUE(m.pages()[0].mapped);
  EXPECT_EQ(m.VmLckKb(), 0u);
}

// vma_to_resize()'s EAGAIN comes after the target was unmapped too.
TEST(MremapClassicModelTest, AGrowingMoveOverTheLimitIsEagainAfterTheTargetWasUnmapped) {
  Model m(WithoutCapIpcLock(ClassicConfig(), 5));
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 4, kRw, kAnon | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(1, 20, 2, kRw, kAnon)).err, 0);
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 6, kMove, 20)), Fails(uapi::kEagain));
  EXPECT_FALSE(m.pages()[20].mapped);
  ExpectPages(m, 0, 4, true, Lock::kLocked, Residency::kPage);
}

// MREMAP_DONTUNMAP of a whole VMA unlinks its anon_vma (move_vma():
// unlink_anon_vmas()): a fork child gets no pte for a zero page read there
// afterwards. Of part of an unlocked VMA it stays (found under qemu, 6.1).
TEST(MremapClassicModelTest, DontunmapOfAWholeVmaDropsItsAnonVma) {
  Model m(ClassicConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(TouchPage(OpKind::kWriteTouch, 0)).signal, 0);
  ASSERT_TRUE(m.VmaHasAnonVma(m.pages(), 1));
  EXPECT_EQ(m.Apply(MremapPages(0, 2, 2, kMove | uapi::kMremapDontunmap, 10)), At(10));
  EXPECT_FALSE(m.VmaHasAnonVma(m.pages(), 0));
  EXPECT_TRUE(m.VmaHasAnonVma(m.pages(), 10));
  Model part(ClassicConfig());
  ASSERT_EQ(part.Apply(MmapPages(0, 0, 4, kRw, kAnon)).err, 0);
  ASSERT_EQ(part.Apply(TouchPage(OpKind::kWriteTouch, 0)).signal, 0);
  EXPECT_EQ(part.Apply(MremapPages(2, 2, 2, kMove | uapi::kMremapDontunmap, 10)), At(10));
  ASSERT_EQ(part.Apply(Mlock2Pages(0, 2, uapi::kMlockOnfault)).err, 0);  // splits the VMA at page 2
  EXPECT_TRUE(part.VmaHasAnonVma(part.pages(), 3));
}

// What the model knows of VMA boundaries: one mmap is one VMA; a split by
// mlock leaves seams that the model cannot resolve once the flags agree
// again (merging depends on anon_vma history).
TEST(MremapModelTest, SeamsMarkWhereVmaBoundariesAreUndetermined) {
  Model m(MremapConfig());
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 6, kRw, kAnon)).err, 0);
  EXPECT_EQ(m.SpanOf(0, 6), Model::VmaSpan::kInside);
  ASSERT_EQ(m.Apply(RangePages(OpKind::kMlock, 2, 2)).err, 0);
  EXPECT_EQ(m.SpanOf(0, 6), Model::VmaSpan::kCrosses);
  EXPECT_EQ(m.SpanOf(2, 2), Model::VmaSpan::kInside);
  ASSERT_EQ(m.Apply(RangePages(OpKind::kMunlock, 2, 2)).err, 0);
  EXPECT_EQ(m.SpanOf(0, 6), Model::VmaSpan::kUnknown);
  EXPECT_EQ(m.SpanOf(0, 2), Model::VmaSpan::kInside);
}

// 6.15-6.16 (mm/mremap.c check_mremap_params(), before the lock):
// MREMAP_FIXED's new_addr must be aligned before vma_lookup() answers EFAULT
// for an unmapped addr; 6.1-6.14 look the VMA up first. From the lookup on
// the order is classic: the target is unmapped before remap_is_valid()
// finds the range crossing a VMA boundary.
TEST(MremapHybridModelTest, NewAddressAlignmentPrecedesTheLookupThenTheClassicOrder) {
  ModelConfig hybrid = MremapConfig();
  hybrid.profile = ProfileForRelease("6.15.11", nullptr).value();
  Op misaligned = MremapPages(20, 1, 1, kMove, 30);
  misaligned.new_addr += 1;
  EXPECT_EQ(Model(hybrid).Apply(misaligned), Fails(uapi::kEinval));
  EXPECT_EQ(Model(ClassicConfig()).Apply(misaligned), Fails(uapi::kEfault));

  Model m(hybrid);
  ASSERT_EQ(m.Apply(MmapPages(0, 0, 2, kRw, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(1, 2, 2, uapi::kProtRead, kAnon)).err, 0);
  ASSERT_EQ(m.Apply(MmapPages(2, 30, 4, kRw, kAnon)).err, 0);
  // A move of pages 0-3 (two VMAs) onto 30-33: the target goes first, then
  // EFAULT (6.17+ moves both VMAs).
  EXPECT_EQ(m.Apply(MremapPages(0, 4, 4, kMove, 30)), Fails(uapi::kEfault));
  ExpectPages(m, 30, 4, false, Lock::kNone, Residency::kNone);
  ExpectPages(m, 0, 2, true, Lock::kNone, Residency::kNone);
}

// A shared anonymous mapping's shmem object keeps its size: a growth the
// model would let succeed is unmodelled (found by a 6.1.192 guest run,
// where populate met SIGBUS beyond the object); one refused anyway is not.
TEST(MremapModelTest, GrowingASharedAnonymousMappingIsUnmodelled) {
  Model model(BaseConfig(64));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 10, uapi::kProtRead, kAnonShared)).err, 0);
  const Op grow = MremapPages(9, 1, 2, uapi::kMremapMaymove | uapi::kMremapFixed, 0);
  ASSERT_NE(UnmodelledReason(model, grow), nullptr);
  EXPECT_NE(std::string(UnmodelledReason(model, grow)).find("shared anonymous"), std::string::npos);
  EXPECT_EQ(UnmodelledReason(model, MremapPages(9, 1, 1, uapi::kMremapMaymove | uapi::kMremapFixed, 20)), nullptr);
  EXPECT_EQ(UnmodelledReason(model, MremapPages(8, 3, 4, 0)), nullptr);  // across the end: EFAULT
}

}  // namespace
}  // namespace mlc
