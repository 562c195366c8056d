#include "oracles/mutants.h"

namespace mlc {

// Each minimal sequence is minimal by construction: the bug needs the state
// its earlier calls create (a mapping, locked, on fault, future-locked or
// holding the zero page) and shows in the channels of its last call; no
// call can be dropped, and no single call both creates that state and
// triggers the bug. suite/tests/mutants_test.cc checks that the sequence detects
// its mutant, that dropping any call loses it, and that shrinking never
// finds a shorter one.
const std::vector<MutantInfo>& Mutants() {
  static const std::vector<MutantInfo> kMutants = {
      {PlantedBug::kOnFaultOverLockedKeepsLo, "onfault-over-locked-keeps-lo", "mlock2",
       "mlock2(MLOCK_ONFAULT) over lo pages leaves them without lf",
       "flag algebra newflags = (flags & ~VM_LOCKED_MASK) | VM_LOCKED | VM_LOCKONFAULT, b0f205c2a308 "
       "\"mm: mlock: add mlock flags to enable VM_LOCKONFAULT usage\" (v4.4); ref 16, 18",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "mlock2(r0, 0x1000, MLOCK_ONFAULT)\n"},
      {PlantedBug::kMlockOverOnFaultDoubleCounts, "mlock-over-onfault-double-counts", "mlock",
       "mlock() over an MLOCK_ONFAULT range adds its pages to locked_vm a second time",
       "the 4.4-4.8 bug fixed by b155b4fde5bd \"mm: mlock: avoid increase mm->locked_vm on mlock() "
       "when already mlock2(,MLOCK_ONFAULT)\" (v4.9, Simon Guo; LTP mlock203); ref 19, 25",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "mlock2(r0, 0x1000, MLOCK_ONFAULT)\n"
       "mlock(r0, 0x1000)\n"},
      {PlantedBug::kMlockOverOnFaultKeepsLf, "mlock-over-onfault-keeps-lf", "mlock",
       "mlock() over lo lf pages keeps VM_LOCKONFAULT, so nothing is populated",
       "VM_LOCKONFAULT must be cleared by mlock(): VM_LOCKED_MASK in apply_vma_lock_flags(), "
       "de60f5f10c58 \"mm: introduce VM_LOCKONFAULT\" and b0f205c2a308 (v4.4); ref 16, 19",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "mlock2(r0, 0x1000, MLOCK_ONFAULT)\n"
       "mlock(r0, 0x1000)\n"},
      {PlantedBug::kMunlockallKeepsFuture, "munlockall-keeps-future", "munlockall",
       "munlockall() leaves MCL_FUTURE in mm->def_flags: later mappings are still locked",
       "b0f205c2a308: \"munlockall() unconditionally clears ... the mm->def_flags field\"; "
       "apply_mlockall_flags(0), ref 52",
       "mlockall(MCL_FUTURE)\n"
       "munlockall()\n"
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"},
      {PlantedBug::kMlockallCurrentKeepsFuture, "mlockall-current-keeps-future", "mlockall",
       "mlockall(MCL_CURRENT) after mlockall(MCL_FUTURE) leaves future locking on",
       "b0f205c2a308: \"If a call to mlockall(MCL_FUTURE) is followed by mlockall(MCL_CURRENT), the "
       "mm->def_flags will be cleared\"; mlock(2) NOTES, ref 52",
       "mlockall(MCL_FUTURE)\n"
       "mlockall(MCL_CURRENT)\n"
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"},
      {PlantedBug::kFutureOnFaultLosesLf, "future-onfault-loses-lf", "mmap",
       "under mlockall(MCL_FUTURE|MCL_ONFAULT) new mappings get lo without lf and are populated",
       "def_flags carry VM_LOCKED|VM_LOCKONFAULT (b0f205c2a308), inherited in do_mmap() "
       "(calc_vm_flag_bits, mm->def_flags); the def_flags leak class fixed by d239462787b0; ref 53",
       "mlockall(MCL_FUTURE|MCL_ONFAULT)\n"
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"},
      {PlantedBug::kMlockallOnfaultAloneUnlocks, "mlockall-onfault-alone-unlocks", "mlockall",
       "mlockall(MCL_ONFAULT) alone returns 0 and acts as munlockall()",
       "the 4.4-5.1 behaviour fixed by dedca63504a2 \"mm/mlock.c: mlockall error for flag MCL_ONFAULT\" "
       "(v5.2); ref 3",
       "mlockall(MCL_ONFAULT)\n"},
      {PlantedBug::kHugeLengthIsEinval, "huge-length-is-einval", "mlock",
       "a length that rounds to 0 (SIZE_MAX) is EINVAL instead of a successful no-op",
       "\"mm/mlock: return EINVAL for illegal user memory range in mlock\" (Ma Wupeng, Dec 2022), "
       "carried by openEuler, not upstream; ref 5",
       "mlock(arena+0x0, 0xffffffffffffffff)\n"},
      {PlantedBug::kWrapAroundIsEnomem, "wrap-around-is-enomem", "mlock",
       "start+len wrapping around is ENOMEM: the VMA lookup runs before the range check",
       "errno order of apply_vma_lock_flags(): `if (end < start) return -EINVAL` before "
       "vma_find(); mlock(2) ERRORS; ref 4",
       "mlock(0xfffffffffffff000, 0x2000)\n"},
      {PlantedBug::kMprotectSkipsLockedPopulate, "mprotect-skips-locked-populate", "mprotect",
       "mprotect(+PROT_WRITE) of a locked private mapping does not COW-populate it",
       "the <= 4.1 behaviour fixed by 36f881883c57 \"mm: fix mprotect() behaviour on VM_LOCKED VMAs\" "
       "(v4.2); ref 41",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "mprotect(r0, 0x1000, PROT_READ|PROT_WRITE)\n"},
      {PlantedBug::kPopulateForcesProtNone, "populate-forces-prot-none", "mmap",
       "populate faults PROT_NONE pages in (FOLL_FORCE without the access check): mmap(MAP_LOCKED) "
       "makes them resident, mlock succeeds",
       "mm/gup.c populate_vma_page_range(): \"We want mlock to succeed for regions that have any "
       "permissions other than PROT_NONE\" (FOLL_FORCE only if vma_is_accessible()); ref 34",
       "r0 = mmap(arena+0x0, 0x1000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"},
      {PlantedBug::kOnFaultPopulates, "onfault-populates", "mlock2",
       "populate ignores VM_LOCKONFAULT: mlock2(MLOCK_ONFAULT) faults every page in",
       "mm/gup.c populate_vma_page_range(): \"Rightly or wrongly, the VM_LOCKONFAULT case has never "
       "used faultin_page()\"; b0f205c2a308 (pages \"should not be made present\"); ref 33",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "mlock2(r0, 0x1000, MLOCK_ONFAULT)\n"},
      {PlantedBug::kMunmapKeepsLockedVm, "munmap-keeps-locked-vm", "munmap",
       "munmap of locked pages does not take them out of locked_vm (VmLck leaks)",
       "the locked_vm bookkeeping of the munmap path (mm/vma.c vms_gather_munmap_vmas() / "
       "vms_complete_munmap_vmas(), mm/mmap.c do_munmap() before 6.12), rewritten with the maple "
       "tree conversion; ref 27, 57",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "munmap(r0, 0x1000)\n"},
      {PlantedBug::kMunlockPartialMiscounts, "munlock-partial-miscounts", "munlock",
       "munlock of part of a locked VMA subtracts the whole VMA from locked_vm",
       "mlock_fixup() accounts nr_pages of the fixed-up range only, after splitting the VMA "
       "(mm/mlock.c; the split/merge rework of vma_modify_flags(), 6.7); ref 17, 24",
       "r0 = mmap(arena+0x0, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "munlock(r0, 0x1000)\n"},
      {PlantedBug::kMapPopulateIgnored, "map-populate-ignored", "mmap",
       "mmap(MAP_POPULATE) of an unlocked mapping populates nothing",
       "do_mmap(): *populate = len for MAP_POPULATE without MAP_NONBLOCK, then mm_populate() in "
       "vm_mmap_pgoff(); mmap(2) MAP_POPULATE; ref 40",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_POPULATE, -1, 0)\n"},
      {PlantedBug::kWriteKeepsZeroPage, "write-keeps-zero-page", "write",
       "a write touch of a page holding the shared zero page leaves Rss/Locked without the new page",
       "mm/memory.c do_wp_page() -> wp_page_copy() allocates a fresh page for the zero page; "
       "smaps_pte_entry() counts it, never the zero page; ref 36, 45",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "read(r0)\n"
       "write(r0)\n"},
      {PlantedBug::kReadTouchAllocates, "read-touch-allocates", "read",
       "a read fault on private anonymous memory allocates a page instead of mapping the zero page",
       "the 2.6.24-2.6.31 kernels without a zero page: 557ed1fa2620 \"remove ZERO_PAGE\", reverted in "
       "spirit by a13ea5b75964 \"mm: reinstate ZERO_PAGE\"; mm/memory.c do_anonymous_page(); ref 36",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "read(r0)\n"},
      {PlantedBug::kCapDropIgnored, "cap-drop-ignored", "capset",
       "after capset() dropped CAP_IPC_LOCK, can_do_mlock() still sees it: a zero limit stops nothing",
       "can_do_mlock() (mm/mlock.c) asks capable(CAP_IPC_LOCK) of the current credentials at every "
       "call, and capset(2) (kernel/capability.c) commits new ones; the class of stale or wrong-namespace "
       "privilege checks (capable() is the initial user namespace's); ref 2",
       "prlimit64(0x0, 0x0)\n"
       "capset()\n"
       "mlock(arena+0x0, 0x0)\n"},
      {PlantedBug::kLoweredLimitIgnored, "lowered-limit-ignored", "prlimit64",
       "a lowered RLIMIT_MEMLOCK is not seen by mlock(), which keeps the old limit",
       "do_mlock() and can_do_mlock() (mm/mlock.c) read rlimit(RLIMIT_MEMLOCK) at every call, which "
       "do_prlimit() (kernel/sys.c) updates at once; setrlimit(2); ref 1, 7",
       "prlimit64(0x0, 0x0)\n"
       "capset()\n"
       "mlock(arena+0x0, 0x0)\n"},
      {PlantedBug::kLockedFileMmapPastEofFails, "locked-file-mmap-past-eof-fails", "mmap_file",
       "mmap(MAP_LOCKED) of a file range reaching past EOF fails with ENOMEM because population hit SIGBUS",
       "mm/util.c vm_mmap_pgoff() ignores mm_populate()'s result; mmap(2): MAP_LOCKED \"doesn't fail with "
       "ENOMEM\" when population fails; the populate error mapping of __mm_populate()/faultin_page() "
       "(VM_FAULT_SIGBUS -> -EFAULT), ref 39, 40",
       "r0 = mmap_file(arena+0x14000, 0x8000, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE|MAP_LOCKED, MEMFD, 0x14000)\n"},
      {PlantedBug::kTruncateKeepsLockedPages, "truncate-keeps-locked-pages", "ftruncate",
       "shrinking a file leaves the pages of locked mappings beyond the new EOF in place",
       "mm/shmem.c shmem_setattr() -> unmap_mapping_range(even_cows) + shmem_truncate_range(), "
       "mm/truncate.c truncate_pagecache(): mlocked pages are unmapped and freed like any other; "
       "ref 39",
       "r0 = mmap_file(arena+0x0, 0x1000, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE|MAP_LOCKED, MEMFD, 0x0)\n"
       "ftruncate(MEMFD, 0x0)\n"},
      {PlantedBug::kMadvDontneedIgnoresMlock, "madv-dontneed-ignores-mlock", "madvise",
       "madvise(MADV_DONTNEED) of a VM_LOCKED range zaps the locked pages instead of failing with EINVAL",
       "mm/madvise.c madvise_dontneed_free_valid_vma() forbids VM_LOCKED unless MADV_DONTNEED_LOCKED "
       "(9457056ac426, ref 60); the same bug was fixed in DragonOS, a Linux-compatible kernel, by "
       "DragonOS-Community/DragonOS pull request #1888 (2026, \"MADV_DONTNEED on a locked VMA should "
       "return EINVAL\", found with gVisor's mlock_test)",
       "r0 = mmap(arena+0x0, 0x1000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "madvise(r0, 0x1000, MADV_DONTNEED)\n"},
      {PlantedBug::kMadvPopulateIgnoresSigbus, "madv-populate-ignores-sigbus", "madvise",
       "MADV_POPULATE_READ/WRITE of a file page beyond EOF returns 0 instead of EFAULT",
       "the class of the bug fixed by \"mm/madvise: make MADV_POPULATE_(READ|WRITE) handle "
       "VM_FAULT_RETRY properly\" (David Hildenbrand, 2024, Fixes: 4ca9b3859dac, Cc: stable; reported "
       "by Darrick J. Wong): a fault's SIGBUS never became -EFAULT and madvise_populate() kept "
       "retrying; madvise(2): EFAULT for MADV_POPULATE_* where a fault would raise SIGBUS",
       "r0 = mmap_file(arena+0x18000, 0x1000, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE, MEMFD, 0x18000)\n"
       "madvise(r0, 0x1000, MADV_POPULATE_READ)\n"},
      {PlantedBug::kMremapGrowthNotPopulated, "mremap-growth-not-populated", "mremap",
       "mremap growth of a VM_LOCKED VMA leaves the new pages unpopulated",
       "do_mremap(): mm_populate(new_addr + old_len, delta) after a VM_LOCKED VMA grew (\"We want to populate "
       "the newly expanded portion of the VMA to satisfy the expectation that mlock()'ing a VMA maintains all "
       "of its pages in memory\", expand_vma(), v6.16); the flag carrying that decision was rewritten twice by "
       "the 2025 mremap refactor (vrm->mlocked set in vrm_stat_account(), then vrm->populate_expand set in "
       "check_prep_vma(), linux-mm, Lorenzo Stoakes), the class of bug a lost flag makes; ref 59",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "mremap(r0, 0x1000, 0x2000, 0, arena+0x0)\n"},
      {PlantedBug::kBrkFutureNotPopulated, "brk-future-not-populated", "brk",
       "brk growth under MCL_FUTURE makes the new heap pages VM_LOCKED but never faults them in",
       "mm/mmap.c SYSCALL_DEFINE1(brk): \"if (mm->def_flags & VM_LOCKED) populate = true\" then "
       "mm_populate(); population is each caller's job since bebeb3d68b24 \"mm: introduce mm_populate() "
       "for populating new vmas\" (v3.9) moved it out of do_brk(), and 2e7ce7d354f2 \"mm/mmap: change "
       "do_brk_flags() to expand existing VMA and add do_brk_munmap()\" (v6.1) rewrote the growth path; "
       "the class of a brk path that skips the populate; ref 28",
       "mlockall(MCL_FUTURE)\n"
       "brk(0x1000)\n"},
      {PlantedBug::kBrkShrinkKeepsLockedVm, "brk-shrink-keeps-locked-vm", "brk",
       "shrinking the heap unmaps locked pages but leaves them in locked_vm (VmLck)",
       "do_brk_munmap() of 2e7ce7d354f2 (v6.1 maple-tree series) accounted a partial unmap by hand, "
       "locked_vm included, until \"mm/mmap: change do_brk_munmap() to use do_mas_align_munmap()\" (same "
       "series, v12 29/69) made it the common munmap path (vms_complete_munmap_vmas() today); ref 27, 57",
       "mlockall(MCL_FUTURE)\n"
       "brk(0x1000)\n"
       "brk(0x0)\n"},
      {PlantedBug::kForkChildKeepsLocks, "fork-child-keeps-locks", "fork",
       "the fork child's copies of locked VMAs stay VM_LOCKED (and its locked_vm counts them)",
       "kernel/fork.c dup_mmap(): vm_flags_clear(tmp, VM_LOCKED_MASK); the mask had to grow with "
       "VM_LOCKONFAULT (de60f5f10c58 \"mm: introduce VM_LOCKONFAULT\", v4.4, which changed dup_mmap()'s "
       "\"tmp->vm_flags &= ~VM_LOCKED\"), the class of a lock bit that survives fork; mm_init() "
       "locked_vm = 0; mlock(2) NOTES; ref 31",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "fork(arena+0x1000, 0x1000)\n"},
      {PlantedBug::kForkChildInheritsFuture, "fork-child-inherits-future", "fork",
       "the fork child inherits MCL_FUTURE: its own new mappings are locked and populated",
       "kernel/fork.c mm_init(): \"mm->def_flags = current->mm->def_flags & VM_INIT_DEF_MASK\" "
       "(VM_NOHUGEPAGE only, since the PR_SET_THP_DISABLE fork fix; dup_mm() memcpy()s the parent's mm "
       "first, so any bit not masked here is inherited); mlockall(2): MCL_FUTURE is not inherited; ref 55",
       "mlockall(MCL_FUTURE)\n"
       "fork(arena+0x0, 0x1000)\n"},
      // Needs the THP profile: SimulateSequence() turns it on for this one.
      {PlantedBug::kThpSplitKeepsMlocked, "thp-split-keeps-mlocked", "munlock",
       "a PMD split at a lock boundary leaves the whole THP mlocked, the munlocked part included",
       "e90309c9f772 \"thp: allow mlocked THP again\" (v4.5, Kirill Shutemov): \"we just avoid mlocking "
       "PTE-mapped THPs and munlock THPs on split_huge_pmd()\"; since Hugh Dickins' 5.18 rewrite "
       "folio_remove_rmap_pmd() -> munlock_vma_folio() (mm/internal.h); ref 46",
       "r0 = mmap(arena+0x0, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
       "munlock(r0, 0x1000)\n"},
      {PlantedBug::kHugetlbMapLockedCounts, "hugetlb-map-locked-counts", "mmap",
       "MAP_LOCKED leaves a hugetlb VMA VM_LOCKED and counts it in locked_vm",
       "the special-VMA filter of mmap_region()/__mmap_complete() (is_vm_hugetlb_page() with VM_SPECIAL, "
       "now vma_supports_mlock()); the class of d239462787b0 \"mm: prevent droppable mappings from being "
       "locked\", where one path missed the filter; ref 21, 63",
       "r0 = mmap(arena+0x0, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED|MAP_HUGETLB, -1, 0)\n"},
      {PlantedBug::kLimitDiscountSkipsOnFault, "limit-discount-skips-onfault", "mlock",
       "without CAP_IPC_LOCK, mlock() over an MLOCK_ONFAULT range near RLIMIT_MEMLOCK is ENOMEM: the discount "
       "of pages already locked counts only VMAs without VM_LOCKONFAULT",
       "count_mm_mlocked_page_nr() (mm/mlock.c) counts every VM_LOCKED VMA, VM_LOCKONFAULT included "
       "(0cf2f6f6dc60 \"mm: mlock: check against vma for actual mlock() size\", v4.9, Simon Guo; the same "
       "series as b155b4fde5bd); ref 7, 19",
       "prlimit64(0x1000, 0x1000)\n"
       "capset()\n"
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "mlock2(r0, 0x1000, MLOCK_ONFAULT)\n"
       "mlock(r0, 0x1000)\n"},
      {PlantedBug::kMlockallFutureKeepsOnFault, "mlockall-future-keeps-onfault", "mlockall",
       "mlockall(MCL_FUTURE) after mlockall(MCL_FUTURE|MCL_ONFAULT) keeps VM_LOCKONFAULT in def_flags: new "
       "mappings are lo lf and not populated",
       "apply_mlockall_flags() (mm/mlock.c) clears all of VM_LOCKED_MASK from mm->def_flags before setting "
       "the new bits (b0f205c2a308); the def_flags leak class of d239462787b0; ref 51-53",
       "mlockall(MCL_FUTURE|MCL_ONFAULT)\n"
       "mlockall(MCL_FUTURE)\n"
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"},
      {PlantedBug::kRelockAcrossSeamDoubleCounts, "relock-across-seam-double-counts", "mlock",
       "mlock() of a range that starts in an unlocked VMA and goes on into a locked one adds the locked VMA's "
       "pages to locked_vm again",
       "mlock_fixup() (mm/mlock.c) decides per VMA: \"if (!(newflags & VM_LOCKED)) nr_pages = -nr_pages; else "
       "if (old_flags & VM_LOCKED) nr_pages = 0\", each VMA's own old flags; the accounting class of "
       "b155b4fde5bd; ref 24, 25",
       "r0 = mmap(arena+0x0, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
       "mlock(r0+0x1000, 0x1000)\n"
       "mlock(r0, 0x2000)\n"},
      {PlantedBug::kReclaimTakesLockedPage, "reclaim-takes-locked-page", "reclaim",
       "memcg reclaim with swap pages out a present page of a VM_LOCKED VMA",
       "folio_referenced_one()/try_to_unmap_one() (mm/rmap.c) find VM_LOCKED, mlock the folio and keep it; the "
       "class of the 5.18-6.5 PTE-mapped large folios of VM_LOCKED VMAs that were never mlocked and so stayed "
       "on the evictable LRU (mlock(2): locked pages stay in RAM); ref 66",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "reclaim(0x1000)\n"},
      {PlantedBug::kReclaimClearsMlocked, "reclaim-clears-mlocked", "reclaim",
       "memcg reclaim leaves the pages of VM_LOCKED VMAs resident but clears PG_mlocked (and so takes them off "
       "the unevictable list)",
       "reclaim only ever sets PG_mlocked on a page a VM_LOCKED VMA maps (mm/rmap.c folio_referenced_one() -> "
       "mlock_vma_folio()), never clears it; the \"mlock state lost\" class (mlock_count, mm/mlock.c); ref 43, "
       "66",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "reclaim(0x1000)\n"},
      {PlantedBug::kReclaimIgnoresOtherMapping, "reclaim-ignores-other-mapping", "reclaim",
       "memcg reclaim takes a memfd page through its unlocked mapping although another mapping of it is "
       "VM_LOCKED: the locked mapping loses its page",
       "the rmap walk of shrink_folio_list() visits every mapping; folio_referenced_one() stops at the VM_LOCKED "
       "one and the folio is kept (mm/rmap.c); a page mapped locked anywhere is mlocked (mlock_count, "
       "mm/mlock.c); ref 66",
       "r0 = mmap_file(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE|MAP_FIXED_NOREPLACE, "
       "MEMFD, 0)\n"
       "r1 = mmap_file(arena+0x20000, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "MEMFD, 0)\n"
       "reclaim(0x1000)\n"},
      {PlantedBug::kMigrationClearsMlocked, "migration-clears-mlocked", "move_pages",
       "a page of a VM_LOCKED VMA migrated by move_pages arrives on its new node without PG_mlocked",
       "remove_migration_pte() mlocks the new folio wherever a VM_LOCKED VMA maps it again (6.1 "
       "page_add_anon_rmap() -> mlock_vma_page(), 6.12 mlock_vma_folio()); the \"mlock state lost across "
       "migration\" class (mlock_count is lost while isolated, mm/migrate.c __unmap_and_move()); ref 71",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "move_pages(r0, 0x1000, 1)\n"},
      {PlantedBug::kMigrationDropsLockedPte, "migration-drops-locked-pte", "move_pages",
       "a migrated page of a VM_LOCKED VMA is left without a pte: the locked page is no longer resident there",
       "remove_migration_ptes() turns every migration entry back into a pte of the new folio (mm/migrate.c); "
       "mlock(2): locked pages stay in RAM; ref 70",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "move_pages(r0, 0x1000, 1)\n"},
      {PlantedBug::kMigrationStaysOnNode, "migration-stays-on-node", "move_pages",
       "move_pages stores the target node in status[] but the page stays on the other node",
       "move_pages_and_store_status() stores the node only for a batch that migrated (mm/migrate.c); "
       "move_pages(2): status is the node the page is on; ref 69, 70",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "move_pages(r0, 0x1000, 1)\n"},
      {PlantedBug::kMigrateProcessSkipsLocked, "migrate-pages-skips-locked", "migrate_pages",
       "migrate_pages(2) returns 0 but leaves the pages of VM_LOCKED VMAs on their old node",
       "migrate_to_node() queues every folio of the whole address space on a source node, with no VM_LOCKED or "
       "PG_mlocked test (mm/mempolicy.c queue_folios_pte_range(), 6.1 queue_pages_pte_range()); "
       "Documentation/mm/unevictable-lru.rst \"Migrating MLOCKED Pages\"; the class of mlocked pages a "
       "migration walk strands; ref 75",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "migrate_pages(1)\n"},
      {PlantedBug::kMunmapKeepsNrMlock, "munmap-keeps-nr-mlock", "munmap",
       "munmap of mlocked pages leaves them in NR_MLOCK: /proc/meminfo Mlocked does not come back down",
       "the munlock of an unmapped page takes it off NR_MLOCK (mm/mlock.c munlock_folio() -> __munlock_folio(), "
       "or the free of a PG_mlocked page); the NR_MLOCK underflow on munmap of a locked THP (7162a1e87b3e) and "
       "the Mlocked that never came back down (CVE-2017-18221, 70feee0e1ef3); ref 72",
       "r0 = mmap(arena+0x0, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "munmap(r0, 0x1000)\n"
       "munlock(r0+0x1000, 0x1000)\n"},
      {PlantedBug::kMunlockCountsNoEvent, "munlock-counts-no-event", "munlock",
       "the munlock batch takes pages off NR_MLOCK without counting them in /proc/vmstat unevictable_pgs_munlocked",
       "__munlock_folio() counts UNEVICTABLE_PGMUNLOCKED (or _PGSTRANDED) for the pages it takes off NR_MLOCK "
       "(mm/mlock.c); the counters a missed munlock path would leave apart; ref 74",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "munlock(r0, 0x1000)\n"},
      {PlantedBug::kCompactionMovesUnevictable, "compaction-moves-unevictable", "compact",
       "compaction with vm.compact_unevictable_allowed 0 migrates PG_mlocked pages to other page frames",
       "isolate_migratepages_block() skips PageUnevictable pages without ISOLATE_UNEVICTABLE (mm/compaction.c); "
       "Documentation/admin-guide/sysctl/vm.rst compact_unevictable_allowed: \"compaction is not allowed to move "
       "pages that are unevictable\" (the real-time use of mlock); ref 73",
       "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED|MAP_FIXED_NOREPLACE, "
       "-1, 0)\n"
       "compact(0)\n"},
  };
  return kMutants;
}

const MutantInfo* MutantNamed(const std::string& name) {
  for (const MutantInfo& m : Mutants()) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

}  // namespace mlc
