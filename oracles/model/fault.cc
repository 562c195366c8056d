// Page faults and population: what a touch faults in, fault-around of file
// pages, and __mm_populate() for locked and MAP_POPULATE ranges. Mirrors
// mm/memory.c (handle_mm_fault(), do_fault_around()) and mm/gup.c (populate_vma_page_range()).

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

// A fault on one page, as taken by a touch or by GUP during populate.
// Private anonymous read faults map the shared zero page (mm/memory.c
// do_anonymous_page); write faults, and any fault on a shared (shmem)
// mapping, give a real page (mm/shmem.c shmem_fault allocates on read).
//
// File pages (callers have checked EOF) come from the page cache, which the
// fault fills (mm/shmem.c shmem_fault(), SGP_CACHE); a shared mapping maps
// that page for reads and writes; a private one maps it for reads and gets
// its own anonymous copy on a write (mm/memory.c do_cow_fault() reads the
// page cache page first, wp_page_copy() for a page mapped read-only).
//
// A fault settles what madvise left open: it maps the page it finds in the
// page cache or allocates one. Only a read fault on a private anonymous
// lazyfree page stays open: reclaimed, it maps the zero page instead
// (mm/vmscan.c shrink_folio_list() discards a clean lazyfree folio).
void Model::FaultIn(PageState& page, bool write, StepEffects& fx) {
  // A private mapping's own anonymous copy that reclaim may have swapped
  // out comes back from swap (mm/memory.c do_swap_page()); the page cache
  // is not read, its state stays as it was (found by a 6.12.118 guest run:
  // the file's page, swapped out too, stayed absent).
  if (page.file >= 0 && page.cow) {
    page.open = false;
    page.residency = Residency::kPage;
    return;
  }
  if (page.file >= 0) {
    auto& cached = files_[static_cast<size_t>(page.file)].cached;
    if (page.file_page >= cached.size()) cached.resize(page.file_page + 1, false);
    cached[page.file_page] = true;
    auto& cache_open = files_[static_cast<size_t>(page.file)].cache_open;
    if (page.file_page < cache_open.size()) cache_open[page.file_page] = false;
    page.open = false;
    if (page.shared || !write) {
      if (page.residency == Residency::kNone) page.residency = Residency::kPage;
      return;
    }
    if (!page.cow) {
      if (page.residency == Residency::kPage) fx.Note(Event::kFileCowBroken);
      NoteMlockDropped(page, /*zapped=*/true, fx);
      page.cow = true;
      page.residency = Residency::kPage;
    }
    return;
  }
  if (write || page.shared) {
    if (page.residency == Residency::kZeroPage) fx.Note(Event::kZeroPageReplaced);
    page.residency = Residency::kPage;
    page.open = false;
    page.shm_cached = false;
  } else if (page.residency == Residency::kNone) {
    // do_anonymous_page(): reads map the zero page unless mm_forbids_zeropage().
    page.residency = config_.measured.read_fault_maps_zero_page ? Residency::kZeroPage : Residency::kPage;
  }
}

// Whether adjacent arena pages a < b of a file lie in one VMA: same file at
// consecutive offsets and equal flags merge (mm/vma.c is_mergeable_vma(),
// can_vma_merge_after()); two private VMAs with anon_vmas of their own stay
// apart (is_mergeable_anon_vma(), DistinctAnonVmas()).
bool Model::SameFileVma(size_t a, size_t b) const {
  const PageState& x = pages_[a];
  const PageState& y = pages_[b];
  // Shared anonymous memory is a shmem object of its own per mmap (mm/shmem.c
  // shmem_zero_setup()), mapped at consecutive offsets until an mremap move:
  // copy_vma() keeps a file VMA's pgoff, so a moved page's VMA and its new
  // neighbour from the same object are not contiguous (PageState::
  // anon_pgoff_skew; found by a 6.18 host soak: fault-around mapped the
  // neighbour's pages into the moved page's VMA).
  if (x.mapped && y.mapped && x.file < 0 && y.file < 0 && x.shared && y.shared) {
    return x.shm_id == y.shm_id && x.anon_pgoff_skew == y.anon_pgoff_skew && x.prot == y.prot && x.lock == y.lock;
  }
  return x.mapped && y.mapped && x.file >= 0 && x.file == y.file && y.file_page == x.file_page + 1 &&
         x.shared == y.shared && x.prot == y.prot && x.lock == y.lock && x.account == y.account &&
         !DistinctAnonVmas(x, y);
}

