// Tests of the oracle's rules for file-backed mappings (oracles/files.h):
// expectations written out by hand from the cited rules, never by re-running
// the model.
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

constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;
constexpr int kShared = uapi::kMapShared | uapi::kMapFixedNoreplace;
constexpr int kPrivate = uapi::kMapPrivate | uapi::kMapFixedNoreplace;
constexpr uint64_t kWindow1 = kFileWindowPages;  // arena page of file page 0 in the second window

ModelConfig FileConfig() {
  ModelConfig config = BaseConfig(128);
  return config;
}


std::vector<uint8_t> Resident(const Model& model) {
  Observation o;
  Predict(model, Ok(), &o);
  return o.resident;
}

// ref 39 (mm/gup.c faultin_page(): VM_FAULT_SIGBUS -> -EFAULT; mm/mlock.c
// __mlock_posix_error_return(): -EFAULT -> -ENOMEM): the pages before EOF
// are populated and locked, the whole range is lo and counted.
TEST(FileModelTest, MlockPastEofLocksThePagesBeforeItThenFailsWithEnomem) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 20, 8, kRw, kShared)).err, 0);
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMlock, 20, 8)), Fails(uapi::kEnomem));
  for (uint64_t p = 20; p < 28; ++p) {
    EXPECT_EQ(model.pages()[p].lock, Lock::kLocked) << p;
    EXPECT_EQ(model.pages()[p].residency, p < kFileInitialPages ? Residency::kPage : Residency::kNone) << p;
  }
  EXPECT_EQ(model.VmLckKb(), 8 * 4u);
  EXPECT_EQ(model.LockedKb(), 4 * 4u);
  EXPECT_EQ(model.RssKb(), 4 * 4u);
}

// mmap(2) MAP_LOCKED ignores population errors (ref 40).
TEST(FileModelTest, MapLockedPastEofSucceedsAndPopulatesBeforeEof) {
  Model model(FileConfig());
  EXPECT_EQ(model.Apply(MmapFilePages(kTmpfile, 0, 22, 4, uapi::kProtRead, kPrivate | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(model.RssKb(), 2 * 4u);
  EXPECT_EQ(model.VmLckKb(), 4 * 4u);
}

// SIGSEGV comes from the access check before the file's fault handler can
// raise SIGBUS beyond EOF (mmap(2)).
TEST(FileModelTest, TouchBeyondEofIsSigbusUnlessTheProtectionForbidsIt) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 23, 2, uapi::kProtRead, kShared)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 24)).signal, uapi::kSigbus);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 24)).signal, uapi::kSigsegv);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 23)), Ok());
}

// A private read maps the page-cache page; a write gives the mapping its own
// copy while the page cache keeps the file's page (do_cow_fault()), which
// mincore then reports for a pte-less mapping of the same file page
// (mincore_page(), ref 47).
TEST(FileModelTest, PrivateWriteCopiesAndThePageCacheKeepsTheFilePage) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 2, kRw, kPrivate)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 1, 0, 2, uapi::kProtRead, kShared)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 1)), Ok());
  EXPECT_TRUE(model.pages()[1].cow);
  EXPECT_EQ(model.pages()[kWindow1 + 1].residency, Residency::kNone);
  EXPECT_EQ(Resident(model)[kWindow1 + 1], 1);
  EXPECT_EQ(Resident(model)[kWindow1], 0);
  EXPECT_EQ(model.RssKb(), 4u);
}

// smaps Locked: is a PSS (ref 48): a page-cache page that a locked and an
// unlocked mapping both map counts half in Locked:, fully in Rss:.
TEST(FileModelTest, LockedCountsHalfOfAPageCachePageMappedTwice) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 3, kRw, kShared | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 1, 0, 1, uapi::kProtRead, kPrivate)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, kWindow1)), Ok());
  EXPECT_EQ(model.RssKb(), 4 * 4u);
  EXPECT_EQ(model.LockedKb(), 2 + 4 + 4u);
}

