#include "oracles/model.h"

#include <algorithm>

namespace mlc {
namespace {

constexpr int kFailed = -1;

Outcome Ok(int64_t ret = 0) { return {ret, 0, 0}; }
Outcome Fail(int err) { return {kFailed, err, 0}; }

// A return value of the kernel's internal form (0 or -errno) as an Outcome.
Outcome FromKernel(int rc) { return rc == 0 ? Ok() : Fail(-rc); }

}  // namespace

bool operator==(const PageState& a, const PageState& b) {
  return a.mapped == b.mapped && a.shared == b.shared && a.prot == b.prot && a.lock == b.lock &&
         a.residency == b.residency && a.file == b.file && a.cow == b.cow && a.file_page == b.file_page &&
         a.account == b.account && a.open == b.open && a.shm_cached == b.shm_cached && a.shm_id == b.shm_id &&
         a.shm_mlock_uncertain == b.shm_mlock_uncertain &&
         a.thp_folio == b.thp_folio && a.stale_mlock == b.stale_mlock && a.hugetlb == b.hugetlb;
}

const char* ThpStateName(ThpState s) {
  switch (s) {
    case ThpState::kNone: return "not PMD-mapped";
    case ThpState::kPmdThp: return "PMD-mapped THP";
    case ThpState::kHugeZero: return "PMD-mapped huge zero page";
  }
  return "?";
}

const char* EventName(Event e) {
  switch (e) {
    case Event::kLockAcrossHole: return "lock call crossed a hole after changing pages (ENOMEM)";
    case Event::kLockStartsInHole: return "lock call started in a hole (ENOMEM, no change)";
    case Event::kPopulateStoppedAtProtNone: return "populate stopped at PROT_NONE (ENOMEM)";
    case Event::kPopulateSkippedOnFault: return "populate skipped an ONFAULT page";
    case Event::kMapFixedReplacedLocked: return "MAP_FIXED replaced locked pages";
    case Event::kMunmapOfLocked: return "munmap of locked pages";
    case Event::kMprotectPopulated: return "mprotect(+W) populated a locked private page";
    case Event::kZeroPageReplaced: return "zero page replaced by a real page";
    case Event::kTouchFaulted: return "touch raised SIGSEGV";
    case Event::kFutureLockedMmap: return "mmap locked by MCL_FUTURE";
    case Event::kNoLockPermission: return "EPERM: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK";
    case Event::kMlockOverLimit: return "mlock/mlock2 over RLIMIT_MEMLOCK (ENOMEM)";
    case Event::kMlockFitAfterDiscount: return "mlock fit the limit only after discounting locked pages";
    case Event::kMlockallOverTotalVm: return "mlockall(MCL_CURRENT): total_vm over the limit (ENOMEM)";
    case Event::kLockedMmapOverLimit: return "locked mmap over RLIMIT_MEMLOCK (EAGAIN)";
    case Event::kMapFixedEagainOverOwnLocked: return "EAGAIN though the replaced locked pages would make room";
    case Event::kLimitChanged: return "RLIMIT_MEMLOCK changed";
    case Event::kLimitBelowLockedVm: return "RLIMIT_MEMLOCK lowered below locked_vm";
    case Event::kPopulateStoppedAtEof: return "populate stopped beyond EOF (ENOMEM)";
    case Event::kTouchBeyondEof: return "touch beyond EOF raised SIGBUS";
    case Event::kFileCowBroken: return "private file page replaced by its copy";
    case Event::kTruncateZapped: return "ftruncate unmapped pages";
    case Event::kTruncateZappedLocked: return "ftruncate unmapped locked pages";
    case Event::kDrainBarrier: return "step ended with a drain (unevictable compared)";
    case Event::kMlockUncertain: return "page-cache page's mlocked flag left open";
    case Event::kSecretmemStaysLocked: return "lock call left secretmem pages unchanged";
    case Event::kPopulateRefusedSecretmem: return "populate refused secretmem (EFAULT)";
    case Event::kSecretmemCharged: return "secretmem fault charged the user's locked_vm";
    case Event::kSecretmemChargeSigbus: return "secretmem fault over RLIMIT_MEMLOCK (SIGBUS)";
    case Event::kMadvLockedEinval: return "madvise EINVAL on a locked VMA";
    case Event::kMadvPartialEinval: return "madvise EINVAL on a locked VMA after advising earlier VMAs";
    case Event::kMadvZapped: return "MADV_DONTNEED zapped present pages";
    case Event::kMadvZappedLocked: return "MADV_DONTNEED_LOCKED zapped locked pages";
    case Event::kMadvFreeLazy: return "MADV_FREE made pages lazyfree (residency left open)";
    case Event::kMadvFreeNotAnon: return "MADV_FREE on a shared or file mapping (EINVAL)";
    case Event::kMadvColdKept: return "MADV_COLD kept present pages";
    case Event::kMadvPageoutKept: return "MADV_PAGEOUT kept anonymous pages (no swap)";
    case Event::kMadvPageoutOpen: return "MADV_PAGEOUT left a shmem page's residency open";
    case Event::kMadvWillneed: return "MADV_WILLNEED over mapped pages";
    case Event::kMadvPopulated: return "MADV_POPULATE_READ/WRITE faulted pages in";
    case Event::kMadvPopulateEinval: return "MADV_POPULATE_* without the access (EINVAL)";
    case Event::kMadvPopulateEof: return "MADV_POPULATE_* beyond EOF (EFAULT)";
    case Event::kMadvHole: return "madvise ENOMEM for a hole after advising the mapped parts";
    case Event::kMremapShrankLocked: return "mremap shrink unmapped locked pages";
    case Event::kMremapGrewLocked: return "mremap grew a locked VMA in place (populated)";
    case Event::kMremapGrewOnFault: return "mremap grew an ONFAULT VMA in place (not populated)";
    case Event::kMremapMovedLocked: return "mremap moved locked pages";
    case Event::kMremapDontunmap: return "MREMAP_DONTUNMAP left the old range empty";
    case Event::kMremapAcrossVmas: return "mremap range not within one VMA (EFAULT)";
    case Event::kMremapOverLimit: return "mremap growth of a locked VMA over RLIMIT_MEMLOCK (EAGAIN)";
    case Event::kMremapMovedSeveralVmas: return "mremap moved several VMAs or gaps at once";
    case Event::kBrkGrowLocked: return "brk grew a locked heap (MCL_FUTURE, populated)";
    case Event::kBrkGrowOnFault: return "brk grew a lo+lf heap (MCL_FUTURE|MCL_ONFAULT)";
    case Event::kBrkGrowUnlocked: return "brk grew an unlocked heap";
    case Event::kBrkShrinkLocked: return "brk shrink unmapped locked pages";
    case Event::kBrkOverLimit: return "brk over RLIMIT_MEMLOCK (break unchanged)";
    case Event::kForkWithLocked: return "fork with locked pages";
    case Event::kForkWithFuture: return "fork with MCL_FUTURE set";
    case Event::kForkCopiedPtes: return "fork copied ptes of an anon_vma VMA";
    case Event::kForkAnonVmaOpen: return "fork: a VMA's anon_vma (child ptes) left open";
    case Event::kThpPmdMapped: return "THP PMD-mapped (fault, populate or khugepaged)";
    case Event::kThpHugeZeroMapped: return "huge zero page PMD-mapped";
    case Event::kThpLockedWhole: return "PMD-mapped THP locked whole";
    case Event::kThpSplitAtLockBoundary: return "THP PMD split at a lock boundary";
    case Event::kThpSplitOther: return "THP PMD split by mprotect/munmap/mmap/write";
    case Event::kThpZappedByMadvise: return "THP zapped in part (PMD split) or whole by madvise";
    case Event::kThpSplitMlockOpen: return "PTE-mapped THP page in a locked VMA: mlocked open";
    case Event::kThpRejected: return "kernel PMD mapping the rules do not allow";
    case Event::kHugetlbMapped: return "hugetlb mapping created";
    case Event::kHugetlbLockSkipped: return "hugetlb pages a lock request left unlocked";
    case Event::kHugetlbPopulated: return "populate allocated a huge page";
    case Event::kHugetlbTouched: return "touch allocated a huge page";
    case Event::kHugetlbSplitRefused: return "split of a hugetlb VMA off its huge page boundary refused";
    case Event::kHugetlbNoReserve: return "MAP_HUGETLB without free huge pages (ENOMEM)";
    case Event::kCount: break;
  }
  return "?";
}

const char* LockName(Lock lock) {
  switch (lock) {
    case Lock::kNone: return "unlocked";
    case Lock::kLocked: return "lo";
    case Lock::kOnFault: return "lo+lf";
  }
  return "?";
}

Model::Model(const ModelConfig& config)
    : config_(config),
      pages_(config.arena_pages),
      cap_ipc_lock_(config.cap_ipc_lock),
      memlock_cur_(config.memlock_cur),
      memlock_max_(config.memlock_max),
      heap_(config.heap_pages) {
  for (FileState& f : files_) {
    f.size = kFileInitialPages * config_.page_size;
    f.cached.assign(kFileWindowPages, false);
    f.mlock_uncertain.assign(kFileWindowPages, false);
    f.cache_open.assign(kFileWindowPages, false);
  }
  if (config_.thp && config_.thp_pages > 0) thp_.assign(config_.arena_pages / config_.thp_pages, ThpState::kNone);
}

// mm->locked_vm is what VmLck shows: one definition for the channel and the
// limit checks (Totals()).
uint64_t Model::LockedVmPages() const { return Totals().vmlck_kb / (config_.page_size / 1024); }

// mm->total_vm counts every mapped page, lockable or not (vm_stat_account(),
// mm/mmap.c); the executor's part is its VmSize, measured once. Mappings the
// model adds outside the arena (a heap) belong here too.
uint64_t Model::TotalVmPages() const {
  uint64_t mapped = 0;
  for (const auto& page : pages_) mapped += page.mapped;
  // do_brk_flags(): mm->total_vm += len >> PAGE_SHIFT for the heap.
  for (const auto& page : heap_) mapped += page.mapped;
  return config_.outside_total_pages + mapped;
}

// can_do_mlock(), mm/mlock.c: rlimit(RLIMIT_MEMLOCK) != 0 || capable(CAP_IPC_LOCK).
// The limit is compared in bytes here, so a limit below one page still
// allows the call, which then fails against the page-rounded limit.
bool Model::CanDoMlock() const { return memlock_cur_ != 0 || cap_ipc_lock_; }

// mlock_future_ok(), mm/mmap.c (mlock_future_check() returning -EAGAIN
// before v6.5): only VM_LOCKED mappings are checked, CAP_IPC_LOCK bypasses
// it, else locked_vm + (bytes >> PAGE_SHIFT) must not exceed
// rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT (ref 12).
bool Model::MlockFutureOk(Lock lock, uint64_t bytes) const {
  if (lock == Lock::kNone || cap_ipc_lock_) return true;
  return bytes / config_.page_size + LockedVmPages() <= LimitPages();
}

// count_mm_mlocked_page_nr(), mm/mlock.c: pages of [start, start + len) in
// VM_LOCKED VMAs (ONFAULT ones included), the end clamped at ULONG_MAX
// ("Don't overflow past ULONG_MAX", maple-tree version; the list walk before
// it found no VMA past a wrapping start either).
uint64_t Model::LockedPagesIn(uint64_t start, uint64_t len) const {
  const uint64_t end = ~uint64_t{0} - len < start ? ~uint64_t{0} : start + len;
  const uint64_t arena_end = config_.arena_base + config_.arena_pages * config_.page_size;
  uint64_t count = 0;
  for (uint64_t addr = std::max(start, config_.arena_base); addr < std::min(end, arena_end);
       addr += config_.page_size) {
    const PageState& page = pages_[(addr - config_.arena_base) / config_.page_size];
    count += page.mapped && page.lock != Lock::kNone;
  }
  return count;
}

// do_mlock(), mm/mlock.c, after can_do_mlock() and the rounding, before
// apply_vma_lock_flags(): without CAP_IPC_LOCK, locked = (len >> PAGE_SHIFT)
// + mm->locked_vm; when that exceeds the limit the pages of the range that
// are already locked are discounted (count_mm_mlocked_page_nr(), v4.9,
// 0cf2f6f6dc60 "mm: mlock: check against vma for actual mlock() size");
// still over: ENOMEM (mlock(2) ERRORS, ref 7).
// It runs before apply_vma_lock_flags() sees the range, so it comes before
// the wrap-around EINVAL and the hole ENOMEM, and fails even a zero length
// once locked_vm alone is over the limit.
int Model::CheckMlockLimit(uint64_t start, uint64_t len, StepEffects& fx) const {
  if (cap_ipc_lock_) return 0;
  const uint64_t limit = LimitPages();
  uint64_t locked = len / config_.page_size + LockedVmPages();
  if (locked <= limit) return 0;
  locked -= LockedPagesIn(start, len);
  if (locked <= limit) {
    fx.Note(Event::kMlockFitAfterDiscount);
    return 0;
  }
  fx.Note(Event::kMlockOverLimit);
  return -uapi::kEnomem;
}

bool Model::MlockUncertain(const PageState& page) const {
  if (page.file < 0 && page.shared) return page.shm_mlock_uncertain;
  if (page.file < 0 || page.cow) return false;
  const auto& u = files_[static_cast<size_t>(page.file)].mlock_uncertain;
  if (page.file_page < u.size() && u[page.file_page]) return true;
  // Another mapping of the page whose pte may be gone (MADV_PAGEOUT) may or
  // may not be the locked one that keeps it mlocked.
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + page.file_page;
    if (i >= pages_.size()) break;
    const PageState& other = pages_[i];
    if (other.mapped && other.file == page.file && other.file_page == page.file_page && !other.cow && other.open) {
      return true;
    }
  }
  return false;
}

