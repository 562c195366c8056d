#include "oracles/rule_citations.h"

namespace mlc {
namespace {

bool Noted(const StepEffects& fx, Event e) { return fx.events[static_cast<size_t>(e)] > 0; }

bool IsLockRange(OpKind kind) {
  return kind == OpKind::kMlock || kind == OpKind::kMlock2 || kind == OpKind::kMunlock;
}

// Events that decide a call's result, most specific first: the result's
// rule is the event's (oracles/events.h).
constexpr Event kResultEvents[] = {
    Event::kHugetlbSplitRefused, Event::kHugetlbNoReserve, Event::kNoLockPermission, Event::kMlockOverLimit,
    Event::kMlockallOverTotalVm, Event::kLockedMmapOverLimit, Event::kMadvLockedEinval, Event::kMadvPopulateEinval,
    Event::kMadvPopulateEof, Event::kMadvHole, Event::kMadvFreeNotAnon, Event::kMremapAcrossVmas,
    Event::kMremapOverLimit, Event::kBrkOverLimit, Event::kPopulateStoppedAtProtNone, Event::kPopulateStoppedAtEof,
};

std::string ResultRule(const Op& op, const Outcome& expected, const StepEffects& fx) {
  const int err = expected.ret == -1 ? expected.err : 0;
  for (Event e : kResultEvents) {
    if (Noted(fx, e)) return InfoOf(e).citation;
  }
  switch (op.kind) {
    case OpKind::kDropCapIpcLock:
      return "kernel/capability.c capset(): lowering the effective and permitted sets needs no privilege";
    case OpKind::kSetMemlockLimit:
      return "kernel/sys.c do_prlimit(): soft above hard is EINVAL, raising the hard limit needs "
             "CAP_SYS_RESOURCE (setrlimit(2))";
    case OpKind::kMmapFile:
      if (err == uapi::kEperm) return "mm/mmap.c do_mmap(): PROT_EXEC of a file on a noexec mount is EPERM";
      if (err == uapi::kEagain) {
        return "mm/secretmem.c secretmem_mmap(): mlock_future_ok() for the VM_LOCKED it adds (ref 12)";
      }
      if (err == uapi::kEinval) {
        return "mm/mmap.c do_mmap(): len 0 or an unaligned offset is EINVAL; mm/secretmem.c secretmem_mmap(): "
               "shared mappings only";
      }
      if (err == uapi::kEexist) return "mm/mmap.c do_mmap(): MAP_FIXED_NOREPLACE over a mapping is EEXIST";
      return "mm/mmap.c do_mmap(): population errors (pages beyond EOF) never fail the mmap (mmap(2), ref 39, 40)";
    case OpKind::kFtruncate:
      return "mm/shmem.c shmem_setattr(): shrinking unmaps and frees every page beyond the new EOF, private "
             "copies included, locked or not (unmap_mapping_range(), ref 39)";
    case OpKind::kMlock:
    case OpKind::kMlock2:
    case OpKind::kMunlock:
      if (op.kind == OpKind::kMlock2 && err == uapi::kEinval && (op.flags & ~uapi::kMlockOnfault)) {
        return "mm/mlock.c SYSCALL_DEFINE3(mlock2): flags other than MLOCK_ONFAULT are EINVAL before anything else (ref 1)";
      }
      if (err == uapi::kEinval) return "mm/mlock.c apply_vma_lock_flags(): end < start after rounding is EINVAL (ref 4)";
      if (err == uapi::kEnosys) return "mlock2 is missing on this kernel (ENOSYS, probed)";
      if (err == uapi::kEnomem) {
        return "mm/mlock.c apply_vma_lock_flags(): a start or a hole outside any VMA is ENOMEM, VMAs before the "
               "hole already changed (ref 6)";
      }
      return "mm/mlock.c do_mlock()/apply_vma_lock_flags(): rounding outward, an empty or rounded-to-0 range "
             "succeeds (ref 5, 8)";
    case OpKind::kMlockall:
      if (err == uapi::kEinval) {
        return "mm/mlock.c SYSCALL_DEFINE1(mlockall): 0, unknown bits and MCL_ONFAULT alone are EINVAL "
               "(dedca63504a2, ref 3)";
      }
      return "mm/mlock.c apply_mlockall_flags(): per-VMA and populate errors are ignored (ref 11)";
    case OpKind::kMunlockall: return "mm/mlock.c SYSCALL_DEFINE0(munlockall): always 0 (ref 52)";
    case OpKind::kMmap:
      if (err == uapi::kEexist) return "mm/mmap.c do_mmap(): MAP_FIXED_NOREPLACE over a mapping is EEXIST";
      if (err != 0) return "mm/mmap.c do_mmap(): len 0, a bad map type or an unaligned fixed address is EINVAL";
      return "mm/mmap.c do_mmap(): MAP_LOCKED/MAP_POPULATE never fail because population failed (mmap(2), ref 40)";
    case OpKind::kMunmap:
      return "mm/vma.c do_vmi_munmap(): an unaligned start or a length rounding to 0 is EINVAL, holes are fine";
    case OpKind::kMprotect:
      return "mm/mprotect.c do_mprotect_pkey(): unaligned start EINVAL, a hole ENOMEM after earlier VMAs changed";
    case OpKind::kReadTouch:
    case OpKind::kWriteTouch:
      return "mmap(2): an access to an unmapped page or one its protection forbids raises SIGSEGV";
    case OpKind::kMadvise:
      return "mm/madvise.c do_madvise(): unknown advice (per version), an unaligned start, a length rounding to "
             "0 or wrap-around are EINVAL; len 0 is 0";
    case OpKind::kMremap:
      if (err == uapi::kEinval) {
        return "mm/mremap.c check_mremap_params(): unknown flags, unaligned addresses, new_len 0, FIXED or "
               "DONTUNMAP without MAYMOVE, DONTUNMAP resizing, overlapping ranges are EINVAL";
      }
      if (err == uapi::kEfault) return "mm/mremap.c do_mremap(): no VMA at addr is EFAULT";
      if (err == uapi::kEnomem) return "mm/mremap.c expand_vma(): no room to grow in place without MREMAP_MAYMOVE is ENOMEM";
      return "mm/mremap.c do_mremap(): the new address on success (mremap(2), ref 30, 59)";
    case OpKind::kBrk:
      return "mm/mmap.c SYSCALL_DEFINE1(brk): returns the new break, or the old one on failure; shrinking is "
             "always allowed (ref 27, 28)";
    case OpKind::kFork:
      return "kernel/fork.c: fork succeeds; the child's own mmap uses def_flags without VM_LOCKED (mm_init(), "
             "VM_INIT_DEF_MASK, ref 55)";
    case OpKind::kCompact:
      return "mm/compaction.c sysctl_compaction_handler(): the write compacts every node and succeeds; "
             "compact_unevictable_allowed takes 0 or 1 (ref 73)";
    case OpKind::kMovePages:
      return "mm/migrate.c do_pages_move(): -ENODEV for a node without memory before any page; else 0, or the "
             "number of pages not migrated (move_pages(2); per-page errors go to status[] only, ref 69)";
    case OpKind::kMigratePages:
      return "mm/mempolicy.c kernel_migrate_pages(): a target without memory is EPERM without CAP_SYS_NICE, "
             "EINVAL with it; else the number of folios of the whole process not migrated (ref 75)";
    case OpKind::kReclaim:
      return "mm/memcontrol.c memory_reclaim(): the bytes written once that much was reclaimed, -EAGAIN when "
             "retries found nothing more; less than a page asks for nothing (ref 68)";
  }
  return "oracles/model/";
}

}  // namespace

std::string CiteRule(const Op& op, Channel channel, const Outcome& expected, const StepEffects& fx) {
  switch (channel) {
    case Channel::kResult: return ResultRule(op, expected, fx);
    case Channel::kVma:
      if (op.kind == OpKind::kMprotect) return "mm/mprotect.c mprotect_fixup(): protection changes, lock flags stay (ref 58)";
      if (op.kind == OpKind::kMmap) {
        return "mm/mmap.c do_mmap(): VM_LOCKED from MAP_LOCKED or mm->def_flags, VM_LOCKONFAULT only from "
               "def_flags (ref 26, 53); MAP_FIXED unmaps first (ref 27)";
      }
      if (op.kind == OpKind::kMlockall || op.kind == OpKind::kMunlockall) {
        return "mm/mlock.c apply_mlockall_flags(): every VMA becomes exactly VM_LOCKED(+VM_LOCKONFAULT) or "
               "unlocked; def_flags cleared first (b0f205c2a308, ref 51, 52)";
      }
      if (IsLockRange(op.kind)) {
        return "mm/mlock.c apply_vma_lock_flags(): newflags = (vm_flags & ~VM_LOCKED_MASK) | requested "
               "(b0f205c2a308, ref 16-20)";
      }
      if (op.kind == OpKind::kDropCapIpcLock || op.kind == OpKind::kSetMemlockLimit) {
        return "capset(2) and setrlimit(2) change no mapping";
      }
      if (op.kind == OpKind::kMremap) {
        return "mm/mremap.c move_vma()/copy_vma(): the lock flags move with the VMA; dontunmap_complete() "
               "clears them on the old range (ref 30, 59)";
      }
      if (op.kind == OpKind::kBrk) {
        return "mm/mmap.c do_brk_flags(): new heap pages get mm->def_flags (VM_LOCKED, VM_LOCKONFAULT); a shrink "
               "unmaps (ref 27, 28)";
      }
      if (op.kind == OpKind::kFork) {
        return "kernel/fork.c dup_mmap(): the child's VMAs lose VM_LOCKED_MASK, the parent's keep theirs "
               "(mlock(2): locks are not inherited, ref 31, 61)";
      }
      return "a touch changes no VMA flags";
    case Channel::kResidency:
    case Channel::kRss:
    case Channel::kLocked:
      if (op.kind == OpKind::kMprotect) {
        return "mm/mprotect.c mprotect_fixup(): a locked private VMA made writable is COW-populated "
               "(36f881883c57, ref 41), not an ONFAULT one (ref 33)";
      }
      if (op.kind == OpKind::kMremap) {
        return "mm/mremap.c move_page_tables(): moved pages keep their residency; do_mremap(): a grown "
               "VM_LOCKED VMA is populated (mm_populate()), VM_LOCKONFAULT is not (ref 59)";
      }
      if (op.kind == OpKind::kReadTouch || op.kind == OpKind::kWriteTouch) {
        return "mm/memory.c do_anonymous_page()/do_wp_page(): a private read fault maps the zero page (resident, "
               "in neither Rss nor Locked), a write fault a new page (ref 36, 45)";
      }
      if (op.kind == OpKind::kMadvise) {
        return "mm/madvise.c: MADV_DONTNEED(_LOCKED) zaps the ptes (page cache and shmem keep their pages), "
               "MADV_FREE/MADV_PAGEOUT leave residency open where reclaim decides, MADV_COLD and MADV_PAGEOUT "
               "of anonymous memory without swap keep it, MADV_POPULATE_* faults like a touch";
      }
      if (op.kind == OpKind::kBrk) {
        return "mm/mmap.c SYSCALL_DEFINE1(brk): mm_populate() of the new heap pages when def_flags has VM_LOCKED, "
               "not for VM_LOCKONFAULT (ref 28, 33)";
      }
      if (op.kind == OpKind::kFork) {
        return "kernel/fork.c dup_mmap() -> copy_page_range(): ptes are copied only for VMAs with an anon_vma "
               "(vma_needs_copy()); mincore falls back to the page cache (ref 44, 47)";
      }
      if (op.kind == OpKind::kMovePages || op.kind == OpKind::kMigratePages) {
        return "mm/migrate.c remove_migration_ptes(): every migration entry becomes a pte of the new folio; "
               "migration changes no page's residency (ref 70)";
      }
      if (op.kind == OpKind::kReclaim) {
        return "mm/rmap.c folio_referenced_one()/try_to_unmap_one(): reclaim keeps every page a VM_LOCKED VMA "
               "maps, with all its ptes (ref 66); mm/vmscan.c get_scan_count(): without swap no swap-backed "
               "page is scanned (ref 65); with swap an unlocked one may go (ref 67)";
      }
      return "mm/gup.c populate_vma_page_range(): VM_LOCKONFAULT is never populated (ref 33), PROT_NONE fails "
             "(ref 34), private writable VMAs take write faults (ref 35-37); fs/proc/task_mmu.c smaps_account(): "
             "Locked is the PSS of present normal pages of VM_LOCKED VMAs (ref 48, 49)";
    case Channel::kVmLck:
      if (op.kind == OpKind::kMremap) {
        return "mm/mremap.c vrm_stat_account()/unmap_source_vma(): locked_vm + new_len - old_len for a moved "
               "VM_LOCKED VMA, + delta when grown in place, - the unmapped tail when shrunk; MREMAP_DONTUNMAP "
               "moves the lock and its count with the pages (ref 30)";
      }
      if (op.kind == OpKind::kFork) return "kernel/fork.c mm_init(): the child's locked_vm is 0 (ref 31)";
      if (op.kind == OpKind::kBrk) {
        return "mm/mmap.c do_brk_flags(): locked_vm += the new pages when VM_LOCKED; a shrink uncounts the "
               "unmapped locked pages (ref 27, 28)";
      }
      return "mm->locked_vm counts the virtual pages of VM_LOCKED VMAs, ONFAULT and PROT_NONE included, once "
             "(mm/mlock.c mlock_fixup(), b155b4fde5bd, ref 24, 25); unmapping uncounts them (ref 27, 57)";
    case Channel::kVmLckVsSmaps:
      return "mm/mlock.c mlock_fixup(): locked_vm changes by exactly the pages whose VMA gains or loses "
             "VM_LOCKED (ref 24-25)";
    case Channel::kMsyncBusy:
      return "mm/msync.c msync(): MS_INVALIDATE over a VM_LOCKED VMA is EBUSY (the lock flags, witnessed "
             "without smaps)";
    case Channel::kPageFlags:
      if (op.kind == OpKind::kMovePages || op.kind == OpKind::kMigratePages) {
        return "mm/migrate.c remove_migration_pte(): a VM_LOCKED VMA mlocks the new folio (mlock_vma_folio()), "
               "so a migrated locked page is PG_mlocked on its new node (ref 71)";
      }
      if (op.kind == OpKind::kReclaim) {
        return "mm/rmap.c folio_referenced_one(): reclaim meeting a page of a VM_LOCKED VMA mlocks it "
               "(mlock_vma_folio()) and keeps it; PG_mlocked is never cleared by reclaim (ref 66)";
      }
      return "mm/mlock.c mlock_folio()/munlock_folio(): PG_mlocked while a VM_LOCKED VMA maps the page "
             "(5.18+), PG_unevictable once the batches are drained (ref 43); the zero page is never "
             "mlocked (fs/proc/page.c stable_page_flags(), ref 36); a PTE-mapped large folio in a locked VMA "
             "may be munlocked (mm/mlock.c allow_mlock_munlock(), ref 46)";
    case Channel::kThp:
      return "mm/huge_memory.c __split_huge_pmd(): a VMA boundary inside a PMD-mapped THP splits it "
             "(vma_adjust_trans_huge(), zap_pmd_range()); a PMD mapping needs one private anonymous VMA over "
             "the range (thp_vma_suitable_order()); smaps AnonHugePages counts PMD-mapped THPs (ref 46)";
    case Channel::kHugetlb:
      return "fs/proc/task_mmu.c smaps_hugetlb_range(): present huge pages count in Private_Hugetlb/"
             "Shared_Hugetlb, never in Rss; mlock, MAP_LOCKED and mlockall populate hugetlb VMAs without "
             "locking them (mm/mlock.c mlock_fixup(), mm/gup.c __mm_populate(), ref 21, 63)";
    case Channel::kMoveStatus:
      return "mm/migrate.c do_pages_move()/add_page_for_migration() (6.1), add_folio_for_migration() (6.12): "
             "the node, or -EFAULT without a VMA or for the zero page, -ENOENT (6.1 anonymous: -EFAULT) "
             "without a pte, -EACCES for a page mapped twice, -EBUSY when isolation fails (ref 69)";
    case Channel::kNode:
      if (op.kind == OpKind::kMigratePages) {
        return "mm/mempolicy.c migrate_to_node(): with nothing failed (0), every present normal page of the "
               "process on another node, VM_LOCKED or not, moved to the target; a page mapped twice only with "
               "MPOL_MF_MOVE_ALL (ref 75)";
      }
      return "mm/migrate.c move_pages_and_store_status(): a page whose status names a node was migrated "
             "there (or was there), and stays until something replaces it (ref 69, 70)";
    case Channel::kCompaction:
      return "mm/compaction.c isolate_migratepages_block(): without ISOLATE_UNEVICTABLE "
             "(vm.compact_unevictable_allowed 0) a PageUnevictable page is not isolated, so a PG_mlocked page keeps "
             "its page frame; compact_nodes() drains every CPU first (ref 73)";
    case Channel::kMeminfo:
      return "fs/proc/meminfo.c: Mlocked is NR_MLOCK, counted as mlock_folio() sets PG_mlocked and as the munlock "
             "batch clears it (mm/mlock.c), a page-cache page once; Unevictable the unevictable LRU, memfd_secret's "
             "pages included; both after a drain and /proc/sys/vm/stat_refresh (ref 72)";
    case Channel::kVmstat:
      return "mm/vmstat.c: NR_MLOCK changes only with an unevictable_pgs_* event of the same pages: mlocked in "
             "mlock_folio()/mlock_new_folio(), munlocked or stranded in __munlock_folio(), cleared in "
             "free_pages_prepare() (ref 74)";
    case Channel::kCount: break;
  }
  return "oracles/model/";
}

}  // namespace mlc