// shmem_setattr(): a shrink unmaps every pte beyond the new EOF (private
// copies included) and drops those pages; lock flags and VmLck stay; a
// partial last page stays mapped.
TEST(FileModelTest, FtruncateUnmapsPagesBeyondTheNewEofButKeepsLocks) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 4, kRw, kPrivate | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.RssKb(), 4 * 4u);
  EXPECT_EQ(model.Apply(FtruncateOp(kMemfd, kPage + 100)), Ok());
  EXPECT_EQ(model.pages()[1].residency, Residency::kPage);
  EXPECT_EQ(model.pages()[2].residency, Residency::kNone);
  EXPECT_EQ(model.pages()[3].lock, Lock::kLocked);
  EXPECT_EQ(model.VmLckKb(), 4 * 4u);
  EXPECT_EQ(model.RssKb(), 2 * 4u);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 2)).signal, uapi::kSigbus);
  EXPECT_EQ(model.Apply(FtruncateOp(kMemfd, 4 * kPage)), Ok());
  EXPECT_EQ(Resident(model)[2], 0);
}

// do_fault_around(): a read fault maps the cached pages of its VMA within
// the fault-around block, and no further than the VMA.
TEST(FileModelTest, ReadFaultMapsCachedNeighboursOfItsVmaOnly) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kTmpfile, 0, 0, 6, kRw, kShared | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kTmpfile, 1, 0, 4, uapi::kProtRead, kShared)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kTmpfile, 1, 4, 2, kRw, kShared)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, kWindow1 + 2)), Ok());
  for (uint64_t p = 0; p < 6; ++p) {
    EXPECT_EQ(model.pages()[kWindow1 + p].residency, p < 4 ? Residency::kPage : Residency::kNone) << p;
  }
}

TEST(FileModelTest, WithoutFaultAroundOnlyTheFaultingPageIsMapped) {
  ModelConfig config = FileConfig();
  config.fault_around_pages = 1;
  Model model(config);
  ASSERT_EQ(model.Apply(MmapFilePages(kTmpfile, 0, 0, 4, kRw, kShared | uapi::kMapPopulate)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kTmpfile, 1, 0, 4, uapi::kProtRead, kShared)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, kWindow1 + 2)), Ok());
  EXPECT_EQ(model.RssKb(), 5 * 4u);
}

TEST(FileModelTest, UnalignedFileOffsetIsEinval) {
  Model model(FileConfig());
  Op op = MmapFilePages(kMemfd, 0, 0, 1, kRw, kShared);
  op.offset = 100;
  EXPECT_EQ(model.Apply(op), Fails(uapi::kEinval));
  EXPECT_FALSE(model.pages()[0].mapped);
}

// mm/msync.c: MS_INVALIDATE on a VM_LOCKED VMA is EBUSY, lo and lo+lf alike;
// the channel diff names the pages.
TEST(MsyncWitnessTest, PredictsEbusyExactlyForLockedPagesAndReportsDifferences) {
  ModelConfig config = FileConfig();
  Model model(config);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 3, kRw, kShared)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 0, 1)), Ok());
  Op onfault = RangePages(OpKind::kMlock2, 1, 1);
  onfault.flags = uapi::kMlockOnfault;
  ASSERT_EQ(model.Apply(onfault), Ok());
  Observation expected;
  Predict(model, Ok(), &expected);
  EXPECT_EQ(expected.msync_busy[0], 1);
  EXPECT_EQ(expected.msync_busy[1], 1);
  EXPECT_EQ(expected.msync_busy[2], 0);
  EXPECT_EQ(expected.msync_busy[3], 0);
  Observation observed = expected;
  observed.msync_busy[1] = 0;
  const auto diffs = Compare(expected, observed, onfault, config);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].channel, Channel::kMsyncBusy);
  EXPECT_NE(diffs[0].detail.find("page 1 (A+0x1000..A+0x2000): expected EBUSY, observed 0"), std::string::npos)
      << diffs[0].detail;
}

// ---------------------------------------------------------------------------
// memfd_secret (ref 22; mm/secretmem.c, mm/mlock.c mlock_fixup(), mm/gup.c).

