// madvise(2): DONTNEED(_LOCKED), FREE, COLD, PAGEOUT, WILLNEED and
// POPULATE_READ/WRITE, page by page. Mirrors mm/madvise.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

// madvise(2), mm/madvise.c do_madvise() (madvise_do_behavior() since 6.15,
// same order): an advice the kernel does not know is EINVAL
// (madvise_behavior_valid(), per version: KernelProfile), then an unaligned
// start, a length that rounds up to 0 and wrap-around are EINVAL, and an
// empty range is 0. madvise_walk_vmas() then visits the VMAs in order:
// holes are skipped and turn a success into ENOMEM at the end ("If the
// interval [start,end) covers some unmapped address ranges, just ignore
// them, but return -ENOMEM at the end"), while a VMA's own error stops the
// walk and is returned with the earlier VMAs already advised (ref 60). The
// model advises page by page: every per-VMA check reads a flag that all
// pages of one VMA share. MADV_POPULATE_* since 6.10 does not walk
// (KernelProfile::madv_populate_stops_at_hole).
// The model knows the advice below; any other value it takes as EINVAL, and
// generators use only unassigned ones (5-7, 99).
Outcome Model::Madvise(const Op& op, StepEffects& fx) {
  const int advice = op.advice;
  const KernelProfile& profile = config_.profile;
  bool known = false;
  switch (advice) {
    case uapi::kMadvWillneed:
    case uapi::kMadvDontneed:
    case uapi::kMadvFree: known = true; break;
    case uapi::kMadvCold:
    case uapi::kMadvPageout: known = profile.madv_cold_pageout; break;
    case uapi::kMadvPopulateRead:
    case uapi::kMadvPopulateWrite: known = profile.madv_populate; break;
    case uapi::kMadvDontneedLocked: known = profile.madv_dontneed_locked; break;
    default: break;
  }
  if (!known) return Fail(uapi::kEinval);
  const uint64_t mask = config_.page_size - 1;
  const uint64_t start = AbsoluteAddress(op, config_.arena_base);
  if (start & mask) return Fail(uapi::kEinval);
  const uint64_t len = (op.len + mask) & ~mask;
  if (op.len != 0 && len == 0) return Fail(uapi::kEinval);
  const uint64_t end = start + len;
  if (end < start) return Fail(uapi::kEinval);
  if (end == start) return Ok();
  const bool populate = advice == uapi::kMadvPopulateRead || advice == uapi::kMadvPopulateWrite;
  bool hole = false;
  bool advised = false;  // an earlier mapped page of the range was advised
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    const int64_t i = PageIndex(addr);
    if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) {
      // Pages outside the arena: the runner only lets ranges reach into the
      // empty guard holes around it.
      if (populate && profile.madv_populate_stops_at_hole) {
        fx.Note(Event::kMadvHole);
        return Fail(uapi::kEnomem);
      }
      hole = true;
      continue;
    }
    const int rc = populate ? MadvisePopulatePage(static_cast<size_t>(i), advice == uapi::kMadvPopulateWrite, fx)
                            : MadvisePage(pages_[static_cast<size_t>(i)], advice, fx);
    if (rc != 0) {
      if (rc == -uapi::kEinval && pages_[static_cast<size_t>(i)].lock != Lock::kNone && !populate) {
        fx.Note(Event::kMadvLockedEinval);
        if (advised) fx.Note(Event::kMadvPartialEinval);
      }
      return Fail(-rc);
    }
    advised = true;
  }
  if (hole) {
    fx.Note(Event::kMadvHole);
    return Fail(uapi::kEnomem);
  }
  return Ok();
}

