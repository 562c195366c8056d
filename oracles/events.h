// What one step did, for the coverage summary: one table, one row per event,
// with its name, the rule family it belongs to, the kernel source of the
// rule, and what a run must have for the event to be reachable at all (the
// coverage prints a 0 of a closed gate with the reason the suite gives).
// A new event is one new row.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace mlc {

// The rule families, as oracles/model/ splits them (one file each).
enum class Family : uint8_t { kMlock, kMmap, kFault, kLimits, kFiles, kSecretmem, kPageFlags, kMadvise, kMremap,
                              kBrkFork, kThp, kHugetlb, kReclaim, kMigrate, kCompaction };
const char* FamilyName(Family f);

// What an event needs of the run; the suite closes the gates its kernel and
// options rule out (SuiteContext::ClosedGates()).
enum Gate : uint32_t {
  kGateNone = 0,
  kGateZeroPage = 1u << 0,        // read faults map the zero page
  kGateThp = 1u << 1,             // --thp
  kGateHugetlb = 1u << 2,         // hugetlb generated at all
  kGateHugetlbPool = 1u << 3,     // ... with free huge pages
  kGateMremap = 1u << 4,          // mremap generated
  kGateMremapMultiVma = 1u << 5,  // moves of several VMAs (6.17+)
  kGateSecretmem = 1u << 6,       // memfd_secret generated
  kGatePageFlags = 1u << 7,       // the page-flags channel
  kGateMadvise = 1u << 8,         // madvise generated
  kGateMadvFolioSplit = 1u << 9,  // MADV_FREE/COLD/PAGEOUT generated (not under --thp)
  kGateFork = 1u << 10,           // fork generated
  kGateSecretmemLocked = 1u << 11,   // secretmem VMAs are VM_LOCKED (upstream)
  kGateSecretmemCharged = 1u << 12,  // ... or charged per fault (MeasuredBehaviour::secretmem_locked false)
  kGateReclaim = 1u << 13,           // reclaim() generated (the child's own memory cgroup)
  kGateSwap = 1u << 14,              // an active swap area
  kGateMigration = 1u << 15,         // move_pages() generated (two NUMA nodes with memory)
  kGateCompaction = 1u << 16,        // compact() generated (a machine the run has to itself)
  kGateMigrateProcess = 1u << 17,    // migrate_pages() generated (two nodes, a machine the run has to itself)
  kGateCount = 18,
};

