// Generators of madvise (the advice and do_madvise()'s range edges) and
// mremap (shrink, growth, moves, MREMAP_DONTUNMAP, across VMAs, invalid
// flags), kept inside the arena. Mirrors mm/madvise.c and mm/mremap.c.

#include "generators/gen_internal.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace mlc {
namespace gen_internal {

// madvise over a range like mprotect's (an unaligned start is EINVAL and
// rare), with the edges of do_madvise()'s arithmetic and an unassigned
// advice as low-weight branches.
Op GenMadvise(const Targets& t) {
  if (!t.beyond_eof.empty() && *Shrinking<int>({{60, 0}, {40, 1}})) {
    // MADV_POPULATE_* of file pages beyond EOF: VM_FAULT_SIGBUS is EFAULT.
    Op op = RangeOp(OpKind::kMadvise, GenRangeAround(t, t.beyond_eof));
    op.advice = *Shrinking<int>({{1, uapi::kMadvPopulateRead}, {1, uapi::kMadvPopulateWrite}});
    return op;
  }
  const bool unaligned = *Shrinking<int>({{94, 0}, {6, 1}});
  Op op = RangeOp(OpKind::kMadvise, GenRange(t, unaligned));
  op.advice = *GenMadviseAdvice(t.options.madvise_dontneed_locked, t.options.madvise_without_folio_splits);
  switch (*Shrinking<int>({{91, 0}, {3, 1}, {3, 2}, {3, 3}})) {
    case 1: op.len = 0; break;                                       // 0, or EINVAL if unaligned
    case 2: op.len = std::numeric_limits<uint64_t>::max(); break;    // rounds to 0: EINVAL
    case 3:                                                          // wraps around: EINVAL
      op.region = kAbsoluteAddr;
      op.addr = 0 - t.page_size;
      op.len = 2 * t.page_size;
      break;
    default: break;
  }
  return op;
}

// mremap, valid by construction and never leaving the arena (the executor
// refuses what could, runners/arena_guard.cc): moves only with
// MREMAP_FIXED into the arena, growth without MREMAP_MAYMOVE, on anonymous
// mappings only (file pages keep the placement rule of oracles/files.h),
// MREMAP_DONTUNMAP on private ones only (a shared one still maps the moved
// pages' shmem object, which the model does not track), growth on private
// ones only (a shared anonymous mapping's shmem object keeps the size it
// was created with, so a grown tail lies beyond its end and faults SIGBUS:
// object sizes are not modelled for anonymous shmem). Resizes are aimed
// at runs the model knows to be one VMA; EFAULT comes from ranges running
// past a certain boundary.
Op GenMremap(const Targets& t) {
  const uint64_t p = t.page_size;
  const uint64_t limit = std::min<uint64_t>(t.arena_pages, std::max<uint64_t>(t.hot_pages, 64));
  Op op;
  op.kind = OpKind::kMremap;
  std::vector<Targets::VmaRun> runs;
  for (const auto& r : t.runs) {
    if (r.first + r.pages <= limit) runs.push_back(r);
  }
  if (runs.empty()) {
    // Nothing to aim at: a lookup in a hole (EFAULT) or an early EINVAL.
    op.addr = *rc::gen::inRange<uint64_t>(0, limit) * p;
    op.len = op.new_len = p;
    return op;
  }
  // A locked run half of the time where there is one: its growth is
  // populated (ref 59), its moves keep the lock (ref 30).
  std::vector<Targets::VmaRun> locked;
  for (const auto& r : runs) {
    if (r.locked) locked.push_back(r);
  }
  const Targets::VmaRun run = !locked.empty() && *Shrinking<int>({{50, 0}, {50, 1}}) ? Pick(locked) : Pick(runs);
  const uint64_t start = run.first + *rc::gen::inRange<uint64_t>(0, run.pages);
  const uint64_t room = run.first + run.pages - start;  // pages to the run's end
  uint64_t old_pages = *rc::gen::inRange<uint64_t>(1, room + 1);
  op.addr = start * p;
  // Mostly the whole tail of the run, so that growth can happen in place.
  if (*Shrinking<int>({{60, 0}, {40, 1}})) old_pages = room;
  enum Mode { kShrink, kGrow, kMove, kMoveResize, kDontunmap, kNoResize, kAcross, kInvalid };
  const size_t grow = run.private_anon ? (run.locked ? 35u : 20u) : 0u;  // a locked growth is populated
  const int mode = *Shrinking<int>({{14, kShrink}, {grow, kGrow}, {16, kMove}, {10, kMoveResize},
                                    {run.private_anon ? 12u : 0u, kDontunmap}, {4, kNoResize},
                                    {run.end_certain ? 12u : 0u, kAcross}, {6, kInvalid}});
  auto destination = [&](uint64_t from, uint64_t pages, uint64_t new_pages) {
    // A target in the hot part of the arena not overlapping the source
    // (vrm_overlaps() is an EINVAL branch of its own).
    uint64_t d = 0;
    for (int tries = 0; tries < 8; ++tries) {
      d = *rc::gen::inRange<uint64_t>(0, limit - new_pages + 1);
      if (d + new_pages <= from || d >= from + pages) break;
    }
    return d;
  };
  switch (mode) {
    case kShrink:
      if (old_pages < 2) old_pages = std::min<uint64_t>(room, 2);
      op.len = old_pages * p;
      op.new_len = (old_pages > 1 ? *rc::gen::inRange<uint64_t>(1, old_pages) : 1) * p;
      op.flags = *Shrinking<int>({{70, 0}, {30, uapi::kMremapMaymove}});
      break;
    case kGrow: {
      op.len = old_pages * p;
      const uint64_t max_new = std::min<uint64_t>(old_pages + 8, t.arena_pages - start);
      op.new_len = (max_new > old_pages ? *rc::gen::inRange<uint64_t>(old_pages + 1, max_new + 1) : old_pages) * p;
      break;
    }
    case kMove:
    case kDontunmap:
      op.len = op.new_len = old_pages * p;
      op.flags = uapi::kMremapMaymove | uapi::kMremapFixed | (mode == kDontunmap ? uapi::kMremapDontunmap : 0);
      op.new_addr = destination(start, old_pages, old_pages) * p;
      break;
    case kMoveResize: {
      op.len = old_pages * p;
      const uint64_t new_pages =
          std::min<uint64_t>(limit, *rc::gen::inRange<uint64_t>(1, old_pages + (run.private_anon ? 5 : 1)));
      op.new_len = new_pages * p;
      op.flags = uapi::kMremapMaymove | uapi::kMremapFixed;
      op.new_addr = destination(start, old_pages, new_pages) * p;
      break;
    }
    case kNoResize:
      op.len = op.new_len = old_pages * p;
      break;
    case kAcross: {
      // Past the run's certain end: a hole or another VMA. Growing or
      // resizing is EFAULT; a pure MREMAP_FIXED move takes every VMA along.
      const uint64_t extra = *rc::gen::inRange<uint64_t>(1, 5);
      const uint64_t pages = std::min<uint64_t>(room + extra, limit - start);
      op.len = pages * p;
      int kind = *Shrinking<int>({{50, 0}, {25, 1}, {25, 2}});
      if (start + pages + 1 > limit) kind = 1;  // no room to ask for more
      if (kind == 0) {
        op.new_len = op.len + p;
      } else {
        op.new_len = kind == 1 ? op.len : op.len + p;
        op.flags = uapi::kMremapMaymove | uapi::kMremapFixed;
        op.new_addr = destination(start, pages, op.new_len / p) * p;
      }
      // A move of several VMAs must not carry file pages (oracles/files.h).
      for (uint64_t i = start; i < start + pages && i < t.page_bits.size(); ++i) {
        if (t.page_bits[i] & 2) {
          op.flags = 0;
          op.new_addr = 0;
          op.new_len = kind == 1 ? op.len : op.len + p;
          break;
        }
      }
      break;
    }
    default: {
      op.len = op.new_len = old_pages * p;
      switch (*rc::gen::inRange<int>(0, 6)) {
        case 0: op.flags = uapi::kMremapFixed; break;                 // FIXED without MAYMOVE
        case 1: op.flags = 0x8; break;                                // unknown flag
        case 2: op.new_len = 0; break;                                // new_len 0
        case 3: op.addr += *rc::gen::inRange<uint64_t>(1, p); break;  // unaligned addr
        case 4:                                                       // DONTUNMAP resizing
          op.flags = uapi::kMremapMaymove | uapi::kMremapFixed | uapi::kMremapDontunmap;
          op.new_len += p;
          break;
        default:  // overlapping ranges
          op.flags = uapi::kMremapMaymove | uapi::kMremapFixed;
          op.new_addr = op.addr;
          break;
      }
      break;
    }
  }
  return op;
}

}  // namespace gen_internal

using namespace gen_internal;  // NOLINT(google-build-using-namespace): gen_internal.h

rc::Gen<int> GenMadviseAdvice(bool dontneed_locked, bool without_folio_splits) {
  // MADV_DONTNEED first: shrinking moves towards it. 5-7 and 99 are unassigned
  // in include/uapi/asm-generic/mman-common.h.
  const size_t splitting = without_folio_splits ? 0 : 1;
  return Shrinking<int>({{20, uapi::kMadvDontneed},
                                        {dontneed_locked ? 12u : 0u, uapi::kMadvDontneedLocked},
                                        {12 * splitting, uapi::kMadvFree},
                                        {8 * splitting, uapi::kMadvCold},
                                        {10 * splitting, uapi::kMadvPageout},
                                        {8, uapi::kMadvWillneed},
                                        {14, uapi::kMadvPopulateRead},
                                        {14, uapi::kMadvPopulateWrite},
                                        {2, 5},
                                        {1, 99}});
}

}  // namespace mlc
