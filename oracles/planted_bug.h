// The deliberately wrong rules the model can carry in place of a kernel
// (ModelConfig::planted_bug), kept apart from the model's own records.
#pragma once

#include <cstdint>

namespace mlc {

// A deliberately wrong rule ("mutant"), each modelled on a real class of
// kernel bug, for the project's own tests of the failure path (report,
// shrinking, exit code) and for `./mlockcheck mutants`, which runs the
// properties against a model carrying one of them in place of the kernel.
// oracles/mutants.cc describes each with its source and minimal reproducer.
// Never set by a normal run.
enum class PlantedBug : uint8_t {
  kNone,
  kOnFaultOverLockedKeepsLo,  // mlock2(MLOCK_ONFAULT) on lo pages leaves them without lf
  kMlockOverOnFaultDoubleCounts,   // mlock() over lo lf pages adds them to locked_vm again
  kMlockOverOnFaultKeepsLf,        // mlock() over lo lf pages keeps lf and does not populate
  kMunlockallKeepsFuture,          // munlockall() leaves MCL_FUTURE in def_flags
  kMlockallCurrentKeepsFuture,     // mlockall(MCL_CURRENT) leaves an earlier MCL_FUTURE
  kFutureOnFaultLosesLf,           // MCL_FUTURE|MCL_ONFAULT: new mappings lo without lf, populated
  kMlockallOnfaultAloneUnlocks,    // mlockall(MCL_ONFAULT) returns 0 and unlocks everything
  kHugeLengthIsEinval,             // a length that rounds to 0 is EINVAL instead of a no-op
  kWrapAroundIsEnomem,             // wrap-around is ENOMEM (VMA lookup before the range check)
  kMprotectSkipsLockedPopulate,    // mprotect(+W) of a locked private VMA does not pre-COW
  kPopulateForcesProtNone,         // populate faults PROT_NONE pages in and succeeds
  kOnFaultPopulates,               // populate ignores VM_LOCKONFAULT
  kMunmapKeepsLockedVm,            // munmap of locked pages leaves them in locked_vm
  kMunlockPartialMiscounts,        // munlock of part of a locked VMA uncounts the whole VMA
  kMapPopulateIgnored,             // mmap(MAP_POPULATE) without a lock populates nothing
  kWriteKeepsZeroPage,             // a write fault on the zero page does not count the new page
  kReadTouchAllocates,             // a read fault on private anonymous memory allocates a page
  kCapDropIgnored,                 // capable(CAP_IPC_LOCK) stays true after capset dropped it
  kLoweredLimitIgnored,            // mlock keeps checking an RLIMIT_MEMLOCK that was lowered
  kLockedFileMmapPastEofFails,     // mmap(MAP_LOCKED) of a file past EOF fails with ENOMEM
  kTruncateKeepsLockedPages,       // ftruncate leaves the pages of locked mappings beyond EOF
  kMadvDontneedIgnoresMlock,       // MADV_DONTNEED zaps VM_LOCKED pages instead of EINVAL
  kMadvPopulateIgnoresSigbus,      // MADV_POPULATE_* beyond EOF returns 0 instead of EFAULT
  kMremapGrowthNotPopulated,       // mremap growth of a VM_LOCKED VMA is not populated
  kBrkFutureNotPopulated,          // brk growth under MCL_FUTURE is locked but not populated
  kBrkShrinkKeepsLockedVm,         // brk shrink of locked pages leaves them in locked_vm
  kForkChildKeepsLocks,            // the fork child's VMAs keep VM_LOCKED/VM_LOCKONFAULT
  kForkChildInheritsFuture,        // the fork child inherits MCL_FUTURE in def_flags
  kThpSplitKeepsMlocked,           // a PMD split at a lock boundary leaves the THP mlocked
  kHugetlbMapLockedCounts,         // MAP_LOCKED leaves a hugetlb VMA VM_LOCKED and counted in locked_vm
  kLimitDiscountSkipsOnFault,      // the RLIMIT_MEMLOCK discount of locked pages skips VM_LOCKONFAULT ones
  kMlockallFutureKeepsOnFault,     // mlockall(MCL_FUTURE) after MCL_FUTURE|MCL_ONFAULT keeps VM_LOCKONFAULT in def_flags
  kRelockAcrossSeamDoubleCounts,   // mlock() from an unlocked VMA into a locked one counts the locked one again
  kReclaimTakesLockedPage,         // memcg reclaim swaps out a page of a VM_LOCKED VMA
  kReclaimClearsMlocked,           // memcg reclaim leaves locked pages resident but not PG_mlocked
  kReclaimIgnoresOtherMapping,     // reclaim takes a page-cache page mapped locked by another mapping
  kMigrationClearsMlocked,         // a migrated page of a VM_LOCKED VMA arrives without PG_mlocked
  kMigrationDropsLockedPte,        // a migrated page of a VM_LOCKED VMA is left unmapped (no pte restored)
  kMigrationStaysOnNode,           // move_pages reports the target node but leaves the page where it was
  kMunmapKeepsNrMlock,             // munmap of mlocked pages does not take them off NR_MLOCK (meminfo Mlocked)
  kCompactionMovesUnevictable,     // compaction moves PG_mlocked pages with compact_unevictable_allowed 0
  kMunlockCountsNoEvent,           // the munlock batch takes pages off NR_MLOCK without unevictable_pgs_munlocked
  kMigrateProcessSkipsLocked,      // migrate_pages(2) leaves the pages of VM_LOCKED VMAs on their node
};
constexpr int kPlantedBugCount = 44;
// Mutants that need the THP profile (ModelConfig::thp) to show.
inline bool IsThpMutant(PlantedBug bug) { return bug == PlantedBug::kThpSplitKeepsMlocked; }
// Mutants that need free huge pages (ModelConfig::hugetlb_available).
inline bool IsHugetlbMutant(PlantedBug bug) { return bug == PlantedBug::kHugetlbMapLockedCounts; }
// Mutants of memcg reclaim: they need reclaim(), swap, and the page flags.
inline bool IsReclaimMutant(PlantedBug bug) {
  return bug == PlantedBug::kReclaimTakesLockedPage || bug == PlantedBug::kReclaimClearsMlocked ||
         bug == PlantedBug::kReclaimIgnoresOtherMapping;
}
// Mutants of migration: they need move_pages() (two nodes), the page flags
// and the node channel.
inline bool IsMigrationMutant(PlantedBug bug) {
  return bug == PlantedBug::kMigrationClearsMlocked || bug == PlantedBug::kMigrationDropsLockedPte ||
         bug == PlantedBug::kMigrationStaysOnNode || bug == PlantedBug::kMigrateProcessSkipsLocked;
}

// Mutants of the system-wide counters: they need the meminfo channel.
inline bool IsCountersMutant(PlantedBug bug) {
  return bug == PlantedBug::kMunmapKeepsNrMlock || bug == PlantedBug::kMunlockCountsNoEvent;
}
// Mutants of compaction: they need compact() and the page flags.
inline bool IsCompactionMutant(PlantedBug bug) { return bug == PlantedBug::kCompactionMovesUnevictable; }

}  // namespace mlc
