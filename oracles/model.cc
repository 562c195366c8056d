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
         a.account == b.account && a.thp_folio == b.thp_folio && a.stale_mlock == b.stale_mlock;
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
    case Event::kThpPmdMapped: return "THP PMD-mapped (fault, populate or khugepaged)";
    case Event::kThpHugeZeroMapped: return "huge zero page PMD-mapped";
    case Event::kThpLockedWhole: return "PMD-mapped THP locked whole";
    case Event::kThpSplitAtLockBoundary: return "THP PMD split at a lock boundary";
    case Event::kThpSplitOther: return "THP PMD split by mprotect/munmap/mmap/write";
    case Event::kThpSplitMlockOpen: return "PTE-mapped THP page in a locked VMA: mlocked open";
    case Event::kThpRejected: return "kernel PMD mapping the rules do not allow";
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
      memlock_max_(config.memlock_max) {
  for (FileState& f : files_) {
    f.size = kFileInitialPages * config_.page_size;
    f.cached.assign(kFileWindowPages, false);
    f.mlock_uncertain.assign(kFileWindowPages, false);
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
  if (page.file < 0 || page.cow) return false;
  const auto& u = files_[static_cast<size_t>(page.file)].mlock_uncertain;
  return page.file_page < u.size() && u[page.file_page];
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
void Model::NoteMlockDropped(const PageState& page, bool zapped, StepEffects& fx) {
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
    if (page.mapped && page.file != kSecretmem) {
      if ((page.lock == Lock::kNone) != (lock == Lock::kNone)) drain_this_step_ = true;  // the walk
      SetLock(page, lock, fx);
    }
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
void Model::FaultIn(PageState& page, bool write, StepEffects& fx) {
  if (page.file >= 0) {
    auto& cached = files_[static_cast<size_t>(page.file)].cached;
    if (page.file_page >= cached.size()) cached.resize(page.file_page + 1, false);
    cached[page.file_page] = true;
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
  } else if (page.residency == Residency::kNone) {
    // do_anonymous_page(): "if (!(vmf->flags & FAULT_FLAG_WRITE) &&
    // !mm_forbids_zeropage(vma->vm_mm))" maps the zero page; otherwise the
    // read fault allocates a page like a write fault.
    page.residency = config_.zero_page ? Residency::kZeroPage : Residency::kPage;
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
void Model::FaultAround(size_t index) {
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
    if (page.residency == Residency::kNone && FilePageCached(page) && !BeyondEof(page)) {
      page.residency = Residency::kPage;
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
    // A file page beyond EOF: the fault's VM_FAULT_SIGBUS becomes -EFAULT
    // (mm/gup.c faultin_page() -> vm_fault_to_errno()), after the pages
    // before it were faulted in and locked; ref 39. With ignore_errors the
    // walk goes on at the next VMA, and every later page of this VMA lies
    // beyond EOF too (offsets grow within a VMA).
    const bool write = !page.shared && (page.prot & uapi::kProtWrite);
    if (page.file >= 0 && !write && page.residency == Residency::kNone) {
      FaultAround((addr - config_.arena_base) / config_.page_size);
    }
    if (BeyondEof(page)) {
      if (ignore_errors) continue;
      fx.Note(Event::kPopulateStoppedAtEof);
      return -uapi::kEfault;
    }
    FaultIn(page, write, fx);
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
  const uint64_t len = (op.len + mask) & ~mask;
  if (len == 0) return Fail(uapi::kEnomem);  // PAGE_ALIGN overflow
  const uint64_t addr = AbsoluteAddress(op, config_.arena_base);
  // MAP_FIXED_NOREPLACE implies MAP_FIXED; __get_unmapped_area() rejects an
  // unaligned fixed address with EINVAL.
  if ((op.flags & (uapi::kMapFixed | uapi::kMapFixedNoreplace)) && (addr & mask)) {
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
  // mm/secretmem.c secretmem_mmap() (secretmem_mmap_prepare() since 6.17),
  // called last: shared mappings only (EINVAL), then its own
  // mlock_future_ok() for the VM_LOCKED it adds (EAGAIN), then
  // vm_flags_set(vma, VM_LOCKED | VM_DONTDUMP); __mmap_complete() counts it
  // in locked_vm (ref 22).
  // When the hook fails, a MAP_FIXED range it was to replace is already
  // unmapped: "leaving a gap where the MAP_FIXED mapping failed"
  // (mm/vma.c vms_abort_munmap_vmas() once the ptes are cleared, since 6.12;
  // mmap_region() unmapped before calling ->mmap() until then).
  if (secret && (type != uapi::kMapShared || !MlockFutureOk(Lock::kLocked, len))) {
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
  // secretmem_mmap() sets VM_LOCKED itself (see above).
  if (secret && lock == Lock::kNone) lock = Lock::kLocked;
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
    if (file_backed) {
      // mm/mmap.c accountable_mapping(): private writable mappings are VM_ACCOUNT.
      fresh.account = type == uapi::kMapPrivate && (op.prot & uapi::kProtWrite);
      fresh.file = static_cast<int8_t>(op.file);
      fresh.file_page = static_cast<uint32_t>(op.offset / config_.page_size + p);
    }
    page = fresh;
    SetLock(page, lock, fx);
  }
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
  // The access check passed (SIGSEGV comes first, arch/x86/mm/fault.c
  // access_error()); the file's fault handler then finds no page: SIGBUS
  // (mmap(2): "Attempted access to a page of the buffer that lies beyond the
  // end of the mapped file"), ref 39.
  if (page.file >= 0 && !write && page.residency == Residency::kNone) FaultAround(static_cast<size_t>(i));
  if (BeyondEof(page)) {
    fx.Note(Event::kTouchBeyondEof);
    return {0, 0, uapi::kSigbus};
  }
  // Mutants of the touch path only: a read fault taken like a write fault
  // (a real page), a write fault that leaves the zero page.
  if (write && page.residency == Residency::kZeroPage && Mutant(PlantedBug::kWriteKeepsZeroPage)) return Ok();
  FaultIn(page, write || Mutant(PlantedBug::kReadTouchAllocates), fx);
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
  for (PageState& page : pages_) {
    if (!page.mapped || page.file != op.file || page.file_page < keep) continue;
    if (page.lock != Lock::kNone && Mutant(PlantedBug::kTruncateKeepsLockedPages)) continue;
    if (page.residency != Residency::kNone) {
      fx.Note(Event::kTruncateZapped);
      if (page.lock != Lock::kNone) fx.Note(Event::kTruncateZappedLocked);
    }
    page.residency = Residency::kNone;
    page.cow = false;
  }
  return Ok();
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
    case OpKind::kMprotect: return drain_this_step_;
    default: return false;
  }
}

Outcome Model::Apply(const Op& op, StepEffects* effects) {
  StepEffects scratch;
  StepEffects& fx = effects ? *effects : scratch;
  drain_this_step_ = false;
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
  }
  return Fail(uapi::kEinval);
}

// One pass over the arena for the three summed channels.
MemoryTotals Model::Totals() const {
  uint64_t rss = 0, locked = 0, vmlck = 0;
  // Locked: of page-cache pages, in 1/kFileWindows page units: smaps counts
  // PAGE_SIZE / mapcount of a page mapped several times (smaps_account(),
  // ref 48); oracles/files.h keeps the mapcount at 1 or 2.
  uint64_t shared_locked_halves = 0;
  for (const auto& page : pages_) {
    // smaps_pte_entry(), fs/proc/task_mmu.c: vm_normal_page() is NULL for
    // the zero page, so it counts in neither Rss nor Locked (ref 36, 45).
    // Every arena page is mapped once (the arena is created after the
    // fork), so PSS = RSS.
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
  vmlck = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(vmlck) + vmlck_skew_pages_));
  const uint64_t kb = config_.page_size / 1024;
  return {rss * kb, locked * kb + shared_locked_halves * kb / 2, vmlck * kb};
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
    fx.Note(lock_call && thp_[r] == ThpState::kPmdThp ? Event::kThpSplitAtLockBoundary : Event::kThpSplitOther);
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