// Read fault-around, mm/memory.c do_read_fault() -> do_fault_around() ->
// filemap_map_pages() (mm/filemap.c; shmem uses it too): before the fault
// itself is handled (even one that ends in SIGBUS), pte-less pages whose
// file pages are in the page cache and before EOF are mapped as a read
// fault would map them, over fault_around_pages ptes (64 KiB by default)
// from max(the fault's pte rounded down to that many, the VMA's start),
// clamped to the VMA and to the page table. The arena is 2 MiB aligned, so
// arena pages stand for pte indices.
// The fault-around of a read fault, if the access faults: a file or shmem
// page without a pte does; one whose pte madvise left open
// (PageState::open) may or may not, so what fault-around would map is left
// open too.
void Model::ReadFaultAround(size_t index, bool write) {
  const PageState& page = pages_[index];
  if (write || (page.file < 0 && !page.shared)) return;
  if (page.residency == Residency::kNone) {
    FaultAround(index);
  } else if (page.open) {
    FaultAround(index, /*maybe=*/true);
  }
}

void Model::FaultAround(size_t index, bool maybe) {
  const uint64_t block = config_.fault_around_pages;
  // secretmem_vm_ops has no ->map_pages (mm/secretmem.c): no fault-around.
  if (block <= 1 || pages_[index].file == kSecretmem) return;
  const uint64_t ptes = config_.page_size / 8;  // PTRS_PER_PTE
  const size_t table_end = std::min<size_t>(pages_.size(), index - index % ptes + ptes);
  // The faulting VMA's anon_vma, where the model knows it (the page's own
  // mark, or one within its seams): a page marked with another lies in
  // another VMA (is_mergeable_anon_vma()), and so does anything beyond it,
  // even where the pages between look alike (found on 6.18 by a --thp soak:
  // munlockall() leaves a VMA whose failed COW fault beyond EOF gave it an
  // anon_vma of its own next to one merged with a COWed page's VMA).
  // An anon_vma that may be the faulting VMA's (PageState::anon_vma_alt)
  // leaves open whether the pages beyond are in it.
  size_t owner = index;
  for (size_t k = index; pages_[owner].anon_vma == 0 && k > 0 && !pages_[k].seam && SameFileVma(k - 1, k); --k) owner = k - 1;
  for (size_t k = index; pages_[owner].anon_vma == 0 && k + 1 < pages_.size() && !pages_[k + 1].seam && SameFileVma(k, k + 1); ++k) {
    owner = k + 1;
  }
  if (pages_[owner].anon_vma == 0) owner = index;
  auto foreign = [&](size_t k) { return DistinctAnonVmas(pages_[owner], pages_[k]); };
  auto undecided = [&](size_t k) { return AnonVmasUndecided(pages_[owner], pages_[k]); };
  // A VMA without a known anon_vma that reaches, across a seam, a page
  // with one has that one (the merge shared it), so pages beyond with
  // another are not in it (found on 6.18 by a --thp soak: a file mapping
  // merged into a COWed neighbour's VMA, and fault-around from it stopped
  // at the VMA before, whose COWed page had another anon_vma; corpus
  // FaultAroundStopsAtAnAnonVmaReachedAcrossASeam; mm/vma.c
  // is_mergeable_anon_vma(): a VMA without one merges with a neighbour that
  // has one and shares it). Either way the walk stops there: without that
  // merge the VMA ends before the page.
  const size_t base_owner = owner;
  auto adopt = [&](size_t k) {
    if (pages_[owner].anon_vma == 0 && pages_[k].anon_vma != 0) owner = k;
  };
  // [from, to]: pages fault-around may map; [sure_from, sure_to]: those it
  // certainly maps. The window starts at the VMA's start if that is later
  // than the fault's block, so an undecided start moves its end too.
  size_t from = index, sure_from = index;
  bool sure = true;
  while (from > index - index % block && SameFileVma(from - 1, from) && !foreign(from - 1)) {
    --from;
    adopt(from);
    sure = sure && !undecided(from);
    if (sure) sure_from = from;
  }
  const size_t end = std::min<size_t>(table_end, from + block);
  const size_t far_end = std::min<size_t>(table_end, sure_from + block);
  // What the walk down adopted holds only if that merge happened; the VMA
  // may have merged upwards instead, so pages up there with another
  // anon_vma are only perhaps in it.
  const size_t down_owner = owner;
  owner = base_owner;
  size_t to = index, sure_to = index;
  sure = true;
  while (to + 1 < far_end && SameFileVma(to, to + 1) && !foreign(to + 1)) {
    ++to;
    adopt(to);
    sure = sure && !undecided(to) && !DistinctAnonVmas(pages_[down_owner], pages_[to]);
    if (sure && to < end) sure_to = to;
  }
  for (size_t j = from; j <= to; ++j) {
    PageState& page = pages_[j];
    if (page.residency == Residency::kNone && CachedWithoutPte(page) && !BeyondEof(page)) {
      page.residency = Residency::kPage;
      // A page MADV_PAGEOUT may have dropped from the page cache is mapped
      // only if it is still there.
      if (CacheOpen(page) || maybe || j < sure_from || j > sure_to) page.open = true;
      if (page.file < 0) page.shm_cached = false;
    }
  }
}

