#include "suite/scenarios.h"

namespace mlc {

Op MmapPages(int region, uint64_t first_page, uint64_t pages, int prot, int flags,
             uint64_t page_size) {
  Op op;
  op.kind = OpKind::kMmap;
  op.addr = first_page * page_size;
  op.len = pages * page_size;
  op.prot = prot;
  op.flags = flags;
  op.region = region;
  op.region_base = op.addr;
  return op;
}

Op RangePages(OpKind kind, uint64_t first_page, uint64_t pages, uint64_t page_size) {
  Op op;
  op.kind = kind;
  op.addr = first_page * page_size;
  op.len = pages * page_size;
  return op;
}

Op Mlock2Pages(uint64_t first_page, uint64_t pages, int flags, uint64_t page_size) {
  Op op = RangePages(OpKind::kMlock2, first_page, pages, page_size);
  op.flags = flags;
  return op;
}

Op MprotectPages(uint64_t first_page, uint64_t pages, int prot, uint64_t page_size) {
  Op op = RangePages(OpKind::kMprotect, first_page, pages, page_size);
  op.prot = prot;
  return op;
}

Op MlockallOp(int flags) {
  Op op;
  op.kind = OpKind::kMlockall;
  op.flags = flags;
  return op;
}

Op MunlockallOp() {
  Op op;
  op.kind = OpKind::kMunlockall;
  return op;
}

Op TouchPage(OpKind kind, uint64_t page, uint64_t page_size) {
  Op op;
  op.kind = kind;
  op.addr = page * page_size;
  return op;
}

Op MmapFilePages(int file, uint64_t window, uint64_t file_page, uint64_t pages, int prot, int flags,
                 uint64_t page_size) {
  Op op;
  op.kind = OpKind::kMmapFile;
  op.file = file;
  op.addr = (window * kFileWindowPages + file_page) * page_size;
  op.len = pages * page_size;
  op.offset = file_page * page_size;
  op.prot = prot;
  op.flags = flags;
  return op;
}

Op FtruncateOp(int file, uint64_t bytes) {
  Op op;
  op.kind = OpKind::kFtruncate;
  op.file = file;
  op.len = bytes;
  return op;
}

std::vector<Scenario> ReferenceScenarios() {
  using K = OpKind;
  const int onfault = uapi::kMlockOnfault;
  std::vector<Scenario> s;
  s.push_back({"OnFaultThenMlockPopulatesWithoutChangingVmLck",
               "ref 18-19, 25: mlock() over an ONFAULT range clears lf and populates; locked_vm unchanged",
               {MmapPages(0, 0, 4, kRw, kAnonPrivate), Mlock2Pages(0, 4, onfault),
                TouchPage(K::kWriteTouch, 1), RangePages(K::kMlock, 0, 4)}});
  s.push_back({"MlockOfProtNoneFailsWithEnomemYetLocksAndCounts",
               "ref 34: populate fails on PROT_NONE -> ENOMEM, VMA stays lo and counted",
               {MmapPages(0, 0, 2, uapi::kProtNone, kAnonPrivate), RangePages(K::kMlock, 0, 2),
                TouchPage(K::kReadTouch, 0)}});
  s.push_back({"Mlock2OnFaultOfProtNoneSucceeds",
               "ref 34: MLOCK_ONFAULT skips populate, so PROT_NONE is no error",
               {MmapPages(0, 0, 2, uapi::kProtNone, kAnonPrivate), Mlock2Pages(0, 2, onfault)}});
  s.push_back({"HoleMakesEnomemAfterTheVmasBeforeItChanged",
               "ref 6: apply_vma_lock_flags() changes VMAs before the hole, nothing is populated",
               {MmapPages(0, 0, 3, kRw, kAnonPrivate), MmapPages(1, 4, 2, kRw, kAnonPrivate),
                RangePages(K::kMlock, 0, 6)}});
  s.push_back({"MunlockAcrossAHoleUnlocksTheFirstPart",
               "ref 6: munlock shares apply_vma_lock_flags()",
               {MmapPages(0, 0, 3, kRw, kAnonPrivate | uapi::kMapLocked),
                MmapPages(1, 4, 2, kRw, kAnonPrivate | uapi::kMapLocked), RangePages(K::kMunlock, 0, 6)}});
  s.push_back({"PopulateStopsAtProtNone",
               "ref 34 / __mm_populate(): without ignore_errors the walk stops at the failing VMA",
               {MmapPages(0, 0, 2, kRw, kAnonPrivate), MmapPages(1, 2, 1, uapi::kProtNone, kAnonPrivate),
                MmapPages(2, 3, 2, kRw, kAnonPrivate), RangePages(K::kMlock, 0, 5)}});
  s.push_back({"ReadOnlyPrivateMlockMapsTheZeroPage",
               "ref 36: read fault maps the zero page: resident, not in Rss or Locked",
               {MmapPages(0, 0, 3, uapi::kProtRead, kAnonPrivate), RangePages(K::kMlock, 0, 3)}});
  s.push_back({"SharedMlockAllocatesShmemPages",
               "ref 37: shared mappings take read faults that allocate shmem pages",
               {MmapPages(0, 0, 3, uapi::kProtRead, kAnonShared), RangePages(K::kMlock, 0, 3)}});
  s.push_back({"WriteOnlyPrivateMlockBreaksCow",
               "ref 35: private writable (write-only too) populate uses write faults",
               {MmapPages(0, 0, 2, uapi::kProtWrite, kAnonPrivate), TouchPage(K::kReadTouch, 0),
                RangePages(K::kMlock, 0, 2)}});
  s.push_back({"MprotectWritableOnLockedPrivatePopulates",
               "ref 41: 36f881883c57, mprotect(+W) of a locked private VMA COW-populates",
               {MmapPages(0, 0, 3, uapi::kProtRead, kAnonPrivate | uapi::kMapLocked),
                MprotectPages(0, 2, kRw)}});
  s.push_back({"MprotectWritableOnOnFaultDoesNotPopulate",
               "ref 33: populate_vma_page_range() returns early for VM_LOCKONFAULT",
               {MmapPages(0, 0, 3, uapi::kProtRead, kAnonPrivate), Mlock2Pages(0, 3, onfault),
                MprotectPages(0, 3, kRw)}});
  s.push_back({"MlockallFutureLocksAndPopulatesNewMappings",
               "ref 53: def_flags VM_LOCKED makes new mmaps lo, populated, counted",
               {MlockallOp(uapi::kMclFuture), MmapPages(0, 0, 3, kRw, kAnonPrivate),
                MmapPages(1, 4, 1, uapi::kProtNone, kAnonPrivate)}});
  s.push_back({"MlockallFutureOnFaultLocksWithoutPopulating",
               "ref 33, 53: MCL_FUTURE|MCL_ONFAULT gives lf mappings that MAP_POPULATE does not fill",
               {MlockallOp(uapi::kMclFuture | uapi::kMclOnfault),
                MmapPages(0, 0, 3, kRw, kAnonPrivate | uapi::kMapPopulate), TouchPage(K::kWriteTouch, 1)}});
  s.push_back({"MlockallCurrentCountsTheWholeAddressSpace",
               "ref 32, 51: MCL_CURRENT locks every VMA, the executor's own included",
               {MmapPages(0, 0, 2, kRw, kAnonPrivate), MlockallOp(uapi::kMclCurrent), MunlockallOp()}});
  s.push_back({"MlockallCurrentCancelsFutureLocking",
               "ref 52: every mlockall() clears def_flags first (mlock(2) NOTES)",
               {MlockallOp(uapi::kMclFuture), MlockallOp(uapi::kMclCurrent),
                MmapPages(0, 0, 2, kRw, kAnonPrivate)}});
  s.push_back({"InvalidFlagsAreEinval",
               "ref 1, 3: mlock2 flags and mlockall flags (0, MCL_ONFAULT alone, unknown bits)",
               {Mlock2Pages(0, 1, 0x2), MlockallOp(0), MlockallOp(uapi::kMclOnfault), MlockallOp(0x8 | 1)}});
  s.push_back({"WrapAroundIsEinvalAndHugeLengthRoundsToNothing",
               "ref 4, 5: end < start is EINVAL; PAGE_ALIGN(len) == 0 is a no-op",
               {MmapPages(0, 0, 1, kRw, kAnonPrivate),
                [] { Op op = RangePages(K::kMlock, 0, 0); op.region = kAbsoluteAddr; op.addr = 0 - 4096; op.len = 8192; return op; }(),
                [] { Op op = RangePages(K::kMlock, 0, 0); op.len = ~uint64_t{0}; return op; }()}});
  s.push_back({"UnalignedRangesRoundOutward",
               "ref 8: start rounds down, start+len rounds up; mlock(a+10, 0) locks a page",
               {MmapPages(0, 0, 4, kRw, kAnonPrivate),
                [] { Op op = RangePages(K::kMlock, 0, 0); op.addr = 4096 - 1; op.len = 2; return op; }(),
                [] { Op op = RangePages(K::kMlock, 0, 0); op.addr = 3 * 4096 + 10; op.len = 0; return op; }()}});
  s.push_back({"MapFixedOverLockedPagesDropsThem",
               "ref 27: the unmap part of MAP_FIXED subtracts locked pages",
               {MmapPages(0, 0, 4, kRw, kAnonPrivate | uapi::kMapLocked),
                MmapPages(1, 1, 2, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed)}});
  s.push_back({"TouchesOfInaccessiblePagesFault",
               "mmap(2): PROT_NONE and unmapped pages raise SIGSEGV; PROT_READ pages refuse writes",
               {MmapPages(0, 0, 1, uapi::kProtNone, kAnonPrivate), MmapPages(1, 2, 1, uapi::kProtRead, kAnonPrivate),
                TouchPage(K::kReadTouch, 0), TouchPage(K::kReadTouch, 1), TouchPage(K::kWriteTouch, 2)}});
  return s;
}

}  // namespace mlc
