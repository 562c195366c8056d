// Generator of reclaim(): amounts for memory.reclaim of the child's own
// cgroup. Mirrors mm/memcontrol.c memory_reclaim().

#include "generators/gen_internal.h"

#include <cstdint>

namespace mlc {
namespace gen_internal {

// Enough to empty the arena's used part (whatever may go goes: the check
// is what must stay), a few pages, or less than a page, which asks for
// nothing (the amount is rounded down to pages, ref 68).
Op GenReclaim(const Targets& t) {
  const uint64_t p = t.page_size;
  Op op;
  op.kind = OpKind::kReclaim;
  switch (*Shrinking<int>({{50, 0}, {35, 1}, {15, 2}})) {
    case 0: op.reclaim_bytes = t.arena_pages * p; break;
    case 1: op.reclaim_bytes = *rc::gen::inRange<uint64_t>(1, 65) * p; break;
    default: op.reclaim_bytes = *rc::gen::inRange<uint64_t>(0, p); break;
  }
  return op;
}

}  // namespace gen_internal
}  // namespace mlc
