// mmap(2), munmap(2), mprotect(2): creating, replacing (MAP_FIXED), removing
// and re-protecting mappings. Mirrors mm/mmap.c, mm/vma.c and mm/mprotect.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

int64_t Model::PageIndex(uint64_t addr) const {
  if (addr < config_.arena_base) return -1;
  const uint64_t page = (addr - config_.arena_base) / config_.page_size;
  return page < config_.arena_pages ? static_cast<int64_t>(page) : -1;
}

bool Model::MappedAt(uint64_t addr) const {
  const int64_t i = PageIndex(addr);
  return i >= 0 && pages_[static_cast<size_t>(i)].mapped;
}

bool Model::CanRead(uint8_t prot) const {
  return (prot & uapi::kProtRead) || (config_.write_implies_read && (prot & uapi::kProtWrite)) ||
         (config_.measured.exec_only_readable && (prot & uapi::kProtExec));
}

bool Model::CanWrite(uint8_t prot) { return (prot & uapi::kProtWrite) != 0; }

// do_mmap(), mm/mmap.c, for anonymous mappings at a fixed address.
Outcome Model::Mmap(const Op& op, StepEffects& fx) {
  // "if (!len) return -EINVAL;" comes first.
  if (op.len == 0) return Fail(uapi::kEinval);
  const int type = op.flags & (uapi::kMapShared | uapi::kMapPrivate);
  if (type != uapi::kMapShared && type != uapi::kMapPrivate) return Fail(uapi::kEinval);
  const uint64_t mask = config_.page_size - 1;
  // arch/x86/kernel/sys_x86_64.c sys_mmap(): an offset that is not a page
  // multiple is EINVAL.
  const bool file_backed = op.kind == OpKind::kMmapFile;
  if (file_backed && (op.offset & mask)) return Fail(uapi::kEinval);
  const bool secret = file_backed && op.file == kSecretmem;
  // ksys_mmap_pgoff(), mm/mmap.c, before do_mmap(): MAP_HUGETLB on a file
  // that is not hugetlbfs is EINVAL; anonymous MAP_HUGETLB rounds len up to
  // the huge page size and maps a hugetlbfs file of its own
  // (hugetlb_file_setup(HUGETLB_ANON_FILE, ...), reserving nothing yet).
  const bool huge = op.flags & uapi::kMapHugetlb;
  if (huge && file_backed) return Fail(uapi::kEinval);
  if (huge && config_.huge_page_pages == 0) return Fail(uapi::kEinval);  // not modelled, never generated
  const uint64_t huge_mask = config_.huge_page_pages * config_.page_size - 1;
  const uint64_t len = huge ? (op.len + huge_mask) & ~huge_mask : (op.len + mask) & ~mask;
  // PAGE_ALIGN overflow is do_mmap()'s ENOMEM; ALIGN() to 0 in
  // ksys_mmap_pgoff() reaches do_mmap()'s "if (!len) return -EINVAL".
  if (len == 0) return Fail(huge ? uapi::kEinval : uapi::kEnomem);
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  // MAP_FIXED_NOREPLACE implies MAP_FIXED; __get_unmapped_area() rejects an
  // unaligned fixed address with EINVAL, and for hugetlbfs one off the huge
  // page boundary (hugetlb_get_unmapped_area(), prepare_hugepage_range()).
  if ((op.flags & (uapi::kMapFixed | uapi::kMapFixedNoreplace)) && (addr & (huge ? huge_mask : mask))) {
    return Fail(uapi::kEinval);
  }
  const int64_t first = PageIndex(addr);
  const uint64_t count = len / config_.page_size;
  // The generator keeps fixed mappings inside the arena; anything else is
  // outside what the model knows.
  if (first < 0 || static_cast<uint64_t>(first) + count > config_.arena_pages) {
    return Fail(uapi::kEinval);
  }
  // MAP_FIXED_NOREPLACE over any existing VMA: EEXIST (since 4.17).
  if (op.flags & uapi::kMapFixedNoreplace) {
    for (uint64_t p = 0; p < count; ++p) {
      if (pages_[static_cast<size_t>(first) + p].mapped) return Fail(uapi::kEexist);
    }
  }
  // VM_LOCKED comes from MAP_LOCKED or from mm->def_flags (MCL_FUTURE), with
  // VM_LOCKONFAULT only from def_flags (calc_vm_flag_bits, ref 26, 53).
  Lock lock = future_lock_;
  if ((op.flags & uapi::kMapLocked) && lock == Lock::kNone) lock = Lock::kLocked;
  // do_mmap(), after the EEXIST check: MAP_LOCKED needs can_do_mlock()
  // (EPERM, only for the flag, not for def_flags); then mlock_future_ok()
  // with the whole length against locked_vm as it is before a MAP_FIXED
  // unmaps anything, so replacing locked pages can fail with EAGAIN although
  // the result would fit (ref 2, 12; mmap(2) EAGAIN).
  if ((op.flags & uapi::kMapLocked) && !CanDoMlock()) {
    fx.Note(Event::kNoLockPermission);
    return Fail(uapi::kEperm);
  }
  if (!MlockFutureOk(lock, len)) {
    fx.Note(Event::kLockedMmapOverLimit);
    uint64_t replaced_locked = 0;
    for (uint64_t p = 0; p < count; ++p) {
      const PageState& page = pages_[static_cast<size_t>(first) + p];
      replaced_locked += page.mapped && page.lock != Lock::kNone;
    }
    if (LockedVmPages() - replaced_locked + count <= LimitPages()) {
      fx.Note(Event::kMapFixedEagainOverOwnLocked);
    }
    return Fail(uapi::kEagain);
  }
  // do_mmap(), in its `if (file)` part after the two checks above: PROT_EXEC
  // of a file on a noexec mount is EPERM (path_noexec()).
  if (file_backed && (op.prot & uapi::kProtExec) && op.file >= 0 && op.file < 32 &&
      (config_.noexec_files >> op.file) & 1) {
    return Fail(uapi::kEperm);
  }
  // mmap_region() unmaps the old range before the file's ->mmap(); a
  // hugetlb VMA cut off its huge page boundary refuses the split
  // (hugetlb_vm_op_split()): ENOMEM before 6.12, the split's EINVAL since
  // (KernelProfile::mmap_unmap_failure_is_enomem). A start split already
  // made stays.
  if (HugetlbSplitRefused(first) || HugetlbSplitRefused(first + static_cast<int64_t>(count))) {
    if (!HugetlbSplitRefused(first)) NoteHugetlbVmaStart(first);
    MarkSeam(static_cast<uint64_t>(first));
    fx.Note(Event::kHugetlbSplitRefused);
    return Fail(config_.profile.mmap_unmap_failure_is_enomem ? uapi::kEnomem : uapi::kEinval);
  }
  // hugetlbfs_file_mmap() -> hugetlb_reserve_pages(): the whole length is
  // reserved at mmap time; without that many free, unreserved huge pages
  // (hugetlb_acct_memory() -> gather_surplus_pages(), no overcommit) it is
  // ENOMEM, after the old range was unmapped, which leaves a gap (as for
  // secretmem below). The unmapping has by then freed the replaced private
  // huge pages and their reservations (hugetlb_vm_op_close()); a shared
  // file's pages are freed only when its last mapping's file is released.
  if (huge) {
    uint64_t replaced_private = 0;
    for (uint64_t p = 0; p < count; ++p) {
      const PageState& page = pages_[static_cast<size_t>(first) + p];
      replaced_private += page.mapped && page.hugetlb && !page.shared;
    }
    const uint64_t held = HugetlbHeldPages() - replaced_private / config_.huge_page_pages;
    if (held + count / config_.huge_page_pages > config_.hugetlb_available) {
      fx.Note(Event::kHugetlbNoReserve);
      for (uint64_t p = 0; p < count; ++p) {
        PageState& page = pages_[static_cast<size_t>(first) + p];
        NoteMlockDropped(page, /*zapped=*/true, fx);
        if (page.mapped) SetLock(page, Lock::kNone, fx);
        ResetPage(static_cast<size_t>(first) + p);
      }
      NoteHugetlbVmaStart(first + static_cast<int64_t>(count));
      return Fail(uapi::kEnomem);
    }
  }
  // mm/secretmem.c secretmem_mmap() (secretmem_mmap_prepare() since 6.17),
  // called last: shared mappings only (EINVAL), then its own
  // mlock_future_ok() for the VM_LOCKED it adds (EAGAIN), then
  // vm_flags_set(vma, VM_LOCKED | VM_DONTDUMP); __mmap_complete() counts it
  // in locked_vm (ref 22).
  // When the hook fails, a MAP_FIXED range it was to replace is already
  // unmapped: "leaving a gap where the MAP_FIXED mapping failed"
  // (mm/vma.c vms_abort_munmap_vmas() once the ptes are cleared, since 6.12;
  // mmap_region() unmapped before calling ->mmap() until then).
  // With the charge at fault time (MeasuredBehaviour::secretmem_locked false) the
  // hook checks the sharing only and sets just VM_DONTDUMP.
  if (secret &&
      (type != uapi::kMapShared || (config_.measured.secretmem_locked && !MlockFutureOk(Lock::kLocked, len)))) {
    const bool invalid = type != uapi::kMapShared;
    if (!invalid) fx.Note(Event::kLockedMmapOverLimit);
    for (uint64_t p = 0; p < count; ++p) {
      PageState& page = pages_[static_cast<size_t>(first) + p];
      NoteMlockDropped(page, /*zapped=*/true, fx);
      if (page.mapped) SetLock(page, Lock::kNone, fx);
      ResetPage(static_cast<size_t>(first) + p);
    }
    return Fail(invalid ? uapi::kEinval : uapi::kEagain);
  }
  if (future_lock_ != Lock::kNone) fx.Note(Event::kFutureLockedMmap);
  // do_mmap() decides to populate from these flags, before the file's mmap.
  const bool populate =
      lock != Lock::kNone ||
      ((op.flags & (uapi::kMapPopulate | uapi::kMapNonblock)) == uapi::kMapPopulate &&
       !Mutant(PlantedBug::kMapPopulateIgnored));
  // secretmem_mmap() sets VM_LOCKED itself (see above); where it does not,
  // a MAP_LOCKED or MCL_FUTURE lock stays (__mmap_complete() filters
  // secretmem no more than any file VMA), and mlock_fixup() never removes it.
  if (secret && config_.measured.secretmem_locked && lock == Lock::kNone) lock = Lock::kLocked;
  // MAP_FIXED unmaps what was there first (ref 27): fresh pages, not resident.
  for (uint64_t p = 0; p < count; ++p) {
    PageState& page = pages_[static_cast<size_t>(first) + p];
    if (page.mapped && page.lock != Lock::kNone) fx.Note(Event::kMapFixedReplacedLocked);
    NoteMlockDropped(page, /*zapped=*/true, fx);
    if (page.mapped) SetLock(page, Lock::kNone, fx);
    PageState fresh;
    fresh.mapped = true;
    fresh.shared = type == uapi::kMapShared;
    fresh.prot = static_cast<uint8_t>(op.prot & 7);
    if (!file_backed && (fresh.shared || huge)) fresh.shm_id = next_shm_id_;
    fresh.hugetlb = huge;
    // mm/mmap.c accountable_mapping(): private writable mappings are
    // VM_ACCOUNT, anonymous or file, hugetlb (file_hugepages) excepted; two
    // VMAs that differ in it never merge (is_mergeable_vma()).
    fresh.account = type == uapi::kMapPrivate && (op.prot & uapi::kProtWrite) && !huge;
    if (file_backed) {
      fresh.file = static_cast<int8_t>(op.file);
      fresh.file_page = static_cast<uint32_t>(op.offset / config_.page_size + p);
    }
    ResetPage(static_cast<size_t>(first) + p, fresh);
    // __mmap_complete() (mmap_region() before 6.12) clears VM_LOCKED_MASK of
    // a hugetlb VMA and does not count it; populate still runs (ref 63).
    SetLock(page, huge && !Mutant(PlantedBug::kHugetlbMapLockedCounts) ? Lock::kNone : lock, fx);
    if (huge && lock != Lock::kNone) fx.Note(Event::kHugetlbLockSkipped);
  }
  if (huge) {
    fx.Note(Event::kHugetlbMapped);
    if (type == uapi::kMapShared) hugetlb_files_.emplace_back(next_shm_id_, count / config_.huge_page_pages);
    NoteHugetlbVmaStart(first);
  }
  NoteHugetlbVmaStart(first + static_cast<int64_t>(count));  // what is left of a hugetlb VMA cut here
  if (!file_backed && (type == uapi::kMapShared || huge)) ++next_shm_id_;
  MarkSeam(static_cast<uint64_t>(first));  // the new VMA may or may not merge with its neighbours
  MarkSeam(static_cast<uint64_t>(first) + count);
  regions_.push_back({op.region, static_cast<uint64_t>(first), count});
  // do_mmap(): *populate = len if VM_LOCKED or MAP_POPULATE without
  // MAP_NONBLOCK; vm_mmap_pgoff() then mm_populate()s ignoring errors
  // (mmap(2): MAP_LOCKED "doesn't fail with ENOMEM" if population fails, ref 40).
  if (populate) Populate(addr, addr + len, /*ignore_errors=*/true, fx);
  if (file_backed && lock != Lock::kNone && Mutant(PlantedBug::kLockedFileMmapPastEofFails)) {
    for (uint64_t p = 0; p < count; ++p) {
      if (BeyondEof(pages_[static_cast<size_t>(first) + p])) return Fail(uapi::kEnomem);
    }
  }
  return Ok(static_cast<int64_t>(addr));
}

