// The oracle's brk and fork rules (issue 3), each scenario's expected state
// written out from the rule it cites (oracles/model.cc Model::Brk(),
// Model::Fork(); ref 27, 28, 31, 44, 55, 61 of oracles/README.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/observation.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

constexpr uint64_t kHeap = 0x5000000;  // the initial break
constexpr uint64_t kOutsideLockable = 100;

ModelConfig Config() {
  ModelConfig config = BaseConfig();
  config.heap_base = kHeap;
  config.outside_lockable_pages = kOutsideLockable;
  config.outside_total_pages = 300;
  return config;
}

Outcome Break(uint64_t offset) { return {static_cast<int64_t>(kHeap + offset), 0, 0}; }

uint64_t HeapMapped(const Model& m) {
  uint64_t n = 0;
  for (const PageState& p : m.heap()) n += p.mapped;
  return n;
}

// ref 28: do_brk_flags() takes mm->def_flags; sys_brk() populates when it has
// VM_LOCKED; the new pages count in locked_vm and total_vm.
TEST(BrkModelTest, GrowthUnderMclFutureIsLockedPopulatedAndCounted) {
  Model m(Config());
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclFuture)), Ok());
  const uint64_t total_before = m.TotalVmPages();
  StepEffects fx;
  EXPECT_EQ(m.Apply(BrkOp(0x1800), &fx), Break(0x1800));  // an unaligned break: the VMA ends at its page's end
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kBrkGrowLocked)], 1u);
  EXPECT_EQ(m.brk_offset(), 0x1800u);
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_TRUE(m.heap()[p].mapped);
    EXPECT_EQ(m.heap()[p].prot, uapi::kProtRead | uapi::kProtWrite);
    EXPECT_EQ(m.heap()[p].lock, Lock::kLocked);
    EXPECT_EQ(m.heap()[p].residency, Residency::kPage);  // write faults: real pages
  }
  EXPECT_FALSE(m.heap()[2].mapped);
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_EQ(m.Totals().heap_rss_kb, 8u);
  EXPECT_EQ(m.Totals().heap_locked_kb, 8u);
  EXPECT_EQ(m.RssKb(), 0u);  // the arena's channels are the arena's alone
  EXPECT_EQ(m.TotalVmPages(), total_before + 2);
  EXPECT_TRUE(m.drained());  // populate_vma_page_range() ends with lru_add_drain()
  Observation o;
  Predict(m, Break(0x1800), &o);
  EXPECT_EQ(o.heap_bits[0], kPageMapped | kPageRead | kPageWrite | kPageLo);
  EXPECT_EQ(o.heap_resident[1], 1);
  EXPECT_EQ(o.heap_msync_busy[1], 1);
  EXPECT_EQ(o.heap_bits[2], 0);
}

// ref 28, 33: MCL_FUTURE|MCL_ONFAULT gives lo lf pages that populate skips,
// counted all the same.
TEST(BrkModelTest, GrowthUnderMclOnfaultIsLockedButNotPopulated) {
  Model m(Config());
  EXPECT_EQ(m.Apply(MlockallOp(uapi::kMclFuture | uapi::kMclOnfault)), Ok());
  StepEffects fx;
  EXPECT_EQ(m.Apply(BrkOp(3 * kPage), &fx), Break(3 * kPage));
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kBrkGrowOnFault)], 1u);
  for (size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(m.heap()[p].lock, Lock::kOnFault);
    EXPECT_EQ(m.heap()[p].residency, Residency::kNone);
  }
  EXPECT_EQ(m.VmLckKb(), 12u);
  EXPECT_EQ(m.Totals().heap_rss_kb, 0u);
}

