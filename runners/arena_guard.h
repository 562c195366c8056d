// The executor's last line of defence for isolation: before a generated call
// runs, check that whatever the kernel will touch lies inside the arena. The
// generators already keep calls there; this check makes a generator bug a
// harness error instead of damage to the executor's own mappings.
#pragma once

#include <cstdint>

#include "runners/wire.h"

namespace mlc {

// The executor verifies at start that this many pages on each side of the
// arena are unmapped, and maps nothing afterwards: calls may reach into these
// holes. Shrinking needs the slack: it moves a mapping down to the arena's
// start and the calls aimed just before it move along.
constexpr uint64_t kArenaGuardPages = 16;

struct ArenaBounds {
  uint64_t base = 0;
  uint64_t bytes = 0;
  uint64_t page_size = 4096;
  uint64_t huge_page_size = 0;  // MAP_HUGETLB lengths round up to it; 0: refused
};

// True if running `op` can only touch the arena or its guard holes, using
// the kernel's own rounding. mmap must stay inside the arena proper. Calls
// that fail validation before looking at any VMA (unaligned
// mmap/munmap/mprotect address, zero length, wrap-around in
// apply_vma_lock_flags()) are allowed wherever they point.
bool MayExecute(const wire::WireOp& op, const ArenaBounds& arena);

}  // namespace mlc
