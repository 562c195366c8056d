// Generators of RLIMIT_MEMLOCK changes: prlimit64() soft and hard limits
// around what the sequence has locked and mapped (capset's drop of
// CAP_IPC_LOCK needs no generator: DropCapIpcLockOp()). Mirrors
// kernel/sys.c (do_prlimit()) and the checks of mm/mlock.c's can_do_mlock().

#include "generators/gen_internal.h"

#include <algorithm>
#include <cstdint>

namespace mlc {
namespace gen_internal {
namespace {

// A soft limit in bytes: 0 (EPERM), below a page (allowed but rounds to 0
// pages), a few pages, the size of typical mappings, around locked_vm (the
// mlock and mmap checks), around total_vm (the mlockall(MCL_CURRENT) check),
// around the arena, unlimited. A quarter are not page-aligned: the kernel
// shifts the limit down to pages.
uint64_t GenMemlockLimitValue(const Targets& t) {
  const uint64_t p = t.page_size;
  const auto near = [&](uint64_t pages) {
    const int64_t delta = *rc::gen::inRange<int64_t>(-3, 4);
    return static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(pages) + delta)) * p;
  };
  uint64_t bytes = 0;
  // Around locked_vm more often once pages are locked without CAP_IPC_LOCK.
  const int near_locked = !t.cap_ipc_lock && t.locked_vm_pages > 0 ? 40 : 14;
  switch (*rc::gen::weightedElement<int>({{14, 0}, {6, 1}, {22, 2}, {16, 3}, {near_locked, 4}, {12, 5}, {6, 6}, {10, 7}})) {
    case 0: return 0;
    case 1: return *rc::gen::inRange<uint64_t>(1, p);
    case 2: bytes = *rc::gen::inRange<uint64_t>(1, 5) * p; break;
    case 3: bytes = *rc::gen::inRange<uint64_t>(5, 65) * p; break;
    case 4:
      // Exactly locked_vm often: every new page is then over the limit and
      // a relock of locked pages fits only after the discount (ref 7).
      bytes = *Shrinking<int>({{60, 0}, {40, 1}}) ? t.locked_vm_pages * p : near(t.locked_vm_pages);
      break;
    case 5: bytes = near(t.total_vm_pages); break;
    case 6: bytes = near(t.arena_pages); break;
    default: return uapi::kRlimInfinity;
  }
  if (*rc::gen::weightedElement<int>({{75, 0}, {25, 1}})) bytes += *rc::gen::inRange<uint64_t>(1, p);
  return bytes;
}

}  // namespace

// prlimit64(RLIMIT_MEMLOCK): mostly a new soft limit under the current hard
// one; sometimes the hard limit lowered to it (for good: raising it needs
// CAP_SYS_RESOURCE), raised above it (EPERM without CAP_SYS_RESOURCE), or a
// soft limit above the hard one (EINVAL).
Op GenSetMemlockLimit(const Targets& t) {
  uint64_t cur = GenMemlockLimitValue(t);
  uint64_t max = t.memlock_max;
  switch (*rc::gen::weightedElement<int>({{80, 0}, {10, 1}, {5, 2}, {5, 3}})) {
    case 0: cur = std::min(cur, max); break;
    case 1: cur = max = std::min(cur, max); break;
    case 2:
      if (max != uapi::kRlimInfinity) max += *rc::gen::inRange<uint64_t>(1, 65) * t.page_size;
      cur = std::min(cur, max);
      break;
    default:
      if (cur == 0) cur = t.page_size;
      max = cur == uapi::kRlimInfinity ? cur - t.page_size : cur - 1;
      break;
  }
  return SetMemlockLimitOp(cur, max);
}

}  // namespace gen_internal

}  // namespace mlc