// ref 27: a shrink unmaps whole pages above PAGE_ALIGN(brk) and uncounts the
// locked ones; a move within the last page changes only the break.
TEST(BrkModelTest, ShrinkUnmapsAndUncountsAndAMoveWithinAPageChangesNothingElse) {
  Model m(Config());
  m.Apply(MlockallOp(uapi::kMclFuture));
  m.Apply(BrkOp(4 * kPage));
  EXPECT_EQ(m.VmLckKb(), 16u);
  StepEffects fx;
  EXPECT_EQ(m.Apply(BrkOp(kPage + 1), &fx), Break(kPage + 1));
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kBrkShrinkLocked)], 2u);
  EXPECT_EQ(HeapMapped(m), 2u);
  EXPECT_EQ(m.VmLckKb(), 8u);
  EXPECT_EQ(m.Apply(BrkOp(2 * kPage)), Break(2 * kPage));  // same end page
  EXPECT_EQ(HeapMapped(m), 2u);
  EXPECT_EQ(m.Apply(BrkOp(0)), Break(0));
  EXPECT_EQ(HeapMapped(m), 0u);
  EXPECT_EQ(m.VmLckKb(), 0u);
}

// ref 12, 28: check_brk_limits() -> mlock_future_ok(): over RLIMIT_MEMLOCK
// without CAP_IPC_LOCK the call fails and returns the unchanged break.
TEST(BrkModelTest, GrowthOverTheLimitUnderMclFutureReturnsTheOldBreak) {
  Model m(Config());
  m.Apply(DropCapIpcLockOp());
  m.Apply(SetMemlockLimitOp(2 * kPage, 2 * kPage));
  m.Apply(MlockallOp(uapi::kMclFuture));
  EXPECT_EQ(m.Apply(BrkOp(kPage)), Break(kPage));
  StepEffects fx;
  EXPECT_EQ(m.Apply(BrkOp(3 * kPage), &fx), Break(kPage));  // 1 + 2 pages > 2
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kBrkOverLimit)], 1u);
  EXPECT_EQ(HeapMapped(m), 1u);
  EXPECT_EQ(m.brk_offset(), kPage);
  EXPECT_EQ(m.Apply(BrkOp(2 * kPage)), Break(2 * kPage));  // exactly at the limit
  // Without MCL_FUTURE the limit does not apply.
  m.Apply(MunlockallOp());
  EXPECT_EQ(m.Apply(BrkOp(8 * kPage)), Break(8 * kPage));
}

// ref 32, 52: mlockall(MCL_CURRENT) locks and populates the heap like any
// VMA; munlockall() unlocks it and leaves its pages.
TEST(BrkModelTest, MlockallAndMunlockallWalkTheHeap) {
  Model m(Config());
  m.Apply(BrkOp(2 * kPage));
  EXPECT_EQ(m.heap()[0].residency, Residency::kNone);
  m.Apply(MlockallOp(uapi::kMclCurrent));
  EXPECT_EQ(m.heap()[1].lock, Lock::kLocked);
  EXPECT_EQ(m.heap()[1].residency, Residency::kPage);
  EXPECT_EQ(m.VmLckKb(), (kOutsideLockable + 2) * 4);
  m.Apply(MunlockallOp());
  EXPECT_EQ(m.heap()[1].lock, Lock::kNone);
  EXPECT_EQ(m.heap()[1].residency, Residency::kPage);
  EXPECT_EQ(m.VmLckKb(), 0u);
}