// __mm_populate() + populate_vma_page_range(), mm/gup.c:
// - holes are skipped (find_vma_intersection moves to the next VMA);
// - VM_LOCKONFAULT VMAs are never faulted in ("Rightly or wrongly, the
//   VM_LOCKONFAULT case has never used faultin_page()"), ref 33;
// - PROT_NONE VMAs fail with -EFAULT (explicit !vma_is_accessible() check
//   since 6.x, check_vma_flags() without FOLL_FORCE before), ref 34; with
//   ignore_errors (mmap, mlockall) the walk continues at the next VMA,
//   otherwise it stops there;
// - private writable VMAs take write faults (FOLL_WRITE) to break COW, all
//   others read faults with FOLL_FORCE, ref 35-37.
int Model::Populate(uint64_t start, uint64_t end, bool ignore_errors, StepEffects& fx) {
  // Only the arena can hold mapped pages of the range (the runner refuses any
  // other range), so walk just the intersection.
  const uint64_t arena_end = config_.arena_base + config_.arena_pages * config_.page_size;
  start = std::max(start, config_.arena_base);
  end = std::min(end, arena_end);
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    PageState& page = pages_[(addr - config_.arena_base) / config_.page_size];
    if (!page.mapped) continue;
    if (page.lock == Lock::kOnFault && !Mutant(PlantedBug::kOnFaultPopulates)) {
      fx.Note(Event::kPopulateSkippedOnFault);
      continue;
    }
    // With x86 protection keys PROT_EXEC alone is execute-only, and GUP's
    // check_vma_flags() -> arch_vma_access_permitted() refuses the data
    // access with -EFAULT as for PROT_NONE.
    const bool exec_only_refused = page.prot == uapi::kProtExec && !config_.measured.exec_only_readable;
    // Past its VM_LOCKONFAULT and !vma_is_accessible() returns,
    // populate_vma_page_range() ends with lru_add_drain() whatever GUP says.
    drain_this_step_ = drain_this_step_ || (page.prot & (uapi::kProtRead | uapi::kProtWrite | uapi::kProtExec));
    if ((page.prot & (uapi::kProtRead | uapi::kProtWrite | uapi::kProtExec)) == 0 || exec_only_refused) {
      if (Mutant(PlantedBug::kPopulateForcesProtNone)) {
        FaultIn(page, /*write=*/false, fx);
        NoteAnonVma(pages_, (addr - config_.arena_base) / config_.page_size);
        continue;
      }
      if (ignore_errors) continue;
      fx.Note(Event::kPopulateStoppedAtProtNone);
      return -uapi::kEfault;
    }
    // GUP refuses secretmem VMAs: mm/gup.c check_vma_flags() "if
    // (vma_is_secretmem(vma)) return -EFAULT;", so mlock of secretmem is
    // ENOMEM and MAP_POPULATE/MAP_LOCKED populate nothing there.
    if (page.file == kSecretmem) {
      if (ignore_errors) continue;
      fx.Note(Event::kPopulateRefusedSecretmem);
      return -uapi::kEfault;
    }
    // hugetlb: __mm_populate() skips only VM_IO|VM_PFNMAP, and a hugetlb VMA
    // never has VM_LOCKONFAULT, so GUP faults its huge pages in whether the
    // VMA is locked or not (hugetlb_fault(); ref 21, 63). Read or write, the
    // fault allocates: hugetlb has no zero page.
    if (page.hugetlb) {
      if (page.residency != Residency::kPage) {
        FaultInHugePage((addr - config_.arena_base) / config_.page_size);
        fx.Note(Event::kHugetlbPopulated);
      }
      continue;
    }
    // A file page beyond EOF: the fault's VM_FAULT_SIGBUS becomes -EFAULT
    // (mm/gup.c faultin_page() -> vm_fault_to_errno()), after the pages
    // before it were faulted in and locked; ref 39. With ignore_errors the
    // walk goes on at the next VMA, and every later page of this VMA lies
    // beyond EOF too (offsets grow within a VMA).
    const bool write = !page.shared && (page.prot & uapi::kProtWrite);
    ReadFaultAround((addr - config_.arena_base) / config_.page_size, write);
    if (BeyondEof(page)) {
      NoteAnonVma(pages_, (addr - config_.arena_base) / config_.page_size, /*prepared=*/write);
      if (ignore_errors) continue;
      fx.Note(Event::kPopulateStoppedAtEof);
      return -uapi::kEfault;
    }
    FaultIn(page, write, fx);
    NoteAnonVma(pages_, (addr - config_.arena_base) / config_.page_size);
  }
  return 0;
}