TEST(SecretmemModelTest, IsCreatedLockedAndCountedButNotPopulated) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared | uapi::kMapPopulate)).err, 0);
  EXPECT_EQ(model.pages()[0].lock, Lock::kLocked);
  EXPECT_EQ(model.VmLckKb(), 8u);
  EXPECT_EQ(model.RssKb(), 0u);  // GUP refuses secretmem: MAP_POPULATE populates nothing
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 1)), Ok());
  EXPECT_EQ(model.LockedKb(), 4u);
}

TEST(SecretmemModelTest, CannotBeUnlockedAndMlockFailsWithEnomem) {
  Model model(FileConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared)).err, 0);
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMunlock, 0, 2)), Ok());
  EXPECT_EQ(model.Apply(MunlockallOp()), Ok());
  EXPECT_EQ(model.pages()[1].lock, Lock::kLocked);
  Op onfault = RangePages(OpKind::kMlock2, 0, 2);
  onfault.flags = uapi::kMlockOnfault;
  EXPECT_EQ(model.Apply(onfault), Fails(uapi::kEnomem));  // no lf: still populated, and GUP says EFAULT
  EXPECT_EQ(model.pages()[0].lock, Lock::kLocked);
  EXPECT_EQ(model.Apply(MlockallOp(uapi::kMclCurrent | uapi::kMclOnfault)), Ok());
  EXPECT_EQ(model.pages()[0].lock, Lock::kLocked);
  EXPECT_EQ(model.VmLckKb(), 8u);
}

TEST(SecretmemModelTest, PrivateIsEinvalAndExecIsRefusedOnANoexecMount) {
  ModelConfig config = FileConfig();
  config.noexec_files = 1u << kSecretmem;
  Model model(config);
  EXPECT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 1, kRw, kPrivate)), Fails(uapi::kEinval));
  EXPECT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 1, kRw | uapi::kProtExec, kShared)), Fails(uapi::kEperm));
  ASSERT_EQ(model.Apply(MmapPages(0, 2, 1, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 3, 1, kRw, kShared)).err, 0);
  // mprotect changes the anonymous page, then refuses the one without VM_MAYEXEC.
  EXPECT_EQ(model.Apply(MprotectPages(2, 2, uapi::kProtRead | uapi::kProtExec)), Fails(uapi::kEacces));
  EXPECT_EQ(model.pages()[2].prot, uapi::kProtRead | uapi::kProtExec);
  EXPECT_EQ(model.pages()[3].prot, kRw);
}

// ---------------------------------------------------------------------------
// Page flags (ref 36, 43-45).

Observation PredictFlags(const Model& model) {
  Observation o;
  Predict(model, Ok(), &o);
  return o;
}

// secretmem_mmap()'s own mlock_future_ok() (ref 12) fails after MAP_FIXED
// cleared what it replaces: mm/vma.c vms_abort_munmap_vmas() leaves "a gap
// where the MAP_FIXED mapping failed", and the replaced locked pages leave
// locked_vm.
TEST(SecretmemModelTest, OverTheLimitIsEagainAndLeavesAGapWhereMapFixedReplaced) {
  ModelConfig config = FileConfig();
  config.cap_ipc_lock = false;
  config.memlock_cur = config.memlock_max = 2 * kPage;
  Model model(config);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kPrivate | uapi::kMapAnonymous | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(model.VmLckKb(), 8u);
  const int fixed = uapi::kMapShared | uapi::kMapFixed;
  EXPECT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 3, kRw, fixed)), Fails(uapi::kEagain));
  for (uint64_t p = 0; p < 3; ++p) EXPECT_FALSE(model.pages()[p].mapped) << p;
  EXPECT_EQ(model.VmLckKb(), 0u);
}