// ref 31, 44, 55, 61: after a fork the parent is unchanged; the child's VMAs
// have no lock bits, its locked_vm is 0, its def_flags lack VM_LOCKED (its
// own mmap is neither locked nor populated), and it has ptes only where the
// VMA has an anon_vma.
TEST(ForkModelTest, ParentUnchangedChildUnlockedWithoutDefFlags) {
  Model m(Config());
  m.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked));
  m.Apply(MlockallOp(uapi::kMclCurrent | uapi::kMclFuture));
  m.Apply(BrkOp(kPage));
  const std::vector<PageState> before = m.pages();
  const MemoryTotals totals = m.Totals();
  StepEffects fx;
  EXPECT_EQ(m.Apply(ForkOp(5), &fx), Ok());
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kForkWithLocked)], 1u);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kForkWithFuture)], 1u);
  EXPECT_EQ(m.pages(), before);
  EXPECT_EQ(m.Totals().vmlck_kb, totals.vmlck_kb);
  EXPECT_EQ(m.future_lock(), Lock::kLocked);
  ASSERT_NE(m.fork_child(), nullptr);
  EXPECT_EQ(m.fork_probe(), (Outcome{static_cast<int64_t>(kBase + 5 * kPage), 0, 0}));
  Observation o;
  Predict(m, Ok(), &o);
  ASSERT_NE(o.fork_child, nullptr);
  const Observation& child = *o.fork_child;
  const uint8_t rw = kPageMapped | kPageRead | kPageWrite;
  EXPECT_EQ(o.page_bits[0], rw | kPageLo);
  EXPECT_EQ(child.page_bits[0], rw);
  EXPECT_EQ(child.page_bits[5], rw);  // the probe: not locked
  EXPECT_EQ(child.resident[0], 1);    // populated by MAP_LOCKED, copied (anon_vma)
  EXPECT_EQ(child.resident[5], 0);    // not populated
  EXPECT_EQ(child.rss_kb, 8u);
  EXPECT_EQ(child.locked_kb, 0u);
  EXPECT_EQ(child.vmlck_kb, 0u);
  EXPECT_EQ(child.msync_busy[0], 0);
  EXPECT_EQ(child.heap_bits[0], rw);
  EXPECT_EQ(child.heap_rss_kb, 4u);
  EXPECT_EQ(child.heap_locked_kb, 0u);
  // The next step forgets the child.
  m.Apply(MunlockallOp());
  EXPECT_EQ(m.fork_child(), nullptr);
}

// kernel/fork.c vma_needs_copy(): a shared mapping has no anon_vma, so the
// child has no ptes there (Rss 0), but mincore finds the shmem page cache.
TEST(ForkModelTest, SharedPagesAreResidentInTheChildButNotInItsRss) {
  Model m(Config());
  m.Apply(MmapPages(0, 0, 2, kRw, kAnonShared | uapi::kMapPopulate));
  m.Apply(ForkOp(0));  // the probe lands on the mapping: EEXIST
  EXPECT_EQ(m.fork_probe(), (Outcome{-1, uapi::kEexist, 0}));
  Observation o;
  Predict(m, Ok(), &o);
  EXPECT_EQ(o.rss_kb, 8u);
  EXPECT_EQ(o.fork_child->resident[0], 1);
  EXPECT_EQ(o.fork_child->resident[1], 1);
  EXPECT_EQ(o.fork_child->rss_kb, 0u);
}

// A read fault maps the zero page without an anon_vma (mm/memory.c
// do_anonymous_page()): alone in its VMA, the child has no pte for it; once a
// write in the same VMA gave it an anon_vma, the child has it.
TEST(ForkModelTest, AZeroPageIsCopiedOnlyWhenItsVmaHasAnAnonVma) {
  Model m(Config());
  m.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate));
  m.Apply(TouchPage(OpKind::kReadTouch, 0));
  m.Apply(ForkOp(10));
  Observation o;
  Predict(m, Ok(), &o);
  EXPECT_EQ(o.resident[0], 1);
  EXPECT_EQ(o.fork_child->resident[0], 0);
  m.Apply(TouchPage(OpKind::kWriteTouch, 2));
  StepEffects fx;
  m.Apply(ForkOp(10), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kForkCopiedPtes)], 1u);
  Predict(m, Ok(), &o);
  EXPECT_EQ(o.fork_child->resident[0], 1);
  EXPECT_EQ(o.fork_child->rss_kb, 4u);  // the written page; the zero page is in no Rss
}