// One page of a VMA madvise_walk_vmas() visits, for the advice that are
// not MADV_POPULATE_*; 0 or -errno.
int Model::MadvisePage(PageState& page, int advice, StepEffects& fx) {
  const bool locked = page.lock != Lock::kNone;  // VM_LOCKED (ONFAULT too; secretmem sets it)
  const bool present = page.residency == Residency::kPage;
  switch (advice) {
    case uapi::kMadvDontneed:
    case uapi::kMadvDontneedLocked:
      // madvise_dontneed_free_valid_vma(): VM_LOCKED is forbidden unless
      // MADV_DONTNEED_LOCKED (9457056ac426, which keeps VM_LOCKED and
      // locked_vm: only the ptes go, and the next fault of the locked VMA
      // maps and mlocks the page again).
      if (locked && advice == uapi::kMadvDontneed && !Mutant(PlantedBug::kMadvDontneedIgnoresMlock)) {
        return -uapi::kEinval;
      }
      // zap_page_range_single(): every pte goes, a private file mapping's
      // COW copies included (mincore then answers from the page cache,
      // ref 47); page-cache and shmem pages stay in their file or object.
      if (page.residency != Residency::kNone) {
        fx.Note(Event::kMadvZapped);
        if (locked) fx.Note(Event::kMadvZappedLocked);
      }
      if (page.file < 0 && page.shared && present && locked && !page.shm_mlock_uncertain) {
        fx.Note(Event::kMlockUncertain);
      }
      NoteMlockDropped(page, /*zapped=*/true, fx);
      if (page.file < 0 && page.shared && (present || page.shm_cached)) page.shm_cached = true;
      // A shared anonymous page whose pte was open keeps its object's page
      // open; a private one is gone for certain; a file page's cache state
      // is FileState::cache_open's.
      page.open = page.open && page.file < 0 && page.shared;
      page.residency = Residency::kNone;
      page.cow = false;
      return 0;
    case uapi::kMadvFree:
      if (locked) return -uapi::kEinval;  // madvise_dontneed_free_valid_vma()
      // madvise_free_single_vma(): "MADV_FREE works for only anon vma at the
      // moment" (vma_is_anonymous(): no vm_ops; shmem and files have them).
      if (page.file >= 0 || page.shared) {
        fx.Note(Event::kMadvFreeNotAnon);
        return -uapi::kEinval;
      }
      // madvise_free_pte_range() skips the zero page (vm_normal_folio() is
      // NULL) and marks the rest lazyfree (folio_mark_lazyfree()); they stay
      // mapped and counted until reclaim discards them, "delayed until memory
      // pressure occurs" (madvise(2)), which no rule pins to a step.
      if (present) {
        fx.Note(Event::kMadvFreeLazy);
        page.open = true;
      }
      return 0;
    case uapi::kMadvCold:
      // can_madv_lru_vma(): !(VM_LOCKED|VM_PFNMAP|VM_HUGETLB). MADV_COLD only
      // deactivates (madvise_cold_or_pageout_pte_range(), pageout=false):
      // nothing is unmapped, and without swap anonymous and shmem pages are
      // never scanned by reclaim (mm/vmscan.c get_scan_count(): SCAN_FILE
      // when !can_reclaim_anon_pages()).
      if (locked) return -uapi::kEinval;
      if (present) fx.Note(Event::kMadvColdKept);
      return 0;
    case uapi::kMadvPageout:
      if (locked) return -uapi::kEinval;  // can_madv_lru_vma()
      if (!present) return 0;  // the zero page is skipped (vm_normal_folio())
      // An unlocked secretmem VMA (MeasuredBehaviour::secretmem_locked false):
      // secretmem_file_create() makes its mapping unevictable
      // (mapping_set_unevictable()), and shrink_folio_list() keeps
      // unevictable folios mapped and cached.
      if (page.file == kSecretmem) return 0;
      // reclaim_pages() -> shrink_folio_list(): an anonymous folio (private
      // anonymous, or a COW copy) needs add_to_swap() before it is
      // unmapped; without an active swap area that fails and the folio is
      // activated, still mapped. With swap it may go.
      if ((page.file < 0 && !page.shared) || page.cow) {
        if (config_.swap_active) {
          fx.Note(Event::kMadvPageoutOpen);
          page.open = true;
        } else {
          fx.Note(Event::kMadvPageoutKept);
        }
        return 0;
      }
      // A shmem folio (memfd, tmpfs, shared anonymous): "Do not interfere
      // with other mappings of this folio" skips one mapped twice (mapcount
      // != 1); else, if it is on the LRU (it may still sit in another CPU's
      // lru_add batch) and not busy, try_to_unmap() drops the pte, and a
      // clean folio leaves the page cache while a dirty one is kept
      // (shmem_writepage() without swap redirties). Which happens depends
      // on state the rules do not expose (seen on 6.18: some pages of one
      // call stay mapped, others leave the page cache): left open.
      if (page.file >= 0 && FileMapcount(page.file, page.file_page) >= 2 && !MlockUncertain(page)) return 0;
      fx.Note(Event::kMadvPageoutOpen);
      page.open = true;
      if (page.file >= 0) {
        auto& open = files_[static_cast<size_t>(page.file)].cache_open;
        if (page.file_page >= open.size()) open.resize(page.file_page + 1, false);
        open[page.file_page] = true;
      }
      return 0;
    case uapi::kMadvWillneed:
      // madvise_willneed(): anonymous memory gets a swap-in walk, shmem
      // (memfd, tmpfs, shared anonymous) shmem_swapin_range() /
      // force_shm_swapin_readahead(): with nothing swapped out nothing
      // changes, and shmem holes are not read ahead (seen on 6.18: mincore
      // stays 0). Without CONFIG_SWAP anonymous VMAs answer EBADF.
      // secretmem is no shmem mapping: vfs_fadvise(POSIX_FADV_WILLNEED)
      // finds nothing to read ahead.
      if (!config_.config_swap && page.file < 0 && !page.shared) return -9;  // EBADF
      fx.Note(Event::kMadvWillneed);
      return 0;
  }
  return -uapi::kEinval;
}