TEST(PageFlagsModelTest, UnevictableIsComparedOnlyAfterAStepThatDrains) {
  ModelConfig config = FileConfig();
  config.page_flags = true;
  Model model(config);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 0, 1)), Ok());  // populate_vma_page_range() drains
  Observation o = PredictFlags(model);
  EXPECT_EQ(o.page_flags[0], kPfPresent | kPfMlocked | kPfUnevictable);
  EXPECT_EQ(o.page_flags_care[0], kPfPresent | kPfMlocked | kPfUnevictable | kPfZeroPage);
  Op onfault = RangePages(OpKind::kMlock2, 1, 1);
  onfault.flags = uapi::kMlockOnfault;
  ASSERT_EQ(model.Apply(onfault), Ok());
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 1)), Ok());  // mlock_new_folio(): M now, U later
  o = PredictFlags(model);
  EXPECT_EQ(o.page_flags[1] & ~kPfUnevictable, kPfPresent | kPfMlocked);
  EXPECT_EQ(o.page_flags_care[1] & kPfUnevictable, 0);
  // A mismatch in an undetermined bit is no divergence; in a determined one it is.
  Observation seen = o;
  seen.page_flags[1] = kPfPresent | kPfMlocked;
  EXPECT_TRUE(Compare(o, seen, onfault, config).empty());
  seen.page_flags[1] = kPfPresent;
  const auto diffs = Compare(o, seen, onfault, config);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].channel, Channel::kPageFlags);
  EXPECT_NE(diffs[0].detail.find("expected present mlocked, observed present"), std::string::npos) << diffs[0].detail;
}

// memfd_secret after "mm/secretmem: properly account locked pages"
// (MeasuredBehaviour::secretmem_locked false; stable 6.1.191, 6.12.113):
// secretmem_mmap() sets only VM_DONTDUMP, secretmem_fault() charges each new
// page to the user's locked_vm against RLIMIT_MEMLOCK (SIGBUS over it, no
// CAP_IPC_LOCK exemption), and mlock_fixup() still skips secretmem VMAs.
ModelConfig ChargedSecretmemConfig() {
  ModelConfig config = FileConfig();
  config.measured.secretmem_locked = false;
  config.page_flags = true;
  return config;
}

TEST(SecretmemChargedModelTest, MappingsAreUnlockedAndFaultsAreChargedNotCounted) {
  Model model(ChargedSecretmemConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared)).err, 0);
  EXPECT_EQ(model.pages()[0].lock, Lock::kNone);
  StepEffects fx;
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0), &fx), Ok());
  EXPECT_EQ(fx.events[static_cast<size_t>(Event::kSecretmemCharged)], 1u);
  EXPECT_EQ(model.SecretmemChargedPages(), 1u);
  EXPECT_EQ(model.VmLckKb(), 0u);  // the user's locked_vm, not the mm's
  EXPECT_EQ(model.RssKb(), 4u);
  // mlock_fixup() skips secretmem: no lo, and GUP's EFAULT makes it ENOMEM.
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMlock, 0, 1)), Fails(uapi::kEnomem));
  EXPECT_EQ(model.pages()[0].lock, Lock::kNone);
  // Its pages are unevictable all the same (mapping_set_unevictable()).
  ASSERT_EQ(model.Apply(MmapPages(0, 8, 1, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed)).err, 0);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 8, 1)), Ok());  // a drain
  ASSERT_TRUE(model.drained());
  const Observation o = PredictFlags(model);
  EXPECT_EQ(o.page_flags[0], kPfPresent | kPfUnevictable);
  EXPECT_EQ(o.page_flags_care[0] & kPfUnevictable, kPfUnevictable);
}

TEST(SecretmemChargedModelTest, MapLockedLocksAndNothingUnlocksIt) {
  Model model(ChargedSecretmemConfig());
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared | uapi::kMapLocked)).err, 0);
  EXPECT_EQ(model.pages()[0].lock, Lock::kLocked);
  EXPECT_EQ(model.VmLckKb(), 8u);
  EXPECT_EQ(model.Apply(MunlockallOp()), Ok());
  EXPECT_EQ(model.pages()[1].lock, Lock::kLocked);
  EXPECT_EQ(model.VmLckKb(), 8u);
}

