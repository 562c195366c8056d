#include "runners/arena_guard.h"

#include "oracles/op.h"

namespace mlc {
namespace {

bool Inside(uint64_t start, uint64_t end, const ArenaBounds& a) {
  return start >= a.base && end >= start && end <= a.base + a.bytes;
}

// Inside the arena or its guard holes.
bool NearInside(uint64_t start, uint64_t end, const ArenaBounds& a) {
  const uint64_t guard = kArenaGuardPages * a.page_size;
  return start >= a.base - guard && end >= start && end <= a.base + a.bytes + guard;
}

}  // namespace

bool MayExecute(const wire::WireOp& op, const ArenaBounds& arena) {
  const uint64_t mask = arena.page_size - 1;
  switch (static_cast<OpKind>(op.kind)) {
    case OpKind::kMmap:
    case OpKind::kMmapFile: {
      if (op.len == 0 || (op.addr & mask)) return true;  // EINVAL before any VMA
      if (!(op.flags & (uapi::kMapFixed | uapi::kMapFixedNoreplace))) return false;
      // ksys_mmap_pgoff() rounds a MAP_HUGETLB length up to the huge page size.
      const uint64_t round = (op.flags & uapi::kMapHugetlb) ? arena.huge_page_size - 1 : mask;
      if ((op.flags & uapi::kMapHugetlb) && (arena.huge_page_size == 0 || op.len > ~uint64_t{0} - round)) {
        return false;
      }
      // hugetlb_get_unmapped_area(): a fixed address off the huge page
      // boundary is EINVAL before any VMA.
      if ((op.flags & uapi::kMapHugetlb) && (op.addr & round)) return true;
      const uint64_t len = (op.len + round) & ~round;
      return len != 0 && Inside(op.addr, op.addr + len, arena);
    }
    case OpKind::kMunmap:
    case OpKind::kMprotect: {
      if (op.len == 0 || (op.addr & mask)) return true;  // EINVAL or no-op
      const uint64_t len = (op.len + mask) & ~mask;
      return len != 0 && NearInside(op.addr, op.addr + len, arena);
    }
    case OpKind::kMlock:
    case OpKind::kMlock2:
    case OpKind::kMunlock: {
      const uint64_t len = (op.len + (op.addr & mask) + mask) & ~mask;
      const uint64_t start = op.addr & ~mask;
      const uint64_t end = start + len;
      if (end <= start) return true;  // wrap-around EINVAL, or empty
      return NearInside(start, end, arena);
    }
    case OpKind::kMlockall:
    case OpKind::kMunlockall:
      return true;  // the executor's own mappings are part of what is measured
    case OpKind::kFtruncate:
      return true;  // the child's own file: it unmaps only inside its mappings
    case OpKind::kReadTouch:
    case OpKind::kWriteTouch:
      return NearInside(op.addr, op.addr + 1, arena);
    case OpKind::kDropCapIpcLock:
    case OpKind::kSetMemlockLimit:
      return true;  // no memory involved
    case OpKind::kMadvise: {
      // do_madvise(): an unaligned start, a length rounding to 0 and
      // wrap-around are EINVAL before any VMA is looked at; len 0 is a no-op.
      if (op.len == 0 || (op.addr & mask)) return true;
      const uint64_t len = (op.len + mask) & ~mask;
      if (len == 0 || op.addr + len < op.addr) return true;
      return NearInside(op.addr, op.addr + len, arena);
    }
    case OpKind::kMremap: {
      const int known = uapi::kMremapMaymove | uapi::kMremapFixed | uapi::kMremapDontunmap;
      const uint64_t old_len = (op.len + mask) & ~mask;
      const uint64_t new_len = (op.new_len + mask) & ~mask;
      // check_mremap_params() refuses these before looking at any VMA.
      if ((op.flags & ~known) || (op.addr & mask) || new_len == 0) return true;
      if (op.len > ~uint64_t{0} - mask || op.new_len > ~uint64_t{0} - mask) return true;  // PAGE_ALIGN wrapped
      // ... and these, in every version, before anything is unmapped.
      if (op.flags & (uapi::kMremapFixed | uapi::kMremapDontunmap)) {
        if (!(op.flags & uapi::kMremapMaymove) || (op.new_addr & mask)) return true;
        if ((op.flags & uapi::kMremapDontunmap) && old_len != new_len) return true;
        if (op.addr + old_len > op.new_addr && op.new_addr + new_len > op.addr) return true;  // overlap
      }
      if (!NearInside(op.addr, op.addr + old_len, arena)) return false;
      if (op.flags & uapi::kMremapFixed) return Inside(op.new_addr, op.new_addr + new_len, arena);
      // Without MREMAP_FIXED, MREMAP_DONTUNMAP takes new_addr as a hint and a
      // growth with MREMAP_MAYMOVE may land anywhere: never outside the arena.
      if (op.flags & uapi::kMremapDontunmap) return false;
      if (new_len <= old_len) return true;  // shrinks in place, or nothing
      if (op.flags & uapi::kMremapMaymove) return false;
      return Inside(op.addr, op.addr + new_len, arena);
    }
    case OpKind::kBrk:
      return op.len <= kHeapPages * arena.page_size;  // within the heap region, never below its start
    case OpKind::kReclaim:
      // memory.reclaim of the child's own cgroup: only pages charged to it
      // (its arena, files, stack and copies) can go, to swap.
      return true;
    case OpKind::kCompact:
      return true;  // all memory: page frames move, nothing is unmapped
    case OpKind::kMigratePages:
      // The child's own memory, all of it: page frames move to another
      // node, nothing is unmapped (run only where compact() may run).
      return true;
    case OpKind::kMovePages: {
      // Every page of the range, from the page holding the start: the
      // arena's own pages only (the executor's would move too).
      const uint64_t start = op.addr & ~mask;
      const uint64_t end = op.addr + op.len;
      return end >= op.addr && Inside(start, (end + mask) & ~mask, arena);
    }
    case OpKind::kFork: {
      // The child's probe mapping, in its own copy of the arena.
      const uint64_t len = (op.len + mask) & ~mask;
      return op.len != 0 && !(op.addr & mask) && len != 0 && Inside(op.addr, op.addr + len, arena);
    }
  }
  return (op.kind >= wire::kSelfTestForbiddenSyscall && op.kind <= wire::kSelfTestHang) ||
         op.kind == wire::kSelfTestOtherRlimit;
}

}  // namespace mlc