// X(enumerator, family, gates, name, citation)
#define MLC_EVENTS(X)                                                                                                 \
  X(kLockAcrossHole, kMlock, kGateNone, "lock call crossed a hole after changing pages (ENOMEM)",                     \
    "mm/mlock.c apply_vma_lock_flags(): VMAs before the hole keep their new flags (ref 6)")                           \
  X(kLockStartsInHole, kMlock, kGateNone, "lock call started in a hole (ENOMEM, no change)",                           \
    "mm/mlock.c apply_vma_lock_flags(): no VMA at start is ENOMEM (ref 6)")                                           \
  X(kPopulateStoppedAtProtNone, kMlock, kGateNone, "populate stopped at PROT_NONE (ENOMEM)",                          \
    "mm/gup.c __mm_populate() -> __mlock_posix_error_return(): EFAULT becomes ENOMEM, the flags stay (ref 9, 34)")   \
  X(kPopulateSkippedOnFault, kMlock, kGateNone, "populate skipped an ONFAULT page",                                   \
    "mm/gup.c populate_vma_page_range(): VM_LOCKONFAULT is never populated (ref 33)")                                 \
  X(kMapFixedReplacedLocked, kMmap, kGateNone, "MAP_FIXED replaced locked pages",                                     \
    "mm/mmap.c mmap_region(): MAP_FIXED unmaps the old range first, uncounting its locked pages (ref 27)")           \
  X(kMunmapOfLocked, kMmap, kGateNone, "munmap of locked pages",                                                      \
    "mm/vma.c vms_gather_munmap_vmas(): locked_vm -= the unmapped VM_LOCKED pages (ref 27, 57)")                      \
  X(kMprotectPopulated, kMmap, kGateNone, "mprotect(+W) populated a locked private page",                             \
    "mm/mprotect.c mprotect_fixup(): a VM_LOCKED private VMA made writable is COW-populated (36f881883c57, ref 41)")  \
  X(kZeroPageReplaced, kFault, kGateZeroPage, "zero page replaced by a real page",                                    \
    "mm/memory.c do_wp_page(): a write to the zero page allocates a page (ref 36, 45)")                               \
  X(kTouchFaulted, kFault, kGateNone, "touch raised SIGSEGV",                                                         \
    "mmap(2): an access to an unmapped page or one its protection forbids raises SIGSEGV")                            \
  X(kFutureLockedMmap, kMlock, kGateNone, "mmap locked by MCL_FUTURE",                                                \
    "mm/mmap.c do_mmap(): vm_flags |= mm->def_flags (VM_LOCKED, VM_LOCKONFAULT) (ref 26, 53)")                        \
  X(kNoLockPermission, kLimits, kGateNone, "EPERM: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK",                             \
    "mm/mlock.c can_do_mlock(): a zero limit without CAP_IPC_LOCK is EPERM (ref 2)")                                  \
  X(kMlockOverLimit, kLimits, kGateNone, "mlock/mlock2 over RLIMIT_MEMLOCK (ENOMEM)",                                 \
    "mm/mlock.c do_mlock(): locked_vm + len over the limit is ENOMEM (ref 7)")                                        \
  X(kMlockFitAfterDiscount, kLimits, kGateNone, "mlock fit the limit only after discounting locked pages",            \
    "mm/mlock.c count_mm_mlocked_page_nr(): pages already locked in the range are discounted (0cf2f6f6dc60, ref 7)") \
  X(kMlockallOverTotalVm, kLimits, kGateNone, "mlockall(MCL_CURRENT): total_vm over the limit (ENOMEM)",              \
    "mm/mlock.c SYSCALL_DEFINE1(mlockall): MCL_CURRENT with total_vm over the limit is ENOMEM (ref 10)")              \
  X(kLockedMmapOverLimit, kLimits, kGateNone, "locked mmap over RLIMIT_MEMLOCK (EAGAIN)",                             \
    "mm/mmap.c mlock_future_ok(): a locked mapping over the limit is EAGAIN (ref 12)")                                \
  X(kMapFixedEagainOverOwnLocked, kLimits, kGateNone, "EAGAIN though the replaced locked pages would make room",      \
    "mm/mmap.c do_mmap(): mlock_future_ok() runs before MAP_FIXED unmaps the old range (ref 12)")                     \
  X(kLimitChanged, kLimits, kGateNone, "RLIMIT_MEMLOCK changed", "kernel/sys.c do_prlimit() (setrlimit(2))")          \
  X(kLimitBelowLockedVm, kLimits, kGateNone, "RLIMIT_MEMLOCK lowered below locked_vm",                                \
    "kernel/sys.c do_prlimit(): a limit below locked_vm is allowed and unlocks nothing (setrlimit(2))")               \
  X(kPopulateStoppedAtEof, kFiles, kGateNone, "populate stopped beyond EOF (ENOMEM)",                                 \
    "mm/gup.c faultin_page(): VM_FAULT_SIGBUS -> EFAULT -> ENOMEM (__mlock_posix_error_return(), ref 39)")            \
  X(kTouchBeyondEof, kFiles, kGateNone, "touch beyond EOF raised SIGBUS",                                             \
    "mm/shmem.c shmem_fault(): a page beyond EOF is VM_FAULT_SIGBUS (mmap(2))")                                       \
  X(kFileCowBroken, kFiles, kGateNone, "private file page replaced by its copy",                                      \
    "mm/memory.c do_cow_fault()/wp_page_copy(): a write to a private file page maps an anonymous copy (ref 44)")     \
  X(kTruncateZapped, kFiles, kGateNone, "ftruncate unmapped pages",                                                   \
    "mm/shmem.c shmem_setattr() -> unmap_mapping_range(): pages beyond the new EOF go, copies included (ref 39)")    \
  X(kTruncateZappedLocked, kFiles, kGateNone, "ftruncate unmapped locked pages",                                      \
    "mm/truncate.c truncate_pagecache(): locked mappings lose them too (ref 39)")                                     \
  X(kDrainBarrier, kPageFlags, kGatePageFlags, "step ended with a drain (unevictable compared)",                      \
    "mm/mlock.c mlock_vma_pages_range() / mm/swap.c lru_add_drain(): the per-CPU batches are empty (ref 43)")         \
  X(kMlockUncertain, kPageFlags, kGatePageFlags, "page-cache page's mlocked flag left open",                         \
    "mm/mlock.c munlock_folio(): mlock_count may undercount (mm/swap.c lru_add()), ref 44")                           \
  X(kSecretmemStaysLocked, kSecretmem, kGateSecretmem | kGateSecretmemLocked, "lock call left secretmem pages unchanged",                    \
    "mm/secretmem.c secretmem_mmap(): VM_LOCKED from the start, mlock_fixup() skips it (ref 22)")                     \
  X(kPopulateRefusedSecretmem, kSecretmem, kGateSecretmem, "populate refused secretmem (EFAULT)",                     \
    "mm/gup.c check_vma_flags(): vma_is_secretmem() is EFAULT (ref 22)")                                              \
  X(kSecretmemCharged, kSecretmem, kGateSecretmem | kGateSecretmemCharged, "secretmem fault charged the user's locked_vm",                    \
    "mm/secretmem.c secretmem_fault(): \"properly account locked pages\" (stable 6.1.191/6.12.113)")                  \
  X(kSecretmemChargeSigbus, kSecretmem, kGateSecretmem | kGateSecretmemCharged, "secretmem fault over RLIMIT_MEMLOCK (SIGBUS)",               \
    "mm/secretmem.c secretmem_fault(): the charge over RLIMIT_MEMLOCK is VM_FAULT_SIGBUS")                            \
  X(kMadvLockedEinval, kMadvise, kGateMadvise, "madvise EINVAL on a locked VMA",                                      \
    "mm/madvise.c madvise_dontneed_free_valid_vma()/can_madv_lru_vma(): VM_LOCKED is EINVAL (ref 60)")                \
  X(kMadvPartialEinval, kMadvise, kGateMadvise, "madvise EINVAL on a locked VMA after advising earlier VMAs",         \
    "mm/madvise.c madvise_walk_vmas(): VMAs are advised in order (ref 60)")                                           \
  X(kMadvZapped, kMadvise, kGateMadvise, "MADV_DONTNEED zapped present pages",                                        \
    "mm/madvise.c madvise_dontneed_single_vma() -> zap_page_range_single() (ref 60)")                                 \
  X(kMadvZappedLocked, kMadvise, kGateMadvise, "MADV_DONTNEED_LOCKED zapped locked pages",                            \
    "mm/madvise.c madvise_dontneed_free_valid_vma(): MADV_DONTNEED_LOCKED allows VM_LOCKED (9457056ac426)")           \
  X(kMadvFreeLazy, kMadvise, kGateMadvise | kGateMadvFolioSplit, "MADV_FREE made pages lazyfree (residency left open)", \
    "mm/madvise.c madvise_free_pte_range(): reclaim may drop a clean lazyfree page at any time")                       \
  X(kMadvFreeNotAnon, kMadvise, kGateMadvise | kGateMadvFolioSplit, "MADV_FREE on a shared or file mapping (EINVAL)", \
    "mm/madvise.c madvise_free_single_vma(): anonymous private VMAs only")                                            \
  X(kMadvColdKept, kMadvise, kGateMadvise | kGateMadvFolioSplit, "MADV_COLD kept present pages",                      \
    "mm/madvise.c madvise_cold_or_pageout_pte_range(): MADV_COLD only deactivates")                                   \
  X(kMadvPageoutKept, kMadvise, kGateMadvise | kGateMadvFolioSplit, "MADV_PAGEOUT kept anonymous pages (no swap)",    \
    "mm/vmscan.c shrink_folio_list(): anonymous pages need swap to be reclaimed")                                     \
  X(kMadvPageoutOpen, kMadvise, kGateMadvise | kGateMadvFolioSplit, "MADV_PAGEOUT left a shmem page's residency open", \
    "mm/vmscan.c reclaim_pages(): whether a page-cache page goes depends on its references")                         \
  X(kMadvWillneed, kMadvise, kGateMadvise, "MADV_WILLNEED over mapped pages",                                         \
    "mm/madvise.c madvise_willneed(): readahead, no pte changes")                                                     \
  X(kMadvPopulated, kMadvise, kGateMadvise, "MADV_POPULATE_READ/WRITE faulted pages in",                              \
    "mm/madvise.c madvise_populate() -> faultin_page_range() (4ca9b3859dac)")                                         \
  X(kMadvPopulateEinval, kMadvise, kGateMadvise, "MADV_POPULATE_* without the access (EINVAL)",                       \
    "mm/gup.c check_vma_flags() without FOLL_FORCE: PROT_NONE or secretmem is EINVAL")                                \
  X(kMadvPopulateEof, kMadvise, kGateMadvise, "MADV_POPULATE_* beyond EOF (EFAULT)",                                  \
    "mm/madvise.c madvise_populate(): VM_FAULT_SIGBUS is EFAULT")                                                     \
  X(kMadvHole, kMadvise, kGateMadvise, "madvise ENOMEM for a hole after advising the mapped parts",                   \
    "mm/madvise.c madvise_walk_vmas(): ENOMEM at the end; MADV_POPULATE_* stops at the hole since 6.10 "              \
    "(fa9fcd8bb6e4)")                                                                                                 \
  X(kMremapShrankLocked, kMremap, kGateMremap, "mremap shrink unmapped locked pages",                                 \
    "mm/mremap.c shrink_vma(): the tail is unmapped like munmap (ref 27, 30)")                                       \
  X(kMremapGrewLocked, kMremap, kGateMremap, "mremap grew a locked VMA in place (populated)",                         \
    "mm/mremap.c expand_vma_in_place(): locked_vm += delta, mm_populate() of the new part (ref 30, 59)")              \
  X(kMremapGrewOnFault, kMremap, kGateMremap, "mremap grew an ONFAULT VMA in place (not populated)",                  \
    "mm/gup.c populate_vma_page_range(): VM_LOCKONFAULT is never populated (ref 33, 59)")                            \
  X(kMremapMovedLocked, kMremap, kGateMremap, "mremap moved locked pages",                                            \
    "mm/mremap.c move_vma(): copy_vma() keeps the flags, move_page_tables() the pages (ref 30, 59)")                 \
  X(kMremapDontunmap, kMremap, kGateMremap, "MREMAP_DONTUNMAP left the old range empty",                              \
    "mm/mremap.c dontunmap_complete()/move_vma(): the old range keeps no pages and loses VM_LOCKED (ref 30)")        \
  X(kMremapAcrossVmas, kMremap, kGateMremap, "mremap range not within one VMA (EFAULT)",                              \
    "mm/mremap.c vma_to_resize() (6.1-6.12), resize_is_valid()/remap_is_valid(): \"We can't remap across vm area "   \
    "boundaries\"")                                                                                                   \
  X(kMremapOverLimit, kMremap, kGateMremap, "mremap growth of a locked VMA over RLIMIT_MEMLOCK (EAGAIN)",             \
    "mm/mremap.c: mlock_future_ok() for the growth of a VM_LOCKED VMA (ref 12)")                                     \
  X(kMremapMovedSeveralVmas, kMremap, kGateMremap | kGateMremapMultiVma, "mremap moved several VMAs or gaps at once",  \
    "mm/mremap.c remap_move(): \"mm/mremap: permit mremap() move of multiple VMAs\" (d23cb648e365, 6.17)")           \
  X(kBrkGrowLocked, kBrkFork, kGateNone, "brk grew a locked heap (MCL_FUTURE, populated)",                            \
    "mm/mmap.c do_brk_flags() takes def_flags; SYSCALL_DEFINE1(brk) populates VM_LOCKED (ref 28)")                   \
  X(kBrkGrowOnFault, kBrkFork, kGateNone, "brk grew a lo+lf heap (MCL_FUTURE|MCL_ONFAULT)",                           \
    "mm/mmap.c SYSCALL_DEFINE1(brk): VM_LOCKONFAULT is not populated (ref 28, 33)")                                  \
  X(kBrkGrowUnlocked, kBrkFork, kGateNone, "brk grew an unlocked heap", "mm/mmap.c do_brk_flags() (ref 28)")          \
  X(kBrkShrinkLocked, kBrkFork, kGateNone, "brk shrink unmapped locked pages",                                        \
    "mm/mmap.c SYSCALL_DEFINE1(brk): a shrink unmaps like munmap (ref 27, 28)")                                      \
  X(kBrkOverLimit, kBrkFork, kGateNone, "brk over RLIMIT_MEMLOCK (break unchanged)",                                  \
    "mm/mmap.c check_brk_limits() -> mlock_future_ok() (ref 12, 28)")                                                \
  X(kForkWithLocked, kBrkFork, kGateFork, "fork with locked pages",                                                   \
    "kernel/fork.c dup_mmap(): the child's VMAs lose VM_LOCKED_MASK (ref 31, 61)")                                   \
  X(kForkWithFuture, kBrkFork, kGateFork, "fork with MCL_FUTURE set",                                                 \
    "kernel/fork.c mm_init(): the child's def_flags lose VM_LOCKED (VM_INIT_DEF_MASK, ref 55)")                      \
  X(kForkCopiedPtes, kBrkFork, kGateFork, "fork copied ptes of an anon_vma VMA",                                      \
    "kernel/fork.c vma_needs_copy(): ptes are copied for VMAs with an anon_vma (ref 44)")                            \
  X(kForkAnonVmaOpen, kBrkFork, kGateFork, "fork: a VMA's anon_vma (child ptes) left open",                           \
    "mm/vma.c is_mergeable_anon_vma(): whether an alike neighbour merged decides it")                                 \
  X(kThpPmdMapped, kThp, kGateThp, "THP PMD-mapped (fault, populate or khugepaged)",                                  \
    "mm/huge_memory.c do_huge_pmd_anonymous_page(), khugepaged (ref 46)")                                             \
  X(kThpHugeZeroMapped, kThp, kGateThp | kGateZeroPage, "huge zero page PMD-mapped",                                  \
    "mm/huge_memory.c do_huge_pmd_anonymous_page(): a read fault maps the huge zero page (ref 46)")                   \
  X(kThpLockedWhole, kThp, kGateThp, "PMD-mapped THP locked whole",                                                   \
    "mm/mlock.c mlock_pte_range(): a PMD-mapped THP in a VM_LOCKED VMA is mlocked whole (ref 46)")                    \
  X(kThpSplitAtLockBoundary, kThp, kGateThp, "THP PMD split at a lock boundary",                                      \
    "mm/huge_memory.c vma_adjust_trans_huge() -> __split_huge_pmd(): a VMA boundary inside the PMD (ref 46)")        \
  X(kThpSplitOther, kThp, kGateThp, "THP PMD split by mprotect/munmap/mmap/write",                                    \
    "mm/huge_memory.c __split_huge_pmd() (ref 46)")                                                                   \
  X(kThpZappedByMadvise, kThp, kGateThp | kGateMadvise, "THP zapped in part (PMD split) or whole by madvise",        \
    "mm/huge_memory.c zap_huge_pmd() / __split_huge_pmd() (ref 46)")                                                  \
  X(kThpSplitMlockOpen, kThp, kGateThp, "PTE-mapped THP page in a locked VMA: mlocked open",                          \
    "mm/mlock.c allow_mlock_munlock(): a PTE-mapped large folio may be munlocked (ref 46)")                           \
  X(kThpRejected, kThp, kGateThp, "kernel PMD mapping the rules do not allow",                                        \
    "mm/huge_memory.c thp_vma_suitable_order(): one private anonymous VMA over the range (ref 46)")                   \
  X(kThpCollapseUnseen, kThp, kGateThp | kGatePageFlags,                                                              \
    "khugepaged collapse seen only split again (residency left open)",                                                \
    "mm/khugepaged.c collapse_huge_page() before the call, the call's split after it (ref 46)")                       \
  X(kHugetlbMapped, kHugetlb, kGateHugetlb | kGateHugetlbPool, "hugetlb mapping created",                             \
    "fs/hugetlbfs/inode.c hugetlbfs_file_mmap() (ref 63)")                                                            \
  X(kHugetlbLockSkipped, kHugetlb, kGateHugetlb | kGateHugetlbPool, "hugetlb pages a lock request left unlocked",     \
    "mm/mlock.c mlock_fixup(): VM_SPECIAL and hugetlb VMAs never get VM_LOCKED (ref 21)")                             \
  X(kHugetlbPopulated, kHugetlb, kGateHugetlb | kGateHugetlbPool, "populate allocated a huge page",                   \
    "mm/gup.c __mm_populate() populates hugetlb VMAs all the same (ref 21, 63)")                                      \
  X(kHugetlbTouched, kHugetlb, kGateHugetlb | kGateHugetlbPool, "touch allocated a huge page",                        \
    "mm/hugetlb.c hugetlb_fault()")                                                                                   \
  X(kHugetlbSplitRefused, kHugetlb, kGateHugetlb | kGateHugetlbPool,                                                  \
    "split of a hugetlb VMA off its huge page boundary refused",                                                      \
    "mm/hugetlb.c hugetlb_vm_op_split(): EINVAL (mmap(MAP_FIXED) ENOMEM before 9014b230d88d, 6.12)")                  \
  X(kHugetlbNoReserve, kHugetlb, kGateHugetlb, "MAP_HUGETLB without free huge pages (ENOMEM)",                        \
    "mm/hugetlb.c hugetlb_reserve_pages(): the mapping's huge pages are reserved at mmap time")                      \
  X(kReclaimKeptLocked, kReclaim, kGateReclaim, "reclaim kept a page of a VM_LOCKED VMA",                            \
    "mm/rmap.c folio_referenced_one(): VM_LOCKED mlocks the folio and reclaim keeps it (ref 66)")                   \
  X(kReclaimOpen, kReclaim, kGateReclaim | kGateSwap, "reclaim left an unlocked page's residency open",              \
    "mm/vmscan.c shrink_folio_list(): with swap an unlocked page may be paged out (ref 67)")                          \
  X(kReclaimKeptNoSwap, kReclaim, kGateReclaim, "reclaim without swap kept a swap-backed page",                      \
    "mm/vmscan.c get_scan_count(): SCAN_FILE when !can_reclaim_anon_pages() (ref 65)")                               \
  X(kReclaimNothing, kReclaim, kGateReclaim, "reclaim of less than a page (nothing to do)",                          \
    "mm/memcontrol.c memory_reclaim(): the amount is rounded down to pages (ref 68)")                             \
  X(kMigrateLockedPage, kMigrate, kGateMigration, "move_pages of a page a VM_LOCKED VMA maps (stays, mlocked)",        \
    "mm/migrate.c remove_migration_pte(): the new folio is mlocked for a VM_LOCKED VMA (ref 70)")                    \
  X(kMigrateUnlockedPage, kMigrate, kGateMigration, "move_pages of a present page no VM_LOCKED VMA maps",            \
    "mm/migrate.c add_page_for_migration(): isolated and migrated, PG_mlocked stays clear (ref 70)")                 \
  X(kMigrateNoPage, kMigrate, kGateMigration, "move_pages of an address without a page (status -ENOENT/-EFAULT)",     \
    "mm/migrate.c add_page_for_migration(): no page, or the zero page, is a per-page error (ref 69)")               \
  X(kMigrateNoVma, kMigrate, kGateMigration, "move_pages of an address without a VMA (status -EFAULT)",              \
    "mm/migrate.c add_page_for_migration(): vma_lookup() fails: -EFAULT (ref 69)")                                 \
  X(kMigrateNoNode, kMigrate, kGateMigration, "move_pages to a node without memory (ENODEV)",                         \
    "mm/migrate.c do_pages_move(): !node_state(node, N_MEMORY) is -ENODEV (ref 69)")                              \
  X(kMigrateProcessLockedPage, kMigrate, kGateMigrateProcess,                                                       \
    "migrate_pages over a page a VM_LOCKED VMA maps (moves, stays mlocked)",                                          \
    "mm/mempolicy.c migrate_to_node(): the whole address space, no VM_LOCKED test (ref 75, 71)")                    \
  X(kMigrateProcessUnlockedPage, kMigrate, kGateMigrateProcess, "migrate_pages over a present page no VM_LOCKED VMA maps", \
    "mm/mempolicy.c queue_folios_pte_range(): every present normal folio on a source node (ref 75)")               \
  X(kMigrateProcessNoNode, kMigrate, kGateMigrateProcess, "migrate_pages to a node without memory (EPERM/EINVAL)",   \
    "mm/mempolicy.c kernel_migrate_pages(): outside cpuset_mems_allowed() (ref 75)")                                \
  X(kCompactKeptUnevictable, kCompaction, kGateCompaction | kGatePageFlags,                                          \
    "compaction with compact_unevictable_allowed 0 kept a PG_mlocked page where it was",                              \
    "mm/compaction.c isolate_migratepages_block(): PageUnevictable without ISOLATE_UNEVICTABLE (ref 73)")          \
  X(kCompactMayMoveLocked, kCompaction, kGateCompaction | kGatePageFlags,                                            \
    "compaction with compact_unevictable_allowed 1 over a PG_mlocked page (may move, stays mlocked)",                 \
    "mm/compaction.c: ISOLATE_UNEVICTABLE; mm/migrate.c remove_migration_pte() mlocks the new page (ref 73, 71)")

enum class Event : uint8_t {
#define MLC_EVENT_ENUMERATOR(e, family, gates, name, citation) e,
  MLC_EVENTS(MLC_EVENT_ENUMERATOR)
#undef MLC_EVENT_ENUMERATOR
      kCount,
};

struct EventInfo {
  Event event;
  Family family;
  uint32_t gates;        // Gate bits: what a run needs for the event to happen
  const char* name;      // as the coverage prints it
  const char* citation;  // the rule that makes it happen
};

const EventInfo& InfoOf(Event e);
inline const char* EventName(Event e) { return InfoOf(e).name; }

}  // namespace mlc
