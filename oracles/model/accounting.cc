// mm->locked_vm and RLIMIT_MEMLOCK: the limit checks of mlock(2), mlock2(2),
// mlockall(2), mmap(MAP_LOCKED) and mremap(2), and CAP_IPC_LOCK.
// Mirrors mm/mlock.c (do_mlock(), can_do_mlock()), mm/mmap.c (mlock_future_ok())
// and kernel/sys.c (prlimit64).

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

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
    const bool discounted = Mutant(PlantedBug::kLimitDiscountSkipsOnFault) ? page.lock == Lock::kLocked
                                                                           : page.lock != Lock::kNone;
    count += page.mapped && discounted;
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

}  // namespace mlc