// 5.18+ (mm/mlock.c, mm/rmap.c): a page is PG_mlocked while a VM_LOCKED VMA
// maps it; a page-cache page is shared by every mapping of its file page.
// The zero page never is (ref 36, 45).
bool Model::PageMlocked(const PageState& page) const {
  if (page.residency != Residency::kPage) return false;
  if (page.stale_mlock) return true;  // mutant kThpSplitKeepsMlocked
  if (page.file < 0 || page.cow) return page.lock != Lock::kNone;
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + page.file_page;
    if (i >= pages_.size()) break;
    const PageState& other = pages_[i];
    if (other.mapped && other.file == page.file && other.file_page == page.file_page && !other.cow &&
        other.residency == Residency::kPage && other.lock != Lock::kNone) {
      return true;
    }
  }
  return false;
}

// Where PG_mlocked of a page-cache page stops being determined:
// - a locked mapping's pte is zapped or replaced by a COW copy: the rmap
//   path calls munlock_vma_folio() -> munlock_folio(), which leaves the
//   clearing to the per-CPU batch ("folio_test_clear_mlocked(folio) must be
//   left to __munlock_folio()", mm/mlock.c), with no drain in munmap,
//   mmap(MAP_FIXED), ftruncate or the fault path;
// - a page mapped by two mappings is unlocked in one: mlock_count may
//   undercount ("Err on the safe side, underestimate, let page reclaim fix
//   it", mm/swap.c lru_add()), so __munlock_folio() may clear PG_mlocked
//   while the other mapping still has it locked.
// Such a page stays "may be either" until its page is dropped by truncation.
void Model::NoteMlockDropped(PageState& page, bool zapped, StepEffects& fx) {
  // A shared anonymous page zapped by MADV_DONTNEED_LOCKED stays in its
  // shmem object, a page-cache page like a file's.
  if (page.file < 0 && page.shared && zapped && page.residency == Residency::kPage && page.lock != Lock::kNone) {
    page.shm_mlock_uncertain = true;  // munmap and MAP_FIXED then drop the page and this flag
    return;
  }
  if (page.file < 0 || page.cow || page.residency != Residency::kPage || page.lock == Lock::kNone) return;
  if (!zapped && FileMapcount(page.file, page.file_page) < 2) return;
  auto& u = files_[static_cast<size_t>(page.file)].mlock_uncertain;
  if (page.file_page >= u.size()) u.resize(page.file_page + 1, false);
  if (!u[page.file_page]) fx.Note(Event::kMlockUncertain);
  u[page.file_page] = true;
}

bool Model::FilePageCached(const PageState& page) const {
  if (page.file < 0) return false;
  const auto& cached = files_[static_cast<size_t>(page.file)].cached;
  return page.file_page < cached.size() && cached[page.file_page];
}

// A fault at or beyond DIV_ROUND_UP(i_size, PAGE_SIZE) is VM_FAULT_SIGBUS
// (mm/shmem.c shmem_get_folio_gfp(): "index > end_index" -> -EINVAL ->
// VM_FAULT_SIGBUS; mm/filemap.c filemap_fault() for other files).
bool Model::BeyondEof(const PageState& page) const {
  if (page.file < 0) return false;
  const uint64_t size = files_[static_cast<size_t>(page.file)].size;
  return page.file_page >= (size + config_.page_size - 1) / config_.page_size;
}

bool Model::CacheOpen(const PageState& page) const {
  if (page.file < 0) return false;
  const auto& open = files_[static_cast<size_t>(page.file)].cache_open;
  return page.file_page < open.size() && open[page.file_page];
}

bool Model::CachedWithoutPte(const PageState& page) const {
  if (page.file < 0) return page.shared && page.shm_cached;
  return FilePageCached(page);
}

bool Model::ResidencyOpen(const PageState& page) const {
  if (!page.mapped) return false;
  return page.open || (page.residency == Residency::kNone && CacheOpen(page));
}

uint32_t Model::FileMapcount(int f, uint64_t k) const {
  uint32_t count = 0;
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + k;
    if (i >= pages_.size()) break;
    const PageState& page = pages_[i];
    count += page.mapped && page.file == f && page.file_page == k && !page.cow &&
             page.residency == Residency::kPage;
  }
  return count;
}

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
         (config_.exec_only_readable && (prot & uapi::kProtExec));
}

bool Model::CanWrite(uint8_t prot) { return (prot & uapi::kProtWrite) != 0; }

void Model::SetLock(PageState& page, Lock lock, StepEffects& fx) {
  if (lock == Lock::kNone) NoteMlockDropped(page, /*zapped=*/false, fx);
  ++fx.lock_transitions[static_cast<size_t>(page.lock)][static_cast<size_t>(lock)];
  page.lock = lock;
}

void Model::SetAllLocks(Lock lock, StepEffects& fx) {
  for (auto& page : pages_) {
    if (page.mapped && page.file == kSecretmem) fx.Note(Event::kSecretmemStaysLocked);  // mlock_fixup()
    // mlock_fixup() leaves hugetlb VMAs alone too: "don't set VM_LOCKED or
    // VM_LOCKONFAULT and don't count" (is_vm_hugetlb_page(), ref 21, 63).
    if (page.mapped && page.hugetlb) fx.Note(Event::kHugetlbLockSkipped);
    if (page.mapped && page.file != kSecretmem && !page.hugetlb) {
      if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;  // the walk
      SetLock(page, lock, fx);
    }
  }
  // The heap's VMAs are walked like every other (apply_mlockall_flags()).
  for (auto& page : heap_) {
    if (!page.mapped) continue;
    if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;
    SetLock(page, lock, fx);
  }
  if ((outside_lock_ == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;
  outside_lock_ = lock;
}

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
    page.residency = config_.read_fault_maps_zero_page ? Residency::kZeroPage : Residency::kPage;
  }
}