// do_vmi_munmap(), mm/vma.c (mm/mmap.c before 6.12): unaligned start, a length
// that rounds to 0 or reaches past TASK_SIZE are EINVAL; holes are fine.
// Unmapped locked pages leave locked_vm (ref 27, 57).
Outcome Model::Munmap(const Op& op, StepEffects& fx) {
  const uint64_t mask = config_.page_size - 1;
  const uint64_t start = AbsoluteAddress(op, config_.arena_base);
  if (start & mask) return Fail(uapi::kEinval);
  if (start > config_.task_size || op.len > config_.task_size - start) return Fail(uapi::kEinval);
  const uint64_t len = (op.len + mask) & ~mask;
  if (len == 0) return Fail(uapi::kEinval);
  // vms_gather_munmap_vmas() (do_vmi_align_munmap() before 6.12) splits the
  // VMAs cut by the range's start, then its end; hugetlb_vm_op_split()
  // refuses a cut off the huge page boundary: EINVAL, nothing unmapped, a
  // start split already made stays.
  const int64_t first_index = PageIndex(start);
  const int64_t end_index = PageIndex(start + len);
  if (HugetlbSplitRefused(first_index) || HugetlbSplitRefused(end_index)) {
    if (!HugetlbSplitRefused(first_index)) NoteHugetlbVmaStart(first_index);
    if (first_index >= 0) MarkSeam(static_cast<uint64_t>(first_index));
    fx.Note(Event::kHugetlbSplitRefused);
    return Fail(uapi::kEinval);
  }
  NoteHugetlbVmaStart(end_index);
  const uint64_t arena_end = config_.arena_base + config_.arena_pages * config_.page_size;
  for (uint64_t addr = std::max(start, config_.arena_base); addr < std::min(start + len, arena_end);
       addr += config_.page_size) {
    PageState& page = pages_[(addr - config_.arena_base) / config_.page_size];
    if (Mutant(PlantedBug::kMunmapKeepsNrMlock) && page.mapped && (page.file < 0 || page.cow) &&
        PageMlocked((addr - config_.arena_base) / config_.page_size)) {
      ++mutant_nr_mlock_leak_;
    }
    NoteMlockDropped(page, /*zapped=*/true, fx);
    if (page.mapped && page.lock != Lock::kNone) {
      fx.Note(Event::kMunmapOfLocked);
      if (Mutant(PlantedBug::kMunmapKeepsLockedVm)) ++vmlck_skew_pages_;
      SetLock(page, Lock::kNone, fx);
    }
    ResetPage((addr - config_.arena_base) / config_.page_size);
  }
  return Ok();
}

