// Generators of brk (targets around the current break) and fork (the
// child's probe mapping). Mirrors mm/mmap.c (brk()) and kernel/fork.c.

#include "generators/gen_internal.h"

#include <algorithm>
#include <cstdint>

namespace mlc {
namespace gen_internal {

// brk targets near the current break (its heap is small and one-ended):
// growth by whole pages or by unaligned byte amounts, shrinks, back to the
// initial break, a move within the same page, or anywhere up to kHeapPages.
Op GenBrk(const Targets& t) {
  const uint64_t p = t.page_size;
  const uint64_t limit = kHeapPages * p;
  Op op;
  op.kind = OpKind::kBrk;
  const uint64_t top = (t.brk + p - 1) / p * p;
  // A locked heap is shrunk more often (its pages leave locked_vm, ref 27),
  // an empty one under MCL_FUTURE grown more often (locked and populated,
  // ref 28).
  const size_t shrink = t.heap_locked ? 60 : 20;
  const size_t grow = !t.heap_mapped && t.future != Lock::kNone ? 60 : 30;
  switch (*Shrinking<int>({{grow, 0}, {20, 1}, {shrink, 2}, {10, 3}, {10, 4}, {10, 5}})) {
    case 0: op.brk_offset = top + *rc::gen::inRange<uint64_t>(1, 9) * p; break;         // grow by pages
    case 1: op.brk_offset = t.brk + *rc::gen::inRange<uint64_t>(1, 3 * p); break;        // grow by bytes
    case 2: op.brk_offset = *rc::gen::inRange<uint64_t>(0, t.brk + 1); break;            // shrink (or stay)
    case 3: op.brk_offset = 0; break;                                                    // back to the start
    case 4: op.brk_offset = t.brk - t.brk % p + *rc::gen::inRange<uint64_t>(0, p); break;  // within the page
    default: op.brk_offset = *rc::gen::inRange<uint64_t>(0, limit + 1); break;
  }
  op.brk_offset = std::min(op.brk_offset, limit);
  return op;
}

// fork(): the child's probe mapping of one or two pages in the hot part of
// the arena (EEXIST where the parent has a mapping).
Op GenFork(const Targets& t) {
  Op op;
  op.kind = OpKind::kFork;
  const uint64_t pages = std::min<uint64_t>(*Shrinking<uint64_t>({{80, 1}, {20, 2}}), t.arena_pages);
  const uint64_t hot = std::max<uint64_t>(t.hot_pages, pages);
  op.addr = *rc::gen::inRange<uint64_t>(0, hot - pages + 1) * t.page_size;
  op.len = pages * t.page_size;
  return op;
}

}  // namespace gen_internal

}  // namespace mlc