// Found under qemu on 6.1 (which maps the zero page): the VMA split off by
// the mlock got the anon_vma, the zero page's VMA did not, and clearing the
// child's lock bits must not merge them in the model (dup_mmap() copies VMAs
// as they are).
TEST(ForkModelTest, AnonVmaIsDecidedOnTheParentsVmasBeforeLocksAreCleared) {
  Model m(Config());
  m.Apply(MmapPages(0, 0, 3, uapi::kProtWrite, kAnonPrivate));
  m.Apply(TouchPage(OpKind::kReadTouch, 0));
  m.Apply(Mlock2Pages(1, 1, 0));
  m.Apply(ForkOp(10));
  Observation o;
  Predict(m, Ok(), &o);
  EXPECT_EQ(o.resident[0], 1);
  EXPECT_EQ(o.fork_child->page_bits[0], o.fork_child->page_bits[1]);  // both unlocked in the child
  EXPECT_EQ(o.fork_child->resident[0], 0);
  EXPECT_EQ(o.fork_child->resident[1], 1);
  EXPECT_EQ(o.fork_child->rss_kb, 4u);
}

// Found under qemu on 6.1 too: after munlockall() the pages share their
// flags again, but whether the kernel merged the zero page's VMA into the one
// with the anon_vma depends on its merge rules (is_mergeable_anon_vma()):
// the child's residency of that page is left open, and counted.
TEST(ForkModelTest, AnAnonVmaOnlyANeighbourGotIsLeftOpen) {
  Model m(Config());
  m.Apply(MmapPages(0, 0, 5, uapi::kProtWrite, kAnonPrivate));
  m.Apply(RangePages(OpKind::kMlock, 2, 1));
  m.Apply(TouchPage(OpKind::kReadTouch, 0));
  m.Apply(MunlockallOp());
  StepEffects fx;
  m.Apply(ForkOp(10), &fx);
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kForkAnonVmaOpen)], 1u);
  Observation o;
  Predict(m, Ok(), &o);
  const Observation& child = *o.fork_child;
  ASSERT_EQ(child.resident_care.size(), child.resident.size());
  EXPECT_EQ(child.resident_care[0], 0);  // open
  EXPECT_EQ(child.resident_care[2], 1);
  EXPECT_EQ(child.resident[2], 1);       // its own VMA got the anon_vma
  Observation seen = child;
  seen.resident[0] = 1;
  EXPECT_TRUE(Compare(child, seen, ForkOp(10), Config()).empty());
  seen.resident[2] = 0;
  EXPECT_FALSE(Compare(child, seen, ForkOp(10), Config()).empty());
}

// A private file mapping: the page-cache pages are resident in the child
// either way (mincore asks the cache); they count in its Rss only when the
// VMA has an anon_vma (a COW copy made one).
TEST(ForkModelTest, PrivateFilePagesCountInTheChildsRssOnlyWithAnAnonVma) {
  Model m(Config());
  m.Apply(MmapFilePages(kMemfd, 0, 0, 2, kRw, uapi::kMapPrivate | uapi::kMapFixedNoreplace));
  m.Apply(TouchPage(OpKind::kReadTouch, 0));
  m.Apply(ForkOp(20));
  Observation o;
  Predict(m, Ok(), &o);
  EXPECT_EQ(o.fork_child->resident[0], 1);
  EXPECT_EQ(o.fork_child->rss_kb, 0u);
  m.Apply(TouchPage(OpKind::kWriteTouch, 1));  // COW: anon_vma
  m.Apply(ForkOp(20));
  Predict(m, Ok(), &o);
  EXPECT_EQ(o.fork_child->rss_kb, 8u);
}

// The mutants of the two calls change the child's view or the heap.
TEST(ForkModelTest, MutantsChangeWhatTheyClaim) {
  ModelConfig config = Config();
  config.planted_bug = PlantedBug::kForkChildInheritsFuture;
  Model m(config);
  m.Apply(MlockallOp(uapi::kMclFuture));
  m.Apply(ForkOp(0));
  Observation o;
  Predict(m, Ok(), &o);
  EXPECT_TRUE(o.fork_child->page_bits[0] & kPageLo);
  config.planted_bug = PlantedBug::kBrkFutureNotPopulated;
  Model b(config);
  b.Apply(MlockallOp(uapi::kMclFuture));
  b.Apply(BrkOp(kPage));
  EXPECT_EQ(b.heap()[0].residency, Residency::kNone);
  EXPECT_EQ(b.heap()[0].lock, Lock::kLocked);
}

}  // namespace
}  // namespace mlc
