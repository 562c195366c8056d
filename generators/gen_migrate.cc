// Generators of move_pages() (ranges of the arena to move to a NUMA node)
// and migrate_pages() (the whole child to one).
// Mirror mm/migrate.c kernel_move_pages(), mm/mempolicy.c kernel_migrate_pages().

#include "generators/gen_internal.h"

#include <cstdint>
#include <vector>

namespace mlc {
namespace gen_internal {

namespace {

// A node with memory, each as likely; one in twenty the first without.
uint64_t GenNode(const Targets& t) {
  std::vector<uint64_t> nodes;
  for (uint64_t n = 0; n < 64; ++n) {
    if ((t.numa_memory_nodes >> n) & 1) nodes.push_back(n);
  }
  uint64_t without = 0;
  while (without < 63 && ((t.numa_memory_nodes >> without) & 1)) ++without;
  if (nodes.empty() || *Shrinking<int>({{95, 0}, {5, 1}})) return without;
  return nodes[*rc::gen::inRange<size_t>(0, nodes.size())];
}

}  // namespace

// Mostly locked pages (they must arrive mlocked, ref 71), some anywhere;
// mostly to a node with memory, each as likely, now and then to one
// without (ENODEV, ref 69).
Op GenMovePages(const Targets& t) {
  const bool at_locked = !t.locked_pages.empty() && *Shrinking<int>({{70, 0}, {30, 1}}) == 0;
  Op op = RangeOp(OpKind::kMovePages, at_locked ? GenRangeAround(t, t.locked_pages) : GenRange(t, false));
  // Inside the arena: the executor moves nothing of its own.
  const uint64_t arena_bytes = t.arena_pages * t.page_size;
  if (op.addr >= arena_bytes) op.addr = arena_bytes - t.page_size;
  if (op.len > arena_bytes - op.addr) op.len = arena_bytes - op.addr;
  op.node = GenNode(t);
  return op;
}

// migrate_pages() of the whole child to one node (ref 75): a node with
// memory mostly, now and then one without (EPERM or EINVAL).
Op GenMigrateProcess(const Targets& t) {
  Op op;
  op.kind = OpKind::kMigratePages;
  op.node = GenNode(t);
  return op;
}

}  // namespace gen_internal
}  // namespace mlc