// do_mprotect_pkey(), mm/mprotect.c: unaligned start is EINVAL; len 0 is a
// successful no-op even over a hole; a start in a hole is ENOMEM with no
// change; a later hole is ENOMEM after earlier VMAs were changed. Lock flags
// are kept (ref 58). mprotect_fixup(): a private VM_LOCKED VMA that was not
// writable and becomes writable is populated with write faults right away
// (36f881883c57 "mm: fix mprotect() behaviour on VM_LOCKED VMAs", ref 41),
// which populate_vma_page_range() skips for VM_LOCKONFAULT.
Outcome Model::Mprotect(const Op& op, StepEffects& fx) {
  const uint64_t mask = config_.page_size - 1;
  const uint64_t start = AbsoluteAddress(op, config_.arena_base);
  if (start & mask) return Fail(uapi::kEinval);
  if (op.len == 0) return Ok();
  const uint64_t len = (op.len + mask) & ~mask;
  const uint64_t end = start + len;
  if (end <= start) return Fail(uapi::kEnomem);
  if ((op.prot & ~(uapi::kProtRead | uapi::kProtWrite | uapi::kProtExec)) != 0) {
    return Fail(uapi::kEinval);  // arch_validate_prot(); PROT_SEM never generated
  }
  if (!MappedAt(start)) return Fail(uapi::kEnomem);
  // Whether each page's VMA has an anon_vma, as mprotect_fixup() finds it
  // before it changes anything: one lookup per VMA of the range.
  // `vma_start`: a VMA of the range may begin at this page.
  std::vector<bool> vma_has_anon_vma(pages_.size());
  std::vector<bool> vma_start(pages_.size());
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    const int64_t i = PageIndex(addr);
    if (i < 0) continue;
    const auto at = static_cast<size_t>(i);
    const bool alike = addr > start && at > 0 && SameVma(pages_, at - 1, at);
    vma_has_anon_vma[at] = alike ? vma_has_anon_vma[at - 1] : VmaHasAnonVma(pages_, at);
    // Alike pages across a seam are taken as one VMA (as SpanOf() does):
    // its flags change all at once before its populate, whose first fault
    // finds the VMA's real neighbour for find_mergeable_anon_vma() (found
    // by a 6.18 host soak: mlockall() had merged a PROT_NONE VMA split off
    // by a failed mlock, and its populate reused the anon_vma of the
    // compatible VMA after it; corpus MprotectPopulateOfAMergedVmaReusesItsNeighboursAnonVma).
    vma_start[at] = !alike;
  }
  // do_mprotect_pkey() -> mprotect_fixup() one VMA at a time: the VMA's
  // new flags first (vma_modify_flags(), which may merge it with a
  // neighbour and so give it that neighbour's anon_vma), then
  // populate_vma_page_range() of the VMA, before the next VMA changes.
  std::vector<size_t> to_populate;
  auto populate = [&]() {
    for (const size_t at : to_populate) {
      PageState& page = pages_[at];
      // A write fault of a private file page beyond EOF: do_cow_fault()
      // gives the VMA its anon_vma (vmf_anon_prepare(); 6.1:
      // anon_vma_prepare()) before __do_fault() finds no page (found by a
      // 6.18 host soak: mlockall() then merged the VMA with its neighbour,
      // whose resident pages a fork child got). populate_vma_page_range()'s
      // errors are ignored there.
      if (BeyondEof(page)) {
        NoteAnonVma(pages_, at, /*prepared=*/true);
        continue;
      }
      fx.Note(Event::kMprotectPopulated);
      FaultIn(page, /*write=*/true, fx);
      NoteAnonVma(pages_, at);
    }
    to_populate.clear();
  };
  // mprotect_fixup() may split at both ends (and wherever it stops).
  if (PageIndex(start) >= 0) MarkSeam(static_cast<uint64_t>(PageIndex(start)));
  if (PageIndex(start) >= 0) MarkSeam(static_cast<uint64_t>(PageIndex(start)) + len / config_.page_size);
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    const int64_t i = PageIndex(addr);
    if (i >= 0 && vma_start[static_cast<size_t>(i)]) populate();
    if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) {
      populate();
      return Fail(uapi::kEnomem);
    }
    PageState& page = pages_[static_cast<size_t>(i)];
    // do_mprotect_pkey(): a VMA without VM_MAYEXEC (a file on a noexec
    // mount, do_mmap() cleared it) cannot get PROT_EXEC: EACCES, after the
    // VMAs before it were changed.
    if ((op.prot & uapi::kProtExec) && page.file >= 0 && page.file < 32 && ((config_.noexec_files >> page.file) & 1)) {
      populate();
      return Fail(uapi::kEacces);
    }
    // mprotect_fixup() of a hugetlb VMA, entered at its first page in the
    // range: nothing to do when the flags stay ("newflags == oldflags"),
    // else it splits the VMA where the range cuts it, start first, and
    // hugetlb_vm_op_split() refuses a cut off the huge page boundary:
    // EINVAL, with the VMAs before it already changed.
    if (page.hugetlb && (addr == start || page.vma_start) && page.prot != op.prot) {
      const size_t h = static_cast<size_t>(config_.huge_page_pages);
      if (!page.vma_start && static_cast<size_t>(i) % h != 0) {
        fx.Note(Event::kHugetlbSplitRefused);
        populate();
        return Fail(uapi::kEinval);
      }
      page.vma_start = true;
      size_t vma_end = static_cast<size_t>(i) + 1;
      while (vma_end < pages_.size() && SameVmaAttrs(vma_end - 1, vma_end)) ++vma_end;
      const int64_t end_index = PageIndex(end);
      if (end_index >= 0 && static_cast<size_t>(end_index) < vma_end) {
        if (static_cast<size_t>(end_index) % h != 0) {
          fx.Note(Event::kHugetlbSplitRefused);
          populate();
          return Fail(uapi::kEinval);
        }
        pages_[static_cast<size_t>(end_index)].vma_start = true;
      }
    }
    const bool was_writable = page.prot & uapi::kProtWrite;
    const bool flags_change = page.prot != op.prot;  // else "newflags == oldflags": nothing changes
    page.prot = static_cast<uint8_t>(op.prot);
    // mprotect_fixup() charges a private mapping made writable (VM_ACCOUNT)
    // and keeps the charge when it becomes read-only again, except (since
    // v6.7, "mm/mprotect: allow unfaulted VMAs to be unaccounted on
    // mprotect()", Lorenzo Stoakes) an anonymous VMA without an anon_vma.
    if (!page.shared && !page.hugetlb && CanWrite(page.prot)) {
      page.account = true;
    } else if (flags_change && page.account && page.file < 0 && !vma_has_anon_vma[static_cast<size_t>(i)] &&
               config_.profile.mprotect_unaccounts_unfaulted_anon) {
      page.account = false;
    }
    if (!page.shared && page.lock == Lock::kLocked && !was_writable && CanWrite(page.prot) &&
        !Mutant(PlantedBug::kMprotectSkipsLockedPopulate)) {
      drain_this_step_ = true;  // populate_vma_page_range() drains whatever it finds
      to_populate.push_back(static_cast<size_t>(i));
    }
  }
  populate();
  return Ok();
}

}  // namespace mlc