// MADV_POPULATE_READ/WRITE on one page: madvise_populate() ->
// faultin_page_range() (faultin_vma_page_range() before 6.10), GUP without
// FOLL_FORCE. check_vma_flags() refuses a VMA without VM_READ (reads) or
// VM_WRITE (writes) and secretmem, which madvise reports as EINVAL
// ("Incompatible mappings / permissions"), PROT_NONE included; a fault's
// VM_FAULT_SIGBUS beyond EOF is EFAULT. Pages before the failing one stay
// populated. Faults are taken as a touch takes them (FaultIn, read
// fault-around), and land in a VM_LOCKED VMA mlocked (VM_LOCKONFAULT too:
// GUP, not populate_vma_page_range()). GUP ends with lru_add_drain().
int Model::MadvisePopulatePage(size_t index, bool write, StepEffects& fx) {
  PageState& page = pages_[index];
  const bool allowed = write ? (page.prot & uapi::kProtWrite) != 0 : (page.prot & uapi::kProtRead) != 0;
  if (!allowed || page.file == kSecretmem) {
    if (page.prot == uapi::kProtNone) fx.Note(Event::kPopulateStoppedAtProtNone);
    fx.Note(Event::kMadvPopulateEinval);
    return -uapi::kEinval;
  }
  drain_this_step_ = true;
  ReadFaultAround(index, write);
  if (BeyondEof(page)) {
    NoteAnonVma(pages_, index, /*prepared=*/write);
    if (Mutant(PlantedBug::kMadvPopulateIgnoresSigbus)) return 0;
    fx.Note(Event::kMadvPopulateEof);
    return -uapi::kEfault;
  }
  fx.Note(Event::kMadvPopulated);
  FaultIn(page, write, fx);
  NoteAnonVma(pages_, index);  // GUP faults like a touch: the VMA gets its anon_vma
  return 0;
}

}  // namespace mlc