TEST(SecretmemChargedModelTest, AFaultOverTheLimitIsSigbusAndNearItIsUndetermined) {
  ModelConfig config = ChargedSecretmemConfig();
  config.memlock_cur = config.memlock_max = 0;  // CAP_IPC_LOCK does not help
  Model model(config);
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared)).err, 0);
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 0)), (Outcome{0, 0, uapi::kSigbus}));
  EXPECT_EQ(model.SecretmemChargedPages(), 0u);
  EXPECT_EQ(UnmodelledReason(model, TouchPage(OpKind::kReadTouch, 0)), nullptr);
  // With room for a page or two, other processes' charges decide.
  ModelConfig tight = ChargedSecretmemConfig();
  tight.memlock_cur = tight.memlock_max = 2 * kPage;
  Model near(tight);
  ASSERT_EQ(near.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared)).err, 0);
  EXPECT_NE(UnmodelledReason(near, TouchPage(OpKind::kReadTouch, 0)), nullptr);
  Model roomy(ChargedSecretmemConfig());  // RLIMIT_MEMLOCK unlimited
  ASSERT_EQ(roomy.Apply(MmapFilePages(kSecretmem, 0, 0, 2, kRw, kShared)).err, 0);
  EXPECT_EQ(UnmodelledReason(roomy, TouchPage(OpKind::kReadTouch, 0)), nullptr);
}

// Found by the conformance run: mlock of a secretmem VMA that MCL_ONFAULT
// made lo+lf succeeds without any walk (mlock_fixup() skips secretmem) or
// populate (VM_LOCKONFAULT), hence without a drain.
TEST(PageFlagsModelTest, MlockThatNeitherWalksNorPopulatesDoesNotDrain) {
  ModelConfig config = FileConfig();
  config.page_flags = true;
  Model model(config);
  ASSERT_EQ(model.Apply(MlockallOp(uapi::kMclFuture | uapi::kMclOnfault)), Ok());
  ASSERT_EQ(model.Apply(MmapFilePages(kSecretmem, 0, 0, 1, uapi::kProtNone, kShared)).err, 0);
  EXPECT_EQ(model.pages()[0].lock, Lock::kOnFault);
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMlock, 0, 1)), Ok());
  EXPECT_FALSE(model.drained());
  ASSERT_EQ(model.Apply(MmapPages(0, 4, 1, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed)).err, 0);
  EXPECT_EQ(model.Apply(RangePages(OpKind::kMlock, 4, 1)), Ok());
  EXPECT_TRUE(model.drained());
  EXPECT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 4)), Ok());
  EXPECT_FALSE(model.drained());
}

TEST(PageFlagsModelTest, ZeroPageIsNeverMlocked) {
  ModelConfig config = FileConfig();
  config.page_flags = true;
  Model model(config);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, uapi::kProtRead,
                                  uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed | uapi::kMapLocked)).err, 0);
  const Observation o = PredictFlags(model);
  EXPECT_EQ(o.page_flags[0], kPfPresent | kPfZeroPage);
  EXPECT_EQ(o.page_flags_care[0], kPfPresent | kPfMlocked | kPfUnevictable | kPfZeroPage);
}

// A page-cache page is mlocked while any locked mapping maps it (ref 44);
// once a locked mapping's pte was zapped, PG_mlocked waits for a batch drain
// and is left open.
TEST(PageFlagsModelTest, PageCachePagesFollowTheirLockedMappingsUntilAZap) {
  ModelConfig config = FileConfig();
  config.page_flags = true;
  Model model(config);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 0, 1, kRw, kShared | uapi::kMapLocked)).err, 0);
  ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 1, 0, 1, uapi::kProtRead, kShared)).err, 0);
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, kWindow1)), Ok());
  Observation o = PredictFlags(model);
  EXPECT_EQ(o.page_flags[kWindow1] & kPfMlocked, kPfMlocked);
  EXPECT_EQ(o.page_flags_care[kWindow1] & kPfMlocked, kPfMlocked);
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunmap, 0, 1)), Ok());
  o = PredictFlags(model);
  EXPECT_EQ(o.page_flags_care[kWindow1], kPfPresent | kPfZeroPage);
}

}  // namespace
}  // namespace mlc