// Whether adjacent arena pages a < b of a file lie in one VMA: same file at
// consecutive offsets and equal flags merge (mm/vma.c is_mergeable_vma(),
// can_vma_merge_after()). The model does not track anon_vmas; two private
// VMAs that both acquired different ones stay apart in the kernel, which no
// generated sequence has needed so far.
bool Model::SameFileVma(size_t a, size_t b) const {
  const PageState& x = pages_[a];
  const PageState& y = pages_[b];
  // Shared anonymous memory is a shmem object of its own per mmap (mm/shmem.c
  // shmem_zero_setup()), mapped at consecutive offsets.
  if (x.mapped && y.mapped && x.file < 0 && y.file < 0 && x.shared && y.shared) {
    return x.shm_id == y.shm_id && x.prot == y.prot && x.lock == y.lock;
  }
  return x.mapped && y.mapped && x.file >= 0 && x.file == y.file && y.file_page == x.file_page + 1 &&
         x.shared == y.shared && x.prot == y.prot && x.lock == y.lock && x.account == y.account;
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
  size_t from = index;
  while (from > index - index % block && SameFileVma(from - 1, from)) --from;
  const size_t end = std::min<size_t>(table_end, from + block);
  size_t to = index;
  while (to + 1 < end && SameFileVma(to, to + 1)) ++to;
  for (size_t j = from; j <= to; ++j) {
    PageState& page = pages_[j];
    if (page.residency == Residency::kNone && CachedWithoutPte(page) && !BeyondEof(page)) {
      page.residency = Residency::kPage;
      // A page MADV_PAGEOUT may have dropped from the page cache is mapped
      // only if it is still there.
      if (CacheOpen(page) || maybe) page.open = true;
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
    const bool exec_only_refused = page.prot == uapi::kProtExec && !config_.exec_only_readable;
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

// apply_vma_lock_flags(), mm/mlock.c: wrap-around is EINVAL, an empty range
// succeeds, a start outside any VMA is ENOMEM with no change, and a hole later
// in the range is ENOMEM after every VMA before it was already changed (ref 4,
// 6; the man page's "no changes" is wrong for that case).
int Model::ApplyLockFlags(uint64_t start, uint64_t len, Lock lock, StepEffects& fx) {
  const uint64_t end = start + len;
  if (end < start) return Mutant(PlantedBug::kWrapAroundIsEnomem) ? -uapi::kEnomem : -uapi::kEinval;
  if (end == start) return 0;
  if (!MappedAt(start)) {
    fx.Note(Event::kLockStartsInHole);
    return -uapi::kEnomem;
  }
  // mlock_fixup() may split at both ends.
  MarkSeam(static_cast<uint64_t>(PageIndex(start)));
  MarkSeam(static_cast<uint64_t>(PageIndex(start)) + len / config_.page_size);
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    const int64_t i = PageIndex(addr);
    if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) {
      fx.Note(Event::kLockAcrossHole);
      return -uapi::kEnomem;
    }
    // mlock_fixup(): newflags = (vm_flags & ~VM_LOCKED_MASK) | requested,
    // except for secretmem, which it leaves alone ("don't set VM_LOCKED or
    // VM_LOCKONFAULT and don't count", ref 21, 22).
    PageState& page = pages_[static_cast<size_t>(i)];
    if (page.file == kSecretmem) {
      fx.Note(Event::kSecretmemStaysLocked);
      continue;
    }
    // ... and hugetlb VMAs, before any split (is_vm_hugetlb_page() in the
    // same test): no VM_LOCKED, no locked_vm, no EINVAL for an unaligned
    // range (ref 63).
    if (page.hugetlb) {
      fx.Note(Event::kHugetlbLockSkipped);
      continue;
    }
    if (config_.planted_bug == PlantedBug::kOnFaultOverLockedKeepsLo && lock == Lock::kOnFault &&
        page.lock == Lock::kLocked) {
      continue;
    }
    if (lock == Lock::kLocked && page.lock == Lock::kOnFault) {
      if (Mutant(PlantedBug::kMlockOverOnFaultKeepsLf)) continue;
      if (Mutant(PlantedBug::kMlockOverOnFaultDoubleCounts)) ++vmlck_skew_pages_;
    }
    // mlock_vma_pages_range() walks (and drains) when VM_LOCKED changes.
    if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;
    SetLock(page, lock, fx);
  }
  return 0;
}

// do_mlock(), mm/mlock.c. can_do_mlock() comes first: EPERM for a zero
// limit without CAP_IPC_LOCK, whatever the range, a zero length included
// (mlock(2) EPERM, ref 2). Then rounding (ref 8): start &= PAGE_MASK,
// len = PAGE_ALIGN(len + offset_in_page(start)), in unsigned long arithmetic
// so that a huge len can round to 0 (ref 5); then the RLIMIT_MEMLOCK check
// (CheckMlockLimit). Populate runs only after the flags were applied without
// error, and its -EFAULT becomes ENOMEM without undoing the flags
// (__mlock_posix_error_return, ref 9, 34).
Outcome Model::DoMlock(uint64_t start, uint64_t len, Lock lock, StepEffects& fx) {
  if (!CanDoMlock()) {
    fx.Note(Event::kNoLockPermission);
    return Fail(uapi::kEperm);
  }
  const uint64_t mask = config_.page_size - 1;
  const uint64_t requested = len;
  len = (len + (start & mask) + mask) & ~mask;
  start &= ~mask;
  if (const int over = CheckMlockLimit(start, len, fx); over != 0) return Fail(-over);
  if (len == 0 && requested != 0 && Mutant(PlantedBug::kHugeLengthIsEinval)) return Fail(uapi::kEinval);
  const int rc = ApplyLockFlags(start, len, lock, fx);
  if (rc != 0) return Fail(-rc);
  const int populated = Populate(start, start + len, /*ignore_errors=*/false, fx);
  if (populated == -uapi::kEfault) return Fail(uapi::kEnomem);
  return FromKernel(populated);
}

// Mutant kMunlockPartialMiscounts: the locked pages next to [start, end)
// that share a VMA with its first or last page (same lock, protection and
// type: the model's stand-in for "one VMA").
int64_t Model::LockedNeighbours(uint64_t start, uint64_t end) const {
  const int64_t first = PageIndex(start);
  const int64_t last = PageIndex(end - 1);
  if (first < 0 || last < 0) return 0;
  auto same_vma = [&](int64_t i, int64_t j) {
    const PageState& a = pages_[static_cast<size_t>(i)];
    const PageState& b = pages_[static_cast<size_t>(j)];
    return a.mapped && b.mapped && a.lock != Lock::kNone && a.lock == b.lock && a.prot == b.prot &&
           a.shared == b.shared;
  };
  int64_t extra = 0;
  for (int64_t i = first - 1; i >= 0 && same_vma(i, first); --i) ++extra;
  const auto n = static_cast<int64_t>(pages_.size());
  for (int64_t i = last + 1; i < n && same_vma(i, last); ++i) ++extra;
  return extra;
}

// SYSCALL_DEFINE2(munlock), mm/mlock.c: same rounding, no populate, and it
// never returns EPERM (ref 2, 20).
Outcome Model::Munlock(uint64_t start, uint64_t len, StepEffects& fx) {
  const uint64_t mask = config_.page_size - 1;
  len = (len + (start & mask) + mask) & ~mask;
  start &= ~mask;
  const int64_t extra = Mutant(PlantedBug::kMunlockPartialMiscounts) ? LockedNeighbours(start, start + len) : 0;
  const int rc = ApplyLockFlags(start, len, Lock::kNone, fx);
  if (rc == 0) vmlck_skew_pages_ -= extra;
  return FromKernel(rc);
}

// SYSCALL_DEFINE1(mlockall) + apply_mlockall_flags(), mm/mlock.c (ref 3, 11,
// 51, 52): invalid flags are EINVAL; then EPERM when !can_do_mlock() (ref
// 2); then, without CAP_IPC_LOCK, MCL_CURRENT is ENOMEM when mm->total_vm
// (every mapped page, not locked_vm) exceeds the limit, with nothing changed,
// def_flags included (ref 10); MCL_FUTURE is not checked here. Every call
// that gets through first clears the future-lock bits of mm->def_flags;
// MCL_FUTURE alone leaves existing VMAs alone; MCL_CURRENT sets every VMA to
// exactly VM_LOCKED (+VM_LOCKONFAULT with MCL_ONFAULT), ignoring per-VMA
// errors, then populates everything with errors ignored.
Outcome Model::Mlockall(int flags, StepEffects& fx) {
  const int known = uapi::kMclCurrent | uapi::kMclFuture | uapi::kMclOnfault;
  if (flags == 0 || (flags & ~known) != 0) return Fail(uapi::kEinval);
  if (flags == uapi::kMclOnfault && config_.profile.mlockall_onfault_alone_is_einval &&
      !Mutant(PlantedBug::kMlockallOnfaultAloneUnlocks)) {
    return Fail(uapi::kEinval);
  }
  if (!CanDoMlock()) {
    fx.Note(Event::kNoLockPermission);
    return Fail(uapi::kEperm);
  }
  if ((flags & uapi::kMclCurrent) && !cap_ipc_lock_ && TotalVmPages() > LimitPages()) {
    fx.Note(Event::kMlockallOverTotalVm);
    return Fail(uapi::kEnomem);
  }
  if (flags == uapi::kMclOnfault) return Munlockall(fx);  // 4.4-5.1: to_add == 0 unlocks everything
  const Lock lock = (flags & uapi::kMclOnfault) ? Lock::kOnFault : Lock::kLocked;
  if (flags & uapi::kMclFuture) {
    future_lock_ = lock == Lock::kOnFault && Mutant(PlantedBug::kFutureOnFaultLosesLf) ? Lock::kLocked : lock;
  } else if (!Mutant(PlantedBug::kMlockallCurrentKeepsFuture)) {
    future_lock_ = Lock::kNone;
  }
  if (flags & uapi::kMclCurrent) {
    SetAllLocks(lock, fx);
    // mm_populate(0, TASK_SIZE): the arena is the part we observe.
    Populate(config_.arena_base, config_.arena_base + config_.arena_pages * config_.page_size,
             /*ignore_errors=*/true, fx);
    // ... and the heap, private anonymous read/write: write faults, none
    // for VM_LOCKONFAULT (populate_vma_page_range(), as in Populate()).
    for (size_t i = 0; i < heap_.size(); ++i) {
      PageState& page = heap_[i];
      if (!page.mapped) continue;
      if (page.lock == Lock::kOnFault) {
        fx.Note(Event::kPopulateSkippedOnFault);
        continue;
      }
      drain_this_step_ = true;
      FaultIn(page, /*write=*/true, fx);
      NoteAnonVma(heap_, i);
    }
  }
  return Ok();
}

// SYSCALL_DEFINE0(munlockall) = apply_mlockall_flags(0): clears def_flags and
// unlocks every VMA; always 0 (ref 52).
Outcome Model::Munlockall(StepEffects& fx) {
  if (!Mutant(PlantedBug::kMunlockallKeepsFuture)) future_lock_ = Lock::kNone;
  SetAllLocks(Lock::kNone, fx);
  return Ok();
}

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
        page = PageState{};
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
  // With the charge at fault time (ModelConfig::secretmem_locked false) the
  // hook checks the sharing only and sets just VM_DONTDUMP.
  if (secret &&
      (type != uapi::kMapShared || (config_.secretmem_locked && !MlockFutureOk(Lock::kLocked, len)))) {
    const bool invalid = type != uapi::kMapShared;
    if (!invalid) fx.Note(Event::kLockedMmapOverLimit);
    for (uint64_t p = 0; p < count; ++p) {
      PageState& page = pages_[static_cast<size_t>(first) + p];
      NoteMlockDropped(page, /*zapped=*/true, fx);
      if (page.mapped) SetLock(page, Lock::kNone, fx);
      page = PageState{};
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
  if (secret && config_.secretmem_locked && lock == Lock::kNone) lock = Lock::kLocked;
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
    if (file_backed) {
      // mm/mmap.c accountable_mapping(): private writable mappings are VM_ACCOUNT.
      fresh.account = type == uapi::kMapPrivate && (op.prot & uapi::kProtWrite);
      fresh.file = static_cast<int8_t>(op.file);
      fresh.file_page = static_cast<uint32_t>(op.offset / config_.page_size + p);
    }
    page = fresh;
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
    NoteMlockDropped(page, /*zapped=*/true, fx);
    if (page.mapped && page.lock != Lock::kNone) {
      fx.Note(Event::kMunmapOfLocked);
      if (Mutant(PlantedBug::kMunmapKeepsLockedVm)) ++vmlck_skew_pages_;
      SetLock(page, Lock::kNone, fx);
    }
    page = PageState{};
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
  // mprotect_fixup() may split at both ends (and wherever it stops).
  if (PageIndex(start) >= 0) MarkSeam(static_cast<uint64_t>(PageIndex(start)));
  if (PageIndex(start) >= 0) MarkSeam(static_cast<uint64_t>(PageIndex(start)) + len / config_.page_size);
  for (uint64_t addr = start; addr < end; addr += config_.page_size) {
    const int64_t i = PageIndex(addr);
    if (i < 0 || !pages_[static_cast<size_t>(i)].mapped) return Fail(uapi::kEnomem);
    PageState& page = pages_[static_cast<size_t>(i)];
    // do_mprotect_pkey(): a VMA without VM_MAYEXEC (a file on a noexec
    // mount, do_mmap() cleared it) cannot get PROT_EXEC: EACCES, after the
    // VMAs before it were changed.
    if ((op.prot & uapi::kProtExec) && page.file >= 0 && page.file < 32 && ((config_.noexec_files >> page.file) & 1)) {
      return Fail(uapi::kEacces);
    }
    // mprotect_fixup() of a hugetlb VMA, entered at its first page in the
    // range: nothing to do when the flags stay ("newflags == oldflags"),
    // else it splits the VMA where the range cuts it, start first, and
    // hugetlb_vm_op_split() refuses a cut off the huge page boundary:
    // EINVAL, with the VMAs before it already changed.
    if (page.hugetlb && (addr == start || page.hugetlb_vma_start) && page.prot != op.prot) {
      const size_t h = static_cast<size_t>(config_.huge_page_pages);
      if (!page.hugetlb_vma_start && static_cast<size_t>(i) % h != 0) {
        fx.Note(Event::kHugetlbSplitRefused);
        return Fail(uapi::kEinval);
      }
      page.hugetlb_vma_start = true;
      size_t vma_end = static_cast<size_t>(i) + 1;
      while (vma_end < pages_.size() && SameVmaAttrs(vma_end - 1, vma_end)) ++vma_end;
      const int64_t end_index = PageIndex(end);
      if (end_index >= 0 && static_cast<size_t>(end_index) < vma_end) {
        if (static_cast<size_t>(end_index) % h != 0) {
          fx.Note(Event::kHugetlbSplitRefused);
          return Fail(uapi::kEinval);
        }
        pages_[static_cast<size_t>(end_index)].hugetlb_vma_start = true;
      }
    }
    const bool was_writable = page.prot & uapi::kProtWrite;
    page.prot = static_cast<uint8_t>(op.prot);
    // mprotect_fixup() charges a private mapping made writable (VM_ACCOUNT)
    // and keeps the charge when it becomes read-only again.
    if (page.file >= 0 && !page.shared && CanWrite(page.prot)) page.account = true;
    // populate_vma_page_range()'s errors are ignored there: pages beyond EOF
    // stay absent.
    if (!page.shared && page.lock == Lock::kLocked && !was_writable && CanWrite(page.prot) &&
        !Mutant(PlantedBug::kMprotectSkipsLockedPopulate)) {
      drain_this_step_ = true;  // populate_vma_page_range() drains whatever it finds
      if (!BeyondEof(page)) {
        fx.Note(Event::kMprotectPopulated);
        FaultIn(page, /*write=*/true, fx);
        NoteAnonVma(pages_, static_cast<size_t>(i));
      }
    }
  }
  return Ok();
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
  if (!config_.secretmem_locked && page.file == kSecretmem && !BeyondEof(page) && !FilePageCached(page) &&
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
  if (!config_.secretmem_locked && page.file == kSecretmem && !FilePageCached(page)) {
    fx.Note(Event::kSecretmemCharged);
  }
  FaultIn(page, write || Mutant(PlantedBug::kReadTouchAllocates), fx);
  NoteAnonVma(pages_, static_cast<size_t>(i));
  return Ok();
}

// prlimit64(0, RLIMIT_MEMLOCK, new, NULL) -> do_prlimit(), kernel/sys.c:
// cur > max is EINVAL; raising max without CAP_SYS_RESOURCE is EPERM; else
// both are set, even below what is locked already (nothing is unlocked;
// later lock calls fail instead, ref 7b). setrlimit(2) ERRORS.
Outcome Model::SetMemlockLimit(uint64_t cur, uint64_t max, StepEffects& fx) {
  if (cur > max) return Fail(uapi::kEinval);
  if (max > memlock_max_ && !config_.cap_sys_resource) return Fail(uapi::kEperm);
  if (cur < memlock_cur_ && Mutant(PlantedBug::kLoweredLimitIgnored)) return Ok();
  memlock_cur_ = cur;
  memlock_max_ = max;
  fx.Note(Event::kLimitChanged);
  if (cur / config_.page_size < LockedVmPages()) fx.Note(Event::kLimitBelowLockedVm);
  return Ok();
}

// ftruncate(2) of a tmpfs/memfd file, mm/shmem.c shmem_setattr(): on a
// shrink, unmap_mapping_range(mapping, round_up(newsize, PAGE_SIZE), 0,
// even_cows=1) unmaps every pte beyond the new EOF, private copies included,
// and shmem_truncate_range() drops those pages from the page cache; a
// partial last page stays. Lock flags and VmLck are untouched (the VMAs
// stay); zapping a locked page munlocks it (mm/rmap.c munlock_vma_folio()).
// Growing adds holes only.
Outcome Model::Ftruncate(const Op& op, StepEffects& fx) {
  if (op.file < 0 || op.file >= kFileCount) return Fail(9);  // EBADF: never generated
  if (!IsTruncatable(op.file)) return Fail(uapi::kEinval);  // secretmem_setattr(): never generated
  FileState& f = files_[static_cast<size_t>(op.file)];
  f.size = op.len;
  const uint64_t keep = (op.len + config_.page_size - 1) / config_.page_size;
  for (uint64_t k = keep; k < f.cached.size(); ++k) f.cached[k] = false;
  // The dropped pages are freed; a later fault allocates a fresh one.
  for (uint64_t k = keep; k < f.mlock_uncertain.size(); ++k) f.mlock_uncertain[k] = false;
  for (uint64_t k = keep; k < f.cache_open.size(); ++k) f.cache_open[k] = false;
  for (PageState& page : pages_) {
    if (!page.mapped || page.file != op.file || page.file_page < keep) continue;
    if (page.lock != Lock::kNone && Mutant(PlantedBug::kTruncateKeepsLockedPages)) continue;
    if (page.residency != Residency::kNone) {
      fx.Note(Event::kTruncateZapped);
      if (page.lock != Lock::kNone) fx.Note(Event::kTruncateZappedLocked);
    }
    page.residency = Residency::kNone;
    page.cow = false;
    page.open = false;
  }
  return Ok();
}

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
  const int advice = op.flags;
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
      // An unlocked secretmem VMA (ModelConfig::secretmem_locked false):
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

bool Model::AnyOpen() const {
  for (const PageState& page : pages_) {
    if (page.open) return true;
  }
  return false;
}

uint64_t Model::OpenRssKb() const {
  uint64_t pages = 0;
  for (const PageState& page : pages_) pages += page.mapped && page.open && page.residency == Residency::kPage;
  return pages * (config_.page_size / 1024);
}

// smaps Locked: is a PSS (ref 48): with open pages, every combination of
// them being mapped or not is possible. Anonymous pages count alone; a file
// page's mappings (at most one per window, oracles/files.h) share it, so
// each file page is enumerated over its open mappings.
void Model::LockedRange(uint64_t* lo_kb, uint64_t* hi_kb) const {
  const uint64_t kb = config_.page_size / 1024;
  uint64_t lo_halves = 0, hi_halves = 0;
  for (const PageState& page : pages_) {
    if (!page.mapped || page.residency != Residency::kPage || page.lock == Lock::kNone) continue;
    if (page.file >= 0 && !page.cow) continue;
    hi_halves += 2;
    if (!page.open) lo_halves += 2;
  }
  for (int f = 0; f < kFileCount; ++f) {
    for (uint64_t k = 0; k < kFileWindowPages; ++k) {
      const PageState* members[kFileWindows] = {};
      size_t n = 0;
      for (uint64_t w = 0; w < kFileWindows; ++w) {
        const uint64_t i = w * kFileWindowPages + k;
        if (i >= pages_.size()) break;
        const PageState& p = pages_[i];
        if (p.mapped && p.file == f && p.file_page == k && !p.cow && p.residency == Residency::kPage) {
          members[n++] = &p;
        }
      }
      if (n == 0) continue;
      uint64_t best_lo = ~uint64_t{0}, best_hi = 0;
      for (unsigned combo = 0; combo < (1u << n); ++combo) {
        bool possible = true;
        uint32_t mapcount = 0;
        for (size_t m = 0; m < n; ++m) {
          const bool mapped = (combo >> m) & 1;
          if (!mapped && !members[m]->open) possible = false;
          mapcount += mapped;
        }
        if (!possible) continue;
        uint64_t halves = 0;
        for (size_t m = 0; m < n; ++m) {
          if (((combo >> m) & 1) && members[m]->lock != Lock::kNone) halves += 2 / std::max<uint32_t>(1, mapcount);
        }
        best_lo = std::min(best_lo, halves);
        best_hi = std::max(best_hi, halves);
      }
      lo_halves += best_lo;
      hi_halves += best_hi;
    }
  }
  *lo_kb = lo_halves * kb / 2;
  *hi_kb = hi_halves * kb / 2;
}

bool Model::HugetlbSplitRefused(int64_t index) const {
  if (index < 0 || static_cast<uint64_t>(index) >= pages_.size() || config_.huge_page_pages == 0) return false;
  const PageState& page = pages_[static_cast<size_t>(index)];
  // A hugetlb VMA starts and ends on huge page boundaries (mmap aligns it,
  // splits elsewhere are refused), so an unaligned index lies inside one.
  return page.mapped && page.hugetlb && static_cast<uint64_t>(index) % config_.huge_page_pages != 0;
}

void Model::NoteHugetlbVmaStart(int64_t index) {
  if (index < 0 || static_cast<uint64_t>(index) >= pages_.size()) return;
  PageState& page = pages_[static_cast<size_t>(index)];
  if (page.mapped && page.hugetlb) page.hugetlb_vma_start = true;
}

// The huge page holding arena page `index`, all of whose base pages lie in
// its VMA (hugetlb VMAs are huge page aligned): present at once.
void Model::FaultInHugePage(size_t index) {
  const size_t h = static_cast<size_t>(config_.huge_page_pages);
  const size_t base = index - index % h;
  for (size_t j = base; j < base + h && j < pages_.size(); ++j) {
    if (pages_[j].mapped && pages_[j].hugetlb) pages_[j].residency = Residency::kPage;
  }
}

uint64_t Model::HugetlbHeldPages() const {
  if (config_.huge_page_pages == 0) return 0;
  uint64_t private_pages = 0;
  std::vector<uint32_t> files;
  for (const PageState& page : pages_) {
    if (!page.mapped || !page.hugetlb) continue;
    if (!page.shared) {
      ++private_pages;
    } else if (std::find(files.begin(), files.end(), page.shm_id) == files.end()) {
      files.push_back(page.shm_id);
    }
  }
  uint64_t held = private_pages / config_.huge_page_pages;
  for (const auto& [id, size] : hugetlb_files_) {
    if (std::find(files.begin(), files.end(), id) != files.end()) held += size;
  }
  return held;
}

uint64_t Model::SecretmemChargedPages() const {
  const auto& cached = files_[static_cast<size_t>(kSecretmem)].cached;
  return static_cast<uint64_t>(std::count(cached.begin(), cached.end(), true));
}

bool Model::AnyHugetlbMapped() const {
  return std::any_of(pages_.begin(), pages_.end(), [](const PageState& p) { return p.mapped && p.hugetlb; });
}

void SetHugetlbConfig(uint64_t huge_page_size, uint64_t free, uint64_t reserved, uint64_t overcommit,
                      ModelConfig* config) {
  config->huge_page_pages = 0;
  config->hugetlb_available = 0;
  if (huge_page_size < config->page_size || huge_page_size % config->page_size != 0 || overcommit != 0) return;
  const uint64_t pages = huge_page_size / config->page_size;
  if (config->arena_base % huge_page_size != 0 || config->arena_pages < pages) return;
  config->huge_page_pages = pages;
  // hugetlb_acct_memory(): a reservation needs resv_huge_pages + delta <=
  // free_huge_pages (gather_surplus_pages() with no overcommit).
  config->hugetlb_available = free > reserved ? free - reserved : 0;
}

const char* UnmodelledReason(const Model& model, const Op& op) {
  const bool huge_mmap = op.kind == OpKind::kMmap && (op.flags & uapi::kMapHugetlb);
  if (huge_mmap && model.config().huge_page_pages == 0) {
    return "MAP_HUGETLB needs free huge pages (none reserved, or the kernel has no hugetlbfs)";
  }
  if (huge_mmap && model.config().thp) return "MAP_HUGETLB is not modelled together with --thp";
  // --thp: MADV_FREE (madvise_free_huge_pmd()) and MADV_COLD/PAGEOUT
  // (madvise_cold_or_pageout_pte_range()) split a THP's folio where the
  // range covers part of it, and only if split_folio() succeeds, which
  // depends on references (a per-CPU LRU batch holds one) no rule exposes.
  if (model.config().thp && op.kind == OpKind::kMadvise &&
      (op.flags == uapi::kMadvFree || op.flags == uapi::kMadvCold || op.flags == uapi::kMadvPageout)) {
    return "MADV_FREE, MADV_COLD and MADV_PAGEOUT are not modelled under --thp";
  }
  const bool hugetlb_rules_missing = op.kind == OpKind::kMadvise || op.kind == OpKind::kMremap ||
                                     op.kind == OpKind::kFork;
  if (hugetlb_rules_missing && model.AnyHugetlbMapped()) {
    return "madvise, mremap and fork are not modelled while hugetlb mappings exist";
  }
  // A secretmem fault charging the user's locked_vm within reach of
  // RLIMIT_MEMLOCK: whether it fits depends on pages the user holds
  // elsewhere (kSecretmemChargeSlack).
  const bool touch = op.kind == OpKind::kReadTouch || op.kind == OpKind::kWriteTouch;
  const uint64_t index = op.addr / model.config().page_size;
  if (touch && !model.config().secretmem_locked && op.region != kAbsoluteAddr && index < model.pages().size()) {
    const PageState& page = model.pages()[index];
    const uint64_t limit = model.memlock_cur() / model.config().page_size;
    const uint64_t after = model.SecretmemChargedPages() + 1;
    if (page.mapped && page.file == kSecretmem && !model.FilePageCached(page) && !model.BeyondEof(page) &&
        after <= limit && limit - after < kSecretmemChargeSlack) {
      return "a secretmem fault this close to RLIMIT_MEMLOCK depends on the user's locked pages elsewhere";
    }
  }
  return nullptr;
}

const char* UnmodelledStep(const ModelConfig& config, const std::vector<Op>& ops, size_t* step) {
  Model model(config);
  for (size_t i = 0; i < ops.size(); ++i) {
    if (const char* why = UnmodelledReason(model, ops[i])) {
      *step = i;
      return why;
    }
    model.Apply(ops[i]);
  }
  return nullptr;
}

void Model::MarkSeam(uint64_t index) {
  if (index < pages_.size()) pages_[index].seam = true;
}

// Flags and offsets that two pages of one VMA share: different values mean
// different VMAs (mm/vma.c is_mergeable_vma(): vm_flags, vm_file, pgoff).
bool Model::SameVmaAttrs(size_t a, size_t b) const {
  const PageState& x = pages_[a];
  const PageState& y = pages_[b];
  if (!x.mapped || !y.mapped) return false;
  if (x.shared != y.shared || x.prot != y.prot || x.lock != y.lock || x.file != y.file || x.account != y.account) {
    return false;
  }
  if (x.hugetlb || y.hugetlb) return x.hugetlb == y.hugetlb && x.shm_id == y.shm_id && !y.hugetlb_vma_start;
  return x.file < 0 || y.file_page == x.file_page + 1;
}

Model::VmaSpan Model::SpanOf(uint64_t first, uint64_t count) const {
  bool unknown = false;
  for (uint64_t i = first + 1; i < first + count; ++i) {
    if (i >= pages_.size() || !SameVmaAttrs(static_cast<size_t>(i - 1), static_cast<size_t>(i))) {
      return VmaSpan::kCrosses;
    }
    unknown = unknown || pages_[static_cast<size_t>(i)].seam;
  }
  return unknown ? VmaSpan::kUnknown : VmaSpan::kInside;
}

// do_vmi_munmap() of arena pages [first, first + count): locked pages leave
// locked_vm (ref 27).
void Model::UnmapPages(uint64_t first, uint64_t count, StepEffects& fx) {
  for (uint64_t i = first; i < first + count && i < pages_.size(); ++i) {
    PageState& page = pages_[static_cast<size_t>(i)];
    NoteMlockDropped(page, /*zapped=*/true, fx);
    if (page.mapped && page.lock != Lock::kNone) SetLock(page, Lock::kNone, fx);
    page = PageState{};
  }
  MarkSeam(first + count);
}

// move_vma(), mm/mremap.c: copy_vma() places a VMA with the same flags (lock
// flags included) at `to`, move_page_tables() moves the ptes, so every page
// keeps its residency and its PG_mlocked (no refault, ref 59); a longer
// target's tail is part of the new VMA, empty. vrm_stat_account() adds
// new_len to total_vm and, for VM_LOCKED, to locked_vm; unmap_source_vma()
// then unmaps the old range (-old_len). With MREMAP_DONTUNMAP the old range
// stays mapped, its ptes gone (empty anonymous memory: the next touch
// faults a fresh page), and dontunmap_complete() clears VM_LOCKED_MASK
// there "by convention (it cannot be mlock()'d any longer, as pages in range
// are no longer mapped)", leaving locked_vm alone ("Because we won't unmap
// we don't need to touch locked_vm"): net, the lock and its accounting move
// with the pages (ref 30; 5.7-6.15 move_vma() returns before adding
// new_len). Since 6.16 the kernel adds new_len anyway and clears the lock
// flags of the whole old VMA: a registered erratum
// (suite/errata/known-kernel-bugs.txt, mremap-dontunmap-locked-vm).
void Model::MovePages(uint64_t from, uint64_t count, uint64_t to, uint64_t new_count, bool dontunmap,
                      StepEffects& fx) {
  std::vector<PageState> moved(pages_.begin() + static_cast<int64_t>(from),
                               pages_.begin() + static_cast<int64_t>(from + count));
  // MREMAP_DONTUNMAP: move_vma() (dontunmap_complete() since 6.16) unlinks
  // the old VMA's anon_vma when the range was the whole VMA
  // (unlink_anon_vmas() clears vma->anon_vma), as it is for a locked VMA,
  // split first (6.1-6.15; since 6.16 an erratum); a VMA that goes on
  // beyond the range keeps it. Where a seam leaves that open, so is the
  // anon_vma (PageState::anon_vma_open; found under qemu on 6.1).
  enum class Whole { kYes, kNo, kOpen };
  Whole whole = Whole::kNo;
  if (dontunmap && count > 0) {
    // 1: a VMA boundary between pages left and right, 0: none, 2: unknown.
    auto boundary = [&](uint64_t left, uint64_t right) {
      if (right >= pages_.size() || !SameVmaAttrs(static_cast<size_t>(left), static_cast<size_t>(right))) return 1;
      return pages_[static_cast<size_t>(right)].seam ? 2 : 0;
    };
    const int before = from == 0 ? 1 : boundary(from - 1, from);
    const int after = boundary(from + count - 1, from + count);
    if (pages_[static_cast<size_t>(from)].lock != Lock::kNone || (before == 1 && after == 1)) {
      whole = Whole::kYes;
    } else if (before != 0 && after != 0) {
      whole = Whole::kOpen;
    }
  }
  // The new VMA's flags; old_len 0 (a shared mapping "duplicated") takes
  // the VMA's own, though the aliasing that creates is not modelled.
  const PageState last = count > 0 ? moved.back() : pages_[static_cast<size_t>(from)];
  for (uint64_t p = 0; p < count; ++p) {
    PageState& old = pages_[static_cast<size_t>(from + p)];
    if (old.lock != Lock::kNone) fx.Note(Event::kMremapMovedLocked);
    if (dontunmap) {
      if (old.lock != Lock::kNone) SetLock(old, Lock::kNone, fx);
      old.residency = Residency::kNone;
      old.cow = false;
      if (whole != Whole::kNo && old.anon_vma) {
        old.anon_vma = false;
        old.anon_vma_open = whole == Whole::kOpen;
      }
    } else {
      old = PageState{};
    }
  }
  if (dontunmap) fx.Note(Event::kMremapDontunmap);
  MarkSeam(from);
  MarkSeam(from + count);
  for (uint64_t p = 0; p < new_count; ++p) {
    PageState page;
    if (p < count) {
      page = moved[static_cast<size_t>(p)];
    } else {
      page = last;
      page.residency = Residency::kNone;
      page.cow = false;
      page.seam = false;
      if (page.file >= 0) page.file_page = last.file_page + static_cast<uint32_t>(p - count + 1);
    }
    pages_[static_cast<size_t>(to + p)] = page;
  }
  MarkSeam(to);
  MarkSeam(to + new_count);
}

// mremap(2), mm/mremap.c as of 6.17/6.18 (ref 30, 59), in the order of
// do_mremap(): PAGE_ALIGN both lengths; check_mremap_params(): unknown
// flags, an unaligned addr, new_len 0, new_len or new_addr beyond TASK_SIZE
// (new_addr is checked even when unused), then only with MREMAP_FIXED or
// MREMAP_DONTUNMAP: an unaligned new_addr, no MREMAP_MAYMOVE, DONTUNMAP with
// old_len != new_len, overlapping ranges: all EINVAL. Then vma_lookup(addr):
// none is EFAULT. A pure move (MREMAP_FIXED, old_len == new_len) goes to
// remap_move(), which moves every VMA of the range (gaps kept, the target
// unmapped only where a VMA lands). Otherwise check_prep_vma(): when it
// maps anything new (growth, or a move), remap_is_valid(): old_len 0 of a
// private mapping is EINVAL; [addr, addr + min(old_len, new_len)) beyond
// the VMA is EFAULT ("We can't remap across vm area boundaries"); growth of
// a VM_LOCKED VMA needs mlock_future_ok(delta) (EAGAIN, ref 12). Then
// mremap_to() (FIXED: unmap the target, shrink, move_vma()) or mremap_at()
// (no resize: nothing; shrink: unmap the tail, across VMAs and holes;
// growth: in place when the VMA ends at addr + old_len and nothing is
// mapped after it, else ENOMEM without MREMAP_MAYMOVE). A grown VM_LOCKED
// VMA is populated last (mm_populate(), errors ignored), which skips
// VM_LOCKONFAULT (Michal Hocko: "Partially populated ... ranges do not have
// the full mlock semantic so they are not populated on resize", ref 59).
// 6.1-6.15 differ where `classic` is tested (KernelProfile::mremap_classic).
Outcome Model::Mremap(const Op& op, StepEffects& fx) {
  const uint64_t ps = config_.page_size;
  const uint64_t mask = ps - 1;
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  const uint64_t new_addr = config_.arena_base + op.new_addr;
  const uint64_t old_len = (op.len + mask) & ~mask;
  const uint64_t new_len = (op.new_len + mask) & ~mask;
  const bool maymove = op.flags & uapi::kMremapMaymove;
  const bool fixed = op.flags & uapi::kMremapFixed;
  const bool dontunmap = op.flags & uapi::kMremapDontunmap;
  const int known = uapi::kMremapMaymove | uapi::kMremapFixed | uapi::kMremapDontunmap;
  if (op.flags & ~known) return Fail(uapi::kEinval);
  // Before 6.16 (KernelProfile::mremap_classic) SYSCALL_DEFINE5(mremap)
  // checks the flags' combinations first, MREMAP_DONTUNMAP's lengths before
  // PAGE_ALIGN, and new_addr only in mremap_to(), after the VMA lookup.
  const bool classic = config_.profile.mremap_classic;
  if (classic) {
    if (fixed && !maymove) return Fail(uapi::kEinval);
    if (dontunmap && (!maymove || op.len != op.new_len)) return Fail(uapi::kEinval);
  }
  if (addr & mask) return Fail(uapi::kEinval);
  if (new_len == 0) return Fail(uapi::kEinval);
  const bool implies_new_addr = fixed || dontunmap;
  auto check_new_addr = [&]() -> int {
    if (new_len > config_.task_size || new_addr > config_.task_size - new_len) return uapi::kEinval;
    if (!implies_new_addr) return 0;
    if (new_addr & mask) return uapi::kEinval;
    if (!maymove) return uapi::kEinval;
    if (dontunmap && old_len != new_len) return uapi::kEinval;
    if (addr + old_len > new_addr && new_addr + new_len > addr) return uapi::kEinval;  // vrm_overlaps()
    return 0;
  };
  if (!classic) {
    if (const int err = check_new_addr()) return Fail(err);
  }
  const int64_t first = PageIndex(addr);
  if (first < 0 || !pages_[static_cast<size_t>(first)].mapped) return Fail(uapi::kEfault);
  if (classic && implies_new_addr) {
    if (const int err = check_new_addr()) return Fail(err);  // mremap_to()
  }
  const auto from = static_cast<uint64_t>(first);
  const uint64_t old_pages = old_len / ps;
  const uint64_t new_pages = new_len / ps;
  const int64_t target = PageIndex(new_addr);
  if (fixed && old_len == new_len && !classic) {
    // remap_move(): for_each_vma_range() over [addr, addr + old_len), each
    // VMA (split as needed) moved by mremap_to() to the same offset from
    // new_addr; the target is unmapped piece by piece.
    if (target < 0 || static_cast<uint64_t>(target) + new_pages > pages_.size()) return Fail(uapi::kEinval);
    if (SpanOf(from, old_pages) != VmaSpan::kInside) fx.Note(Event::kMremapMovedSeveralVmas);
    uint64_t p = 0;
    while (p < old_pages && from + p < pages_.size()) {
      if (!pages_[static_cast<size_t>(from + p)].mapped) {
        ++p;
        continue;
      }
      uint64_t run = 1;
      while (p + run < old_pages && from + p + run < pages_.size() && pages_[static_cast<size_t>(from + p + run)].mapped) {
        ++run;
      }
      UnmapPages(static_cast<uint64_t>(target) + p, run, fx);
      MovePages(from + p, run, static_cast<uint64_t>(target) + p, run, dontunmap, fx);
      p += run;
    }
    return Ok(static_cast<int64_t>(new_addr));
  }
  const Lock lock = pages_[static_cast<size_t>(first)].lock;
  const bool shrink = new_len < old_len;
  const bool expand = new_len > old_len;
  // remap_is_valid() (vma_to_resize() before 6.16) of the range that stays
  // to be moved or resized, `pages` long: old_len 0 of a private mapping is
  // EINVAL (VM_SHARED|VM_MAYSHARE: shared anonymous and shared file
  // mappings); beyond its VMA is EFAULT ("We can't remap across vm area
  // boundaries"; the model takes alike pages across a seam as one VMA, and
  // generators never aim there, Model::SpanOf()); growth of a VM_LOCKED VMA
  // needs mlock_future_ok(delta) (EAGAIN, ref 12).
  auto remap_is_valid = [&](uint64_t pages) -> int {
    if (pages == 0 && !pages_[static_cast<size_t>(first)].shared) return uapi::kEinval;
    if (SpanOf(from, pages) == VmaSpan::kCrosses) {
      fx.Note(Event::kMremapAcrossVmas);
      return uapi::kEfault;
    }
    if (expand && !MlockFutureOk(lock, new_len - old_len)) {
      fx.Note(Event::kMremapOverLimit);
      return uapi::kEagain;
    }
    return 0;
  };
  const uint64_t staying = shrink ? new_pages : old_pages;
  // Since 6.16 the checks come before anything is unmapped; before, a move
  // makes them in mremap_to() (below), a growth in place here too.
  if ((expand || implies_new_addr) && !(classic && implies_new_addr)) {
    if (const int err = remap_is_valid(staying)) return Fail(err);
  }
  uint64_t result = addr;
  uint64_t grown_from = 0;  // arena page where a populated growth starts
  if (implies_new_addr) {
    // mremap_to(): MREMAP_FIXED unmaps the target, a shrink its tail, then
    // move_vma(). MREMAP_DONTUNMAP without MREMAP_FIXED takes new_addr as a
    // hint only; the executor refuses it (runners/arena_guard.cc).
    if (target < 0 || static_cast<uint64_t>(target) + new_pages > pages_.size()) return Fail(uapi::kEinval);
    if (fixed) UnmapPages(static_cast<uint64_t>(target), new_pages, fx);
    if (shrink) {
      for (uint64_t i = from + new_pages; i < from + old_pages && i < pages_.size(); ++i) {
        if (pages_[static_cast<size_t>(i)].mapped && pages_[static_cast<size_t>(i)].lock != Lock::kNone) {
          fx.Note(Event::kMremapShrankLocked);
        }
      }
      UnmapPages(from + new_pages, old_pages - new_pages, fx);
    }
    // Before 6.16 vma_to_resize() checks only now, so a failure leaves the
    // target and the tail unmapped; a pure move is one VMA's too (moves of
    // several VMAs came with 6.17).
    if (classic) {
      if (const int err = remap_is_valid(staying)) return Fail(err);
    }
    MovePages(from, staying, static_cast<uint64_t>(target), new_pages, dontunmap, fx);
    result = new_addr;
    grown_from = static_cast<uint64_t>(target) + staying;
  } else if (shrink) {
    // mremap_at() -> shrink_vma(): do_vmi_munmap() of the tail.
    for (uint64_t i = from + new_pages; i < from + old_pages && i < pages_.size(); ++i) {
      if (pages_[static_cast<size_t>(i)].mapped && pages_[static_cast<size_t>(i)].lock != Lock::kNone) {
        fx.Note(Event::kMremapShrankLocked);
      }
    }
    UnmapPages(from + new_pages, old_pages - new_pages, fx);
    return Ok(static_cast<int64_t>(addr));
  } else if (!expand) {
    return Ok(static_cast<int64_t>(addr));  // MREMAP_NO_RESIZE: nothing to do
  } else {
    // expand_vma(): vrm_can_expand_in_place() needs the VMA to end at
    // addr + old_len and vma_expandable() nothing mapped in the delta; a
    // mapped page right after the range fails one or the other.
    bool free = from + new_pages <= pages_.size();
    for (uint64_t i = from + old_pages; free && i < from + new_pages; ++i) free = !pages_[static_cast<size_t>(i)].mapped;
    if (!free) {
      // With MREMAP_MAYMOVE the kernel picks an address anywhere: the
      // executor refuses such calls, so this answer is never compared.
      return Fail(uapi::kEnomem);
    }
    // expand_vma_in_place() -> vma_merge_extend(): same flags, the new
    // pages empty, locked_vm += delta for VM_LOCKED. (A shared anonymous
    // VMA's shmem object keeps its size, so its grown tail would fault
    // SIGBUS: not modelled, and never generated.)
    const PageState last = pages_[static_cast<size_t>(from + old_pages - 1)];
    for (uint64_t i = from + old_pages; i < from + new_pages; ++i) {
      PageState page = last;
      page.residency = Residency::kNone;
      page.cow = false;
      page.seam = false;
      if (page.file >= 0) page.file_page = last.file_page + static_cast<uint32_t>(i - (from + old_pages) + 1);
      pages_[static_cast<size_t>(i)] = page;
    }
    MarkSeam(from + new_pages);
    grown_from = from + old_pages;
  }
  // do_mremap(): mm_populate(new_addr + old_len, delta) when the VMA is
  // VM_LOCKED and grew; populate_vma_page_range() skips VM_LOCKONFAULT.
  if (expand && lock != Lock::kNone) {
    fx.Note(lock == Lock::kOnFault ? Event::kMremapGrewOnFault : Event::kMremapGrewLocked);
    if (!Mutant(PlantedBug::kMremapGrowthNotPopulated)) {
      const uint64_t start = config_.arena_base + grown_from * ps;
      Populate(start, start + (new_len - old_len), /*ignore_errors=*/true, fx);
    }
  }
  return Ok(static_cast<int64_t>(result));
}

// Whether `op` ended with lru_add_drain() after its last addition to the
// per-CPU mlock and LRU batches, so that with the child pinned to one CPU
// every batch is empty and KPF_UNEVICTABLE equals KPF_MLOCKED (ref 43).
// The drains: mlock_vma_pages_range() around its walk, i.e. whenever
// mlock_fixup() changes VM_LOCKED of a VMA (mm/mlock.c), and the end of
// every populate_vma_page_range() that gets past its VM_LOCKONFAULT and
// !vma_is_accessible() returns (mm/gup.c, ece369c7e104), from mlock,
// mlockall, mmap and mprotect alike. Those calls add to the batches only
// before such a drain (zaps of MAP_FIXED come before populate); munmap,
// ftruncate and touches add without one.
bool Model::DrainsAtEnd(const Op& op) const {
  switch (op.kind) {
    case OpKind::kMlock:
    case OpKind::kMlock2:
    case OpKind::kMunlock:
    case OpKind::kMlockall:
    case OpKind::kMunlockall:
    case OpKind::kMmap:
    case OpKind::kMmapFile:
    case OpKind::kMprotect:
    case OpKind::kMadvise: return drain_this_step_;
    case OpKind::kMremap: return drain_this_step_;  // its populate comes last
    case OpKind::kBrk: return drain_this_step_;
    default: return false;
  }
}

Outcome Model::Apply(const Op& op, StepEffects* effects) {
  StepEffects scratch;
  StepEffects& fx = effects ? *effects : scratch;
  drain_this_step_ = false;
  fork_child_.reset();
  const Outcome outcome = ApplyOp(op, fx);
  if (!thp_.empty()) {
    SplitThps(op, fx);
    if (config_.thp_simulate) SimulateThp(fx);
  }
  drained_ = DrainsAtEnd(op);
  if (drained_) fx.Note(Event::kDrainBarrier);
  return outcome;
}

Outcome Model::ApplyOp(const Op& op, StepEffects& fx) {
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  switch (op.kind) {
    case OpKind::kMmap:
    case OpKind::kMmapFile:
      // Labels are handed out per generated mmap, whether or not it succeeds.
      if (op.region >= next_region_id_) next_region_id_ = op.region + 1;
      return Mmap(op, fx);
    case OpKind::kMunmap: return Munmap(op, fx);
    case OpKind::kMprotect: return Mprotect(op, fx);
    case OpKind::kMlock: return DoMlock(addr, op.len, Lock::kLocked, fx);
    case OpKind::kMlock2:
      if (!config_.has_mlock2) return Fail(uapi::kEnosys);
      // The flag check precedes everything else (SYSCALL_DEFINE3(mlock2), ref 1).
      if (op.flags & ~uapi::kMlockOnfault) return Fail(uapi::kEinval);
      return DoMlock(addr, op.len, (op.flags & uapi::kMlockOnfault) ? Lock::kOnFault : Lock::kLocked,
                     fx);
    case OpKind::kMunlock: return Munlock(addr, op.len, fx);
    case OpKind::kMlockall: return Mlockall(op.flags, fx);
    case OpKind::kMunlockall: return Munlockall(fx);
    case OpKind::kReadTouch: return Touch(op, /*write=*/false, fx);
    case OpKind::kWriteTouch: return Touch(op, /*write=*/true, fx);
    case OpKind::kDropCapIpcLock:
      // capset(2) lowering the permitted and effective sets needs no
      // privilege; capable(CAP_IPC_LOCK) is false from here on.
      if (!Mutant(PlantedBug::kCapDropIgnored)) cap_ipc_lock_ = false;
      return Ok();
    case OpKind::kSetMemlockLimit: return SetMemlockLimit(op.len, op.addr, fx);
    case OpKind::kFtruncate: return Ftruncate(op, fx);
    case OpKind::kMadvise: return Madvise(op, fx);
    case OpKind::kMremap: return Mremap(op, fx);
    case OpKind::kBrk: return Brk(op.len, fx);
    case OpKind::kFork: return Fork(op, fx);
  }
  return Fail(uapi::kEinval);
}

// One pass over the arena for the three summed channels.
MemoryTotals Model::Totals() const {
  uint64_t rss = 0, locked = 0, vmlck = 0, hugetlb = 0;
  // Locked: of page-cache pages, in 1/kFileWindows page units: smaps counts
  // PAGE_SIZE / mapcount of a page mapped several times (smaps_account(),
  // ref 48); oracles/files.h keeps the mapcount at 1 or 2.
  uint64_t shared_locked_halves = 0;
  for (const auto& page : pages_) {
    // smaps_pte_entry(), fs/proc/task_mmu.c: vm_normal_page() is NULL for
    // the zero page, so it counts in neither Rss nor Locked (ref 36, 45).
    // Every arena page is mapped once (the arena is created after the
    // fork), so PSS = RSS.
    // hugetlb pages count in smaps' Private_Hugetlb/Shared_Hugetlb, not in
    // Rss (smaps_hugetlb_range()), and are never in a VM_LOCKED VMA.
    if (page.hugetlb) {
      hugetlb += page.mapped && page.residency == Residency::kPage;
      continue;
    }
    const bool normal_page = page.residency == Residency::kPage;
    const bool locked_vma = page.mapped && page.lock != Lock::kNone;
    rss += normal_page;
    // Locked: is the PSS of present normal pages of VM_LOCKED VMAs, ONFAULT
    // ones included (smaps_account(), ref 48, 49).
    if (normal_page && locked_vma && page.file >= 0 && !page.cow) {
      shared_locked_halves += 2 / std::max<uint32_t>(1, FileMapcount(page.file, page.file_page));
    } else {
      locked += normal_page && locked_vma;
    }
    // VmLck = mm->locked_vm: virtual pages of VM_LOCKED VMAs, resident or
    // not, ONFAULT and PROT_NONE included (ref 24, 25).
    vmlck += locked_vma;
  }
  // Plus the executor's own lockable VMAs while mlockall(MCL_CURRENT) has
  // them locked (ref 32).
  if (outside_lock_ != Lock::kNone) vmlck += config_.outside_lockable_pages;
  // The heap: its own Rss/Locked (private anonymous, mapped once, so PSS is
  // RSS), and its locked pages in locked_vm like any VMA's.
  uint64_t heap_rss = 0, heap_locked = 0;
  for (const auto& page : heap_) {
    const bool normal_page = page.residency == Residency::kPage;
    const bool locked_vma = page.mapped && page.lock != Lock::kNone;
    heap_rss += normal_page;
    heap_locked += normal_page && locked_vma;
    vmlck += locked_vma;
  }
  vmlck = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(vmlck) + vmlck_skew_pages_));
  const uint64_t kb = config_.page_size / 1024;
  return {rss * kb, locked * kb + shared_locked_halves * kb / 2, vmlck * kb, heap_rss * kb, heap_locked * kb,
          hugetlb * kb};
}

// Whether pages a < b = a + 1 lie in one VMA as far as the model can tell:
// equal flags, and for files consecutive offsets of one file (the merge
// rules of mm/vma.c is_mergeable_vma(); see SameFileVma()).
bool Model::SameVma(const std::vector<PageState>& pages, size_t a, size_t b) const {
  const PageState& x = pages[a];
  const PageState& y = pages[b];
  if (!x.mapped || !y.mapped || x.shared != y.shared || x.prot != y.prot || x.lock != y.lock ||
      x.file != y.file || x.account != y.account) {
    return false;
  }
  if (x.hugetlb || y.hugetlb) return x.hugetlb == y.hugetlb && x.shm_id == y.shm_id && !y.hugetlb_vma_start;
  return x.file < 0 || y.file_page == x.file_page + 1;
}

// A private page that now holds an anonymous page (a written anonymous
// page, a COW copy of a file page) got it through vmf_anon_prepare() /
// anon_vma_prepare() (mm/memory.c do_anonymous_page(), wp_page_copy(),
// do_cow_fault()), which gives its whole VMA an anon_vma; a read fault that
// maps the zero page does not. Splits keep it on both halves (mm/vma.c
// __split_vma()), so every page of the VMA keeps the mark. `prepared`: a
// write fault of a private file page, which do_cow_fault() starts with
// vmf_anon_prepare() even when the page then lies beyond EOF (SIGBUS).
void Model::NoteAnonVma(std::vector<PageState>& pages, size_t i, bool prepared) {
  const PageState& page = pages[i];
  if (!page.mapped || page.shared || page.anon_vma) return;
  if (!(page.cow || (page.file < 0 && page.residency == Residency::kPage) || (prepared && page.file >= 0))) return;
  size_t from = i, to = i;
  while (from > 0 && SameVma(pages, from - 1, from)) --from;
  while (to + 1 < pages.size() && SameVma(pages, to, to + 1)) ++to;
  for (size_t j = from; j <= to; ++j) {
    pages[j].anon_vma = true;
    pages[j].anon_vma_open = false;
  }
}

// A VMA without an anon_vma merges with a neighbour that has one and shares
// it (mm/vma.c is_mergeable_anon_vma(): one of the two may be NULL), so the
// VMA of page i has one if any page of its run is marked.
bool Model::VmaHasAnonVma(const std::vector<PageState>& pages, size_t i) const {
  if (!pages[i].mapped || pages[i].shared) return false;
  for (size_t j = i;; --j) {
    if (pages[j].anon_vma) return true;
    if (j == 0 || !SameVma(pages, j - 1, j)) break;
  }
  for (size_t j = i + 1; j < pages.size() && SameVma(pages, j - 1, j); ++j) {
    if (pages[j].anon_vma) return true;
  }
  return false;
}

// SYSCALL_DEFINE1(brk), mm/mmap.c (ref 27, 28). The target is never below
// the initial break (which lies above mm->start_brk, so the "brk < min_brk"
// failure is not generated). Returns the new break, or on any failure the
// unchanged one ("out: mm->brk = origbrk; return origbrk"), never -1.
// - Same page-aligned end: only mm->brk moves.
// - Shrink ("Always allow shrinking brk"): do_vmi_align_munmap() of
//   [PAGE_ALIGN(brk), PAGE_ALIGN(old brk)) unmaps those pages; locked ones
//   leave locked_vm (vms_complete_munmap_vmas()), as for munmap.
// - Growth: check_brk_limits() -> mlock_future_ok(mm, mm->def_flags, len)
//   refuses with the break unchanged when def_flags has VM_LOCKED (MCL_FUTURE)
//   and locked_vm + len exceeds RLIMIT_MEMLOCK without CAP_IPC_LOCK; then
//   do_brk_flags() maps private anonymous read/write pages with
//   mm->def_flags (VM_LOCKED, VM_LOCKONFAULT) and adds them to total_vm and,
//   when VM_LOCKED, to locked_vm; "if (mm->def_flags & VM_LOCKED) populate =
//   true" and mm_populate(oldbrk, newbrk - oldbrk) faults them in for
//   writing, except VM_LOCKONFAULT (populate_vma_page_range() returns early).
Outcome Model::Brk(uint64_t offset, StepEffects& fx) {
  const uint64_t ps = config_.page_size;
  const uint64_t limit = heap_.size() * ps;
  if (offset > limit) return Ok(static_cast<int64_t>(config_.heap_base + brk_));  // never generated
  const uint64_t old_pages = (brk_ + ps - 1) / ps;
  const uint64_t new_pages = (offset + ps - 1) / ps;
  const auto result = static_cast<int64_t>(config_.heap_base + offset);
  if (new_pages == old_pages) {
    brk_ = offset;
    return Ok(result);
  }
  if (new_pages < old_pages) {
    for (uint64_t p = new_pages; p < old_pages; ++p) {
      PageState& page = heap_[p];
      if (page.mapped && page.lock != Lock::kNone) {
        fx.Note(Event::kBrkShrinkLocked);
        if (Mutant(PlantedBug::kBrkShrinkKeepsLockedVm)) ++vmlck_skew_pages_;
        SetLock(page, Lock::kNone, fx);
      }
      page = PageState{};
    }
    brk_ = offset;
    return Ok(result);
  }
  if (!MlockFutureOk(future_lock_, (new_pages - old_pages) * ps)) {
    fx.Note(Event::kBrkOverLimit);
    return Ok(static_cast<int64_t>(config_.heap_base + brk_));
  }
  fx.Note(future_lock_ == Lock::kLocked    ? Event::kBrkGrowLocked
          : future_lock_ == Lock::kOnFault ? Event::kBrkGrowOnFault
                                           : Event::kBrkGrowUnlocked);
  for (uint64_t p = old_pages; p < new_pages; ++p) {
    PageState fresh;
    fresh.mapped = true;
    fresh.prot = uapi::kProtRead | uapi::kProtWrite;
    heap_[p] = fresh;
    SetLock(heap_[p], future_lock_, fx);
  }
  brk_ = offset;
  if (future_lock_ == Lock::kLocked && !Mutant(PlantedBug::kBrkFutureNotPopulated)) {
    drain_this_step_ = true;  // populate_vma_page_range() ends with lru_add_drain()
    for (uint64_t p = old_pages; p < new_pages; ++p) {
      FaultIn(heap_[p], /*write=*/true, fx);
      NoteAnonVma(heap_, p);
    }
  } else if (future_lock_ == Lock::kOnFault) {
    fx.Note(Event::kPopulateSkippedOnFault);
  }
  return Ok(result);
}

// fork(), kernel/fork.c (ref 31, 44, 55, 61). The parent's state does not
// change: dup_mmap() copies its VMAs and (copy_page_range()) ptes without
// touching its own lock flags, locked_vm, def_flags or residency, and the
// step is observed after wait4() reaped the child, when every page the
// child shared is mapped by the parent alone again (so smaps' PSS-based
// Locked: is whole again). The child, predicted here:
// - every VMA is copied with vm_flags_clear(tmp, VM_LOCKED_MASK) (dup_mmap();
//   secretmem too: secretmem_mmap() set VM_LOCKED on the parent's VMA only);
// - mm_init(): mm->locked_vm = 0, and "mm->def_flags =
//   current->mm->def_flags & VM_INIT_DEF_MASK", which has no VM_LOCKED: the
//   child's own mmap is neither locked nor populated (mlock(2): "Memory locks
//   are not inherited by a child created via fork(2)"; mlockall(2) likewise
//   for MCL_FUTURE);
// - copy_page_range() copies ptes only where vma_needs_copy(): the VMA has
//   an anon_vma (VmaHasAnonVma()); shared mappings never have one, so the
//   child has no ptes there (observation.cc PredictForkChild()).
Outcome Model::Fork(const Op& op, StepEffects& fx) {
  if (LockedVmPages() > 0) fx.Note(Event::kForkWithLocked);
  if (future_lock_ != Lock::kNone) fx.Note(Event::kForkWithFuture);
  auto child = std::make_shared<Model>(*this);
  child->fork_child_.reset();
  const bool keep_locks = Mutant(PlantedBug::kForkChildKeepsLocks);
  // dup_mmap() copies the VMAs as they are (no merging): whether each
  // page's VMA has an anon_vma is decided on the parent's VMAs, before the
  // lock bits that keep them apart are cleared; in the child the mark is
  // per page and exact.
  for (auto [from, to] : {std::pair{&pages_, &child->pages_}, std::pair{&heap_, &child->heap_}}) {
    for (size_t i = 0; i < to->size(); ++i) {
      PageState& page = (*to)[i];
      // A page marked itself got the anon_vma with its VMA (NoteAnonVma());
      // one whose only marked neighbours share its flags may or may not be
      // in their VMA: 6.1 did not merge an anon_vma-less VMA back into one
      // with an anon_vma on munlockall() (found under qemu).
      page.anon_vma = (*from)[i].anon_vma;
      page.anon_vma_open = (*from)[i].anon_vma_open || (!page.anon_vma && VmaHasAnonVma(*from, i));
      if (!keep_locks) page.lock = Lock::kNone;
    }
  }
  child->outside_lock_ = keep_locks ? outside_lock_ : Lock::kNone;
  child->vmlck_skew_pages_ = 0;
  if (!Mutant(PlantedBug::kForkChildInheritsFuture)) child->future_lock_ = Lock::kNone;
  // The child's probe: one fresh mapping, which shows def_flags.
  Op probe;
  probe.kind = OpKind::kMmap;
  probe.addr = op.addr;
  probe.region = op.region == kAbsoluteAddr ? kAbsoluteAddr : kNoRegion;
  probe.len = op.len;
  probe.prot = uapi::kProtRead | uapi::kProtWrite;
  probe.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
  StepEffects scratch;
  const size_t regions = child->regions_.size();
  fork_probe_ = child->Mmap(probe, scratch);
  child->regions_.resize(regions);  // the generators aim at the parent's mappings
  for (const PageState& page : child->pages_) {
    if (page.mapped && !page.shared && page.residency != Residency::kNone && page.anon_vma) {
      fx.Note(Event::kForkCopiedPtes);
      break;
    }
  }
  for (const PageState& page : child->pages_) {
    if (page.mapped && !page.shared && page.anon_vma_open &&
        (page.residency == Residency::kZeroPage || (page.residency == Residency::kPage && page.file >= 0))) {
      fx.Note(Event::kForkAnonVmaOpen);
      break;
    }
  }
  fork_child_ = std::move(child);
  return Ok(0);
}

// --thp (ref 46; Documentation/admin-guide/mm/transhuge.rst). Whether a
// fault, populate or khugepaged gives a range a huge page depends on
// allocation and timing, so the kernel's answer is an input (AdoptThp); what
// follows from it is checked exactly.

// A range can be PMD-mapped only inside one VMA that can hold an anonymous
// THP: private anonymous, all pages with the same flags (a VMA boundary
// inside it would have split the PMD), and accessible (a PROT_NONE VMA
// takes no fault, and khugepaged needs present ptes). mm/huge_memory.c
// thp_vma_suitable_order(), vma_is_anonymous(); mm/khugepaged.c.
bool Model::ThpEligible(size_t range) const {
  const size_t first = range * config_.thp_pages;
  const PageState& head = pages_[first];
  if (!head.mapped || head.shared || head.file >= 0 || (head.prot & 7) == 0) return false;
  for (size_t i = first; i < first + config_.thp_pages; ++i) {
    const PageState& p = pages_[i];
    if (!p.mapped || p.shared || p.file >= 0 || p.prot != head.prot || p.lock != head.lock) return false;
  }
  return true;
}

// Whether a PMD mapping survived the step: still one VMA over the whole
// range (same flags, nothing unmapped or replaced) and the same pages.
bool Model::ThpIntact(size_t range) const {
  const size_t first = range * config_.thp_pages;
  const PageState& head = pages_[first];
  const Residency want = thp_[range] == ThpState::kHugeZero ? Residency::kZeroPage : Residency::kPage;
  for (size_t i = first; i < first + config_.thp_pages; ++i) {
    const PageState& p = pages_[i];
    if (!p.mapped || p.shared || p.file >= 0 || !p.thp_folio || p.residency != want || p.prot != head.prot ||
        p.lock != head.lock) {
      return false;
    }
  }
  return true;
}

// A VMA boundary inside a PMD-mapped range splits the PMD into PTEs:
// __split_vma() -> vma_adjust_trans_huge() -> split_huge_pmd_if_needed()
// for mlock_fixup()/mprotect_fixup()'s splits and munmap; zap_pmd_range()
// splits a partly unmapped PMD. The THP stays one large folio, now
// PTE-mapped (AnonHugePages drops, KPF_THP stays). The split removes the
// PMD's rmap, folio_remove_rmap_pmd() -> munlock_vma_folio() (mm/internal.h),
// which munlocks the whole folio when the VMA is VM_LOCKED, and
// mlock_pte_range() mlocks a PTE-mapped large folio again only when the
// folio lies wholly inside the VMA and the range (allow_mlock_munlock(),
// mm/mlock.c, 6.6+; never before): its pages in a locked VMA "may be 0"
// (ref 46; unevictable-lru.rst "MLOCKING Transparent Huge Pages": "we
// handle this by keeping PTE-mlocked huge pages on evictable LRU lists").
// The huge zero page's PMD is split into PTEs of the small zero page
// (__split_huge_zero_page_pmd()), as is one written to:
// do_huge_pmd_wp_page() "if (is_huge_zero_pmd(orig_pmd)) goto fallback" ->
// __split_huge_pmd(), then the pte-level write fault copies one page.
void Model::SplitThps(const Op& op, StepEffects& fx) {
  const bool lock_call = op.kind == OpKind::kMlock || op.kind == OpKind::kMlock2 || op.kind == OpKind::kMunlock ||
                         op.kind == OpKind::kMlockall || op.kind == OpKind::kMunlockall;
  for (size_t r = 0; r < thp_.size(); ++r) {
    if (thp_[r] == ThpState::kNone || ThpIntact(r)) continue;
    const size_t first = r * config_.thp_pages;
    bool any_locked = false;
    for (size_t i = first; i < first + config_.thp_pages; ++i) {
      any_locked = any_locked || (pages_[i].mapped && pages_[i].lock != Lock::kNone);
    }
    bool mlock_open = false;
    for (size_t i = first; i < first + config_.thp_pages; ++i) {
      PageState& p = pages_[i];
      if (thp_[r] == ThpState::kHugeZero || p.residency != Residency::kPage) p.thp_folio = false;
      if (p.thp_folio && any_locked && Mutant(PlantedBug::kThpSplitKeepsMlocked)) p.stale_mlock = true;
      mlock_open = mlock_open || (p.thp_folio && p.mapped && p.lock != Lock::kNone);
    }
    if (mlock_open) fx.Note(Event::kThpSplitMlockOpen);
    // zap_pmd_range(): MADV_DONTNEED of part of a PMD splits it
    // (__split_huge_pmd()) and zaps the range's ptes; of all of it,
    // zap_huge_pmd() unmaps the whole folio.
    if (op.kind == OpKind::kMadvise) {
      fx.Note(Event::kThpZappedByMadvise);
    } else {
      fx.Note(lock_call && thp_[r] == ThpState::kPmdThp ? Event::kThpSplitAtLockBoundary : Event::kThpSplitOther);
    }
    thp_[r] = ThpState::kNone;
  }
}

// Simulated kernels: every range that can hold a THP and has a resident
// page is collapsed into one, as khugepaged may do (max_ptes_none 511).
void Model::SimulateThp(StepEffects& fx) {
  std::vector<ThpState> want = thp_;
  for (size_t r = 0; r < thp_.size(); ++r) {
    if (thp_[r] != ThpState::kNone || !ThpEligible(r)) continue;
    const size_t first = r * config_.thp_pages;
    for (size_t i = first; i < first + config_.thp_pages; ++i) {
      if (pages_[i].residency == Residency::kPage) {
        want[r] = ThpState::kPmdThp;
        break;
      }
    }
  }
  AdoptThp(want, &fx);
}

void Model::AdoptThp(const std::vector<ThpState>& observed, StepEffects* effects) {
  StepEffects scratch;
  StepEffects& fx = effects ? *effects : scratch;
  for (size_t r = 0; r < thp_.size() && r < observed.size(); ++r) {
    const size_t first = r * config_.thp_pages;
    const size_t end = first + config_.thp_pages;
    if (observed[r] == thp_[r]) {
      if (thp_[r] == ThpState::kPmdThp && pages_[first].lock != Lock::kNone) fx.Note(Event::kThpLockedWhole);
      continue;
    }
    // Only a range the model holds as not PMD-mapped can become so; a PMD
    // mapping that vanished or changed without a split is a divergence.
    if (thp_[r] != ThpState::kNone || !ThpEligible(r)) {
      fx.Note(Event::kThpRejected);
      continue;
    }
    if (observed[r] == ThpState::kHugeZero) {
      // do_huge_pmd_anonymous_page(): a read fault on an empty PMD maps the
      // huge zero page (use_zero_page); it never replaces pages.
      bool empty = true;
      for (size_t i = first; i < end; ++i) empty = empty && pages_[i].residency != Residency::kPage;
      if (!empty) {
        fx.Note(Event::kThpRejected);
        continue;
      }
      for (size_t i = first; i < end; ++i) {
        pages_[i].residency = Residency::kZeroPage;
        pages_[i].thp_folio = true;
      }
      thp_[r] = ThpState::kHugeZero;
      fx.Note(Event::kThpHugeZeroMapped);
      continue;
    }
    // A PMD-mapped THP makes all its pages resident; in a VM_LOCKED VMA it
    // is mlocked whole (mm/mlock.c mlock_pte_range() pmd_trans_huge case ->
    // mlock_folio(); a fault in a locked VMA: folio_add_lru_vma() ->
    // mlock_new_folio(); khugepaged: collapse_huge_page() maps it the same
    // way), so every subpage counts in Rss and Locked (ref 46, 48).
    for (size_t i = first; i < end; ++i) {
      if (pages_[i].residency == Residency::kZeroPage) fx.Note(Event::kZeroPageReplaced);
      pages_[i].residency = Residency::kPage;
      pages_[i].thp_folio = true;
      pages_[i].stale_mlock = false;
    }
    thp_[r] = ThpState::kPmdThp;
    fx.Note(Event::kThpPmdMapped);
    if (pages_[first].lock != Lock::kNone) fx.Note(Event::kThpLockedWhole);
  }
}

bool Model::MlockedOpenForThp(size_t index) const {
  if (thp_.empty()) return false;
  const PageState& page = pages_[index];
  if (!page.thp_folio || page.residency != Residency::kPage || page.lock == Lock::kNone) return false;
  return thp_[index / config_.thp_pages] != ThpState::kPmdThp;
}

// KPF_THP (fs/proc/page.c stable_page_flags(): set for every page of an
// anonymous large folio): 1 on a PMD-mapped THP, 0 on a small private
// anonymous page; left open elsewhere (zero pages, page cache, a split THP
// that the deferred split queue may have broken up since).
bool Model::ThpFlagKnown(size_t index, bool* thp) const {
  if (thp_.empty()) return false;
  const PageState& page = pages_[index];
  if (thp_[index / config_.thp_pages] == ThpState::kPmdThp) {
    *thp = true;
    return true;
  }
  if (page.mapped && page.file < 0 && !page.shared && page.residency == Residency::kPage && !page.thp_folio) {
    *thp = false;
    return true;
  }
  return false;
}

}  // namespace mlc