// A touch is a plain load or store from the executor. x86 page tables cannot
// express write-only, so PROT_WRITE pages are readable (mmap(2) NOTES).
// Faults allocate as in FaultIn(); locking does not change what is mapped.
Outcome Model::Touch(const Op& op, bool write, StepEffects& fx) {
  const int64_t i = PageIndex(AbsoluteAddress(op, config_.arena_base));
  if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) {
    fx.Note(Event::kTouchFaulted);
    return {0, 0, uapi::kSigsegv};
  }
  PageState& page = pages_[static_cast<size_t>(i)];
  if (write ? !CanWrite(page.prot) : !CanRead(page.prot)) {
    fx.Note(Event::kTouchFaulted);
    return {0, 0, uapi::kSigsegv};
  }
  // hugetlb_fault() allocates the whole huge page (the mmap reserved it,
  // so the allocation cannot fail) and maps it with one PMD.
  if (page.hugetlb) {
    if (page.residency != Residency::kPage) fx.Note(Event::kHugetlbTouched);
    FaultInHugePage(static_cast<size_t>(i));
    return Ok();
  }
  // The access check passed (SIGSEGV comes first, arch/x86/mm/fault.c
  // access_error()); the file's fault handler then finds no page: SIGBUS
  // (mmap(2): "Attempted access to a page of the buffer that lies beyond the
  // end of the mapped file"), ref 39.
  ReadFaultAround(static_cast<size_t>(i), write);
  // secretmem_fault() charging a new page to the user's locked_vm: over
  // RLIMIT_MEMLOCK (no CAP_IPC_LOCK exemption) it is VM_FAULT_SIGBUS.
  if (!config_.measured.secretmem_locked && page.file == kSecretmem && !BeyondEof(page) && !FilePageCached(page) &&
      SecretmemChargedPages() + 1 > LimitPages()) {
    fx.Note(Event::kSecretmemChargeSigbus);
    return {0, 0, uapi::kSigbus};
  }
  if (BeyondEof(page)) {
    NoteAnonVma(pages_, static_cast<size_t>(i), /*prepared=*/write);
    fx.Note(Event::kTouchBeyondEof);
    return {0, 0, uapi::kSigbus};
  }
  // Mutants of the touch path only: a read fault taken like a write fault
  // (a real page), a write fault that leaves the zero page.
  if (write && page.residency == Residency::kZeroPage && Mutant(PlantedBug::kWriteKeepsZeroPage)) return Ok();
  if (!config_.measured.secretmem_locked && page.file == kSecretmem && !FilePageCached(page)) {
    fx.Note(Event::kSecretmemCharged);
  }
  FaultIn(page, write || Mutant(PlantedBug::kReadTouchAllocates), fx);
  NoteAnonVma(pages_, static_cast<size_t>(i));
  return Ok();
}

}  // namespace mlc
