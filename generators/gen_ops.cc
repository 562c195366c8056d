#include "generators/gen_ops.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace mlc {
namespace {

// What the generators need to know of a model, small enough to capture by
// value in every generator.
struct Targets {
  uint64_t page_size = 4096;
  uint64_t arena_pages = 0;
  uint64_t hot_pages = 0;
  int next_region = 0;
  std::vector<Region> live;  // regions with at least one page still mapped
  std::vector<Region> all;
  GenOptions options;
};

Targets TargetsOf(const Model& model, const GenOptions& options) {
  Targets t;
  t.page_size = model.config().page_size;
  t.arena_pages = model.config().arena_pages;
  t.hot_pages = std::min(options.hot_pages, t.arena_pages);
  t.next_region = model.next_region_id();
  t.options = options;
  t.options.files = options.files && t.arena_pages >= kFileWindows * kFileWindowPages;
  // The most recent mappings are the likeliest to still matter.
  const auto& regions = model.regions();
  const size_t keep = std::min<size_t>(regions.size(), 16);
  t.all.assign(regions.end() - static_cast<std::ptrdiff_t>(keep), regions.end());
  for (const Region& r : t.all) {
    for (uint64_t p = r.first_page; p < r.first_page + r.pages; ++p) {
      if (model.pages()[p].mapped) {
        t.live.push_back(r);
        break;
      }
    }
  }
  return t;
}

template <typename T>
T Pick(const std::vector<T>& items) {
  return items[*rc::gen::inRange<size_t>(0, items.size())];
}

// A region to aim at: a live one mostly, a stale one sometimes.
const Region* PickRegion(const Targets& t, std::vector<Region>& storage) {
  if (t.all.empty()) return nullptr;
  const bool stale = t.live.empty() || *rc::gen::weightedElement<bool>({{90, false}, {10, true}});
  storage = {Pick(stale ? t.all : t.live)};
  return &storage.front();
}

struct Range {
  uint64_t addr = 0;  // arena offset
  uint64_t len = 0;
  int region = kNoRegion;
  uint64_t region_base = 0;
};

// A page-granular range on or around a region, or anywhere in the hot part
// of the arena, optionally made unaligned. Never reaches past the arena.
Range GenRange(const Targets& t, bool allow_unaligned_start) {
  const uint64_t p = t.page_size;
  std::vector<Region> storage;
  const Region* r = PickRegion(t, storage);
  Range range;
  uint64_t first_page = 0;
  uint64_t pages = 0;
  const int shape = r ? *rc::gen::weightedElement<int>({{86, 0}, {6, 1}, {8, 2}})
                      : *rc::gen::weightedElement<int>({{60, 1}, {40, 2}});
  if (shape == 0) {
    // On the region mostly, sometimes just past its end or just before it
    // (shrinking moves towards the region's start).
    const auto n = static_cast<int64_t>(r->pages);
    const int64_t offset = *rc::gen::weightedOneOf<int64_t>(
        {{85, rc::gen::inRange<int64_t>(0, n)}, {10, rc::gen::just(n)}, {5, rc::gen::just(int64_t{-1})}});
    first_page = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(r->first_page) + offset));
    // Mostly ending inside the region; sometimes reaching past its end,
    // into a neighbour or a hole.
    const uint64_t inside = offset >= 0 && offset < n ? static_cast<uint64_t>(n - offset) : 1;
    pages = *rc::gen::weightedOneOf<uint64_t>({{70, rc::gen::inRange<uint64_t>(1, inside + 1)},
                                               {30, rc::gen::inRange<uint64_t>(inside + 1, inside + 5)}});
    range.region = r->id;
    range.region_base = r->first_page * p;
  } else if (shape == 1) {
    first_page = *rc::gen::inRange<uint64_t>(0, t.hot_pages);
    pages = *rc::gen::inRange<uint64_t>(1, 17);
  } else {
    // Across everything created so far, holes included.
    uint64_t lo = t.hot_pages, hi = 1;
    for (const Region& any : t.all) {
      lo = std::min(lo, any.first_page);
      hi = std::max(hi, any.first_page + any.pages);
    }
    first_page = t.all.empty() ? 0 : lo;
    pages = std::max<uint64_t>(1, hi - first_page);
  }
  first_page = std::min(first_page, t.arena_pages - 1);
  pages = std::min(pages, t.arena_pages - first_page);
  range.addr = first_page * p;
  range.len = pages * p;
  if (*rc::gen::weightedElement<int>({{75, 0}, {25, 1}})) {
    // Unaligned start and/or length: the kernel rounds the start down and the
    // end up (mm/mlock.c do_mlock(); mm/mprotect.c and munmap reject an
    // unaligned start instead).
    if (allow_unaligned_start) range.addr += *rc::gen::inRange<uint64_t>(1, p);
    const uint64_t room = (first_page + pages) * p - range.addr;
    range.len = std::min(room, range.len - std::min(range.len, *rc::gen::inRange<uint64_t>(0, p)));
  }
  return range;
}

Op RangeOp(OpKind kind, const Range& r) {
  Op op;
  op.kind = kind;
  op.addr = r.addr;
  op.len = r.len;
  op.region = r.region;
  op.region_base = r.region_base;
  return op;
}

// mlock, mlock2, munlock: ranges plus the edge cases of do_mlock()'s length
// arithmetic (ref 4, 5, 8).
Op GenLockRangeOp(const Targets& t, OpKind kind) {
  const int edge = *rc::gen::weightedElement<int>({{88, 0}, {4, 1}, {4, 2}, {4, 3}});
  Range r = GenRange(t, /*allow_unaligned_start=*/true);
  if (edge == 1) r.len = 0;                                      // empty, or one page if unaligned
  if (edge == 2) r.len = std::numeric_limits<uint64_t>::max();   // rounds to 0 (or one page)
  Op op = RangeOp(kind, r);
  if (edge == 3) {
    // start + len wraps around: EINVAL before any VMA is looked at.
    op.region = kAbsoluteAddr;
    op.addr = 0 - t.page_size;
    op.len = 2 * t.page_size;
  }
  return op;
}

Op GenMmap(const Targets& t) {
  const uint64_t p = t.page_size;
  uint64_t pages = *rc::gen::weightedOneOf<uint64_t>({{50, rc::gen::inRange<uint64_t>(1, 5)},
                                                     {35, rc::gen::inRange<uint64_t>(5, 17)},
                                                     {12, rc::gen::inRange<uint64_t>(17, 65)},
                                                     {3, rc::gen::inRange<uint64_t>(65, 257)}});
  std::vector<Region> storage;
  const Region* r = PickRegion(t, storage);
  const int where = r ? *rc::gen::weightedElement<int>({{25, 0}, {15, 1}, {25, 2}, {30, 3}, {5, 4}})
                      : *rc::gen::weightedElement<int>({{90, 3}, {10, 4}});
  int64_t first = 0;
  switch (where) {
    case 0: first = static_cast<int64_t>(r->first_page + r->pages); break;  // right after
    case 1: first = static_cast<int64_t>(r->first_page) - static_cast<int64_t>(pages); break;
    case 2:
      first = static_cast<int64_t>(r->first_page) +
              *rc::gen::inRange<int64_t>(-static_cast<int64_t>(pages) + 1, static_cast<int64_t>(r->pages));
      break;
    case 3: first = static_cast<int64_t>(*rc::gen::inRange<uint64_t>(0, t.hot_pages)); break;
    default: first = static_cast<int64_t>(*rc::gen::inRange<uint64_t>(0, t.arena_pages)); break;
  }
  first = std::clamp<int64_t>(first, 0, static_cast<int64_t>(t.arena_pages) - 1);
  pages = std::min(pages, t.arena_pages - static_cast<uint64_t>(first));

  Op op;
  op.kind = OpKind::kMmap;
  op.addr = static_cast<uint64_t>(first) * p;
  op.len = pages * p;
  op.prot = *GenProt();
  op.flags = *GenMmapFlags();
  op.region = t.next_region;
  op.region_base = op.addr;
  switch (*rc::gen::weightedElement<int>({{92, 0}, {4, 1}, {4, 2}})) {
    case 1: op.len = 0; break;                                      // EINVAL
    case 2: op.addr += *rc::gen::inRange<uint64_t>(1, p); break;    // unaligned fixed: EINVAL
    default:
      // An unaligned length is rounded up (do_mmap(): PAGE_ALIGN(len)).
      if (*rc::gen::weightedElement<int>({{85, 0}, {15, 1}})) op.len -= *rc::gen::inRange<uint64_t>(1, p);
      break;
  }
  return op;
}

Op GenTouch(const Targets& t, OpKind kind) {
  std::vector<Region> storage;
  const Region* r = PickRegion(t, storage);
  Op op;
  op.kind = kind;
  if (r && *rc::gen::weightedElement<int>({{90, 1}, {10, 0}})) {
    op.region = r->id;
    op.region_base = r->first_page * t.page_size;
    op.addr = op.region_base + *rc::gen::inRange<uint64_t>(0, r->pages) * t.page_size +
              *rc::gen::inRange<uint64_t>(0, t.page_size);
  } else {
    op.addr = *rc::gen::inRange<uint64_t>(0, t.hot_pages * t.page_size);
  }
  return op;
}

// mmap of a file in one of its windows (oracles/files.h): file page k only
// ever at arena page k of a window, so at most two mappings share a page.
// Sizes reach past EOF often enough (the windows' tails start beyond it).
Op GenMmapFile(const Targets& t) {
  const uint64_t p = t.page_size;
  Op op;
  op.kind = OpKind::kMmapFile;
  op.file = *rc::gen::weightedElement<int>({{40, kMemfd},
                                            {t.options.tmpfile ? 40u : 0u, kTmpfile},
                                            {t.options.secretmem ? 20u : 0u, kSecretmem}});
  const uint64_t window = *rc::gen::inRange<uint64_t>(0, kFileWindows);
  const uint64_t first = *rc::gen::inRange<uint64_t>(0, kFileWindowPages);
  const uint64_t pages = *rc::gen::inRange<uint64_t>(1, kFileWindowPages - first + 1);
  op.addr = (window * kFileWindowPages + first) * p;
  op.len = pages * p;
  op.offset = first * p;
  op.prot = *GenProt();
  op.flags = *GenMmapFlags() & ~uapi::kMapAnonymous;
  // secretmem_mmap() takes shared mappings only; a private one is an EINVAL
  // branch, asked only where nothing would be replaced (MAP_FIXED_NOREPLACE).
  if (op.file == kSecretmem) {
    const bool invalid = *rc::gen::weightedElement<int>({{95, 0}, {5, 1}});
    op.flags = invalid ? (op.flags & ~(uapi::kMapShared | uapi::kMapFixed)) | uapi::kMapPrivate | uapi::kMapFixedNoreplace
                       : (op.flags & ~uapi::kMapPrivate) | uapi::kMapShared;
  }
  switch (*rc::gen::weightedElement<int>({{94, 0}, {3, 1}, {3, 2}})) {
    case 1: op.len = 0; break;                                         // EINVAL
    case 2: op.offset += *rc::gen::inRange<uint64_t>(1, p); break;     // unaligned offset: EINVAL
    default: break;
  }
  op.region = t.next_region;
  op.region_base = op.addr;
  return op;
}

// ftruncate to any size up to a window, a page multiple mostly.
Op GenFtruncate(const Targets& t) {
  Op op;
  op.kind = OpKind::kFtruncate;
  op.file = t.options.tmpfile ? *rc::gen::element(kMemfd, kTmpfile) : kMemfd;  // IsTruncatable()
  op.len = *rc::gen::inRange<uint64_t>(0, kFileWindowPages + 1) * t.page_size;
  if (op.len > 0 && *rc::gen::weightedElement<int>({{80, 0}, {20, 1}})) {
    op.len -= *rc::gen::inRange<uint64_t>(1, t.page_size);
  }
  return op;
}

}  // namespace

rc::Gen<int> GenProt() {
  return rc::gen::element(uapi::kProtNone, uapi::kProtRead, uapi::kProtWrite,
                          uapi::kProtRead | uapi::kProtWrite, uapi::kProtExec,
                          uapi::kProtRead | uapi::kProtExec, uapi::kProtWrite | uapi::kProtExec,
                          uapi::kProtRead | uapi::kProtWrite | uapi::kProtExec);
}

rc::Gen<int> GenMmapFlags() {
  return rc::gen::exec([] {
    int flags = uapi::kMapAnonymous;
    flags |= *rc::gen::weightedElement<int>({{70, uapi::kMapPrivate}, {30, uapi::kMapShared}});
    flags |= *rc::gen::element(uapi::kMapFixedNoreplace, uapi::kMapFixed);
    if (*rc::gen::weightedElement<int>({{75, 0}, {25, 1}})) flags |= uapi::kMapLocked;
    if (*rc::gen::weightedElement<int>({{80, 0}, {20, 1}})) flags |= uapi::kMapPopulate;
    return flags;
  });
}

rc::Gen<int> GenMlock2Flags() {
  // Invalid bits get a named weight: EINVAL comes before anything else.
  return rc::gen::weightedOneOf<int>(
      {{40, rc::gen::just(0)},
       {50, rc::gen::just(uapi::kMlockOnfault)},
       {10, rc::gen::element(0x2, 0x3, 0x100, static_cast<int>(0x80000000u), -1)}});
}

rc::Gen<int> GenMlockallFlags(bool mcl_onfault) {
  // Every combination of the three bits, 0 and MCL_ONFAULT alone included.
  const auto valid_bits = mcl_onfault ? rc::gen::inRange(0, 8)
                                      : rc::gen::element(0, uapi::kMclCurrent, uapi::kMclFuture,
                                                         uapi::kMclCurrent | uapi::kMclFuture);
  return rc::gen::weightedOneOf<int>(
      {{88, valid_bits}, {12, rc::gen::element(0x8, 0x9, 0x10 | 0x3, 0x100 | 0x1)}});
}

rc::Gen<Op> GenOp(const Model& model, const GenOptions& options) {
  Targets t = TargetsOf(model, options);
  // RapidCheck scales gen::inRange by the size, which rc::state also uses for
  // the sequence length: fix the size so that short sequences get the same
  // spread of addresses and lengths as long ones.
  return rc::gen::resize(rc::kNominalSize, rc::gen::exec([t] {
    const bool empty = t.live.empty();
    const OpKind kind = *rc::gen::weightedElement<OpKind>({
        {empty ? 100u : 14u, OpKind::kMmap},
        {5, OpKind::kMunmap},
        {8, OpKind::kMprotect},
        {12, OpKind::kMlock},
        {t.options.mlock2 ? 12u : 0u, OpKind::kMlock2},
        {10, OpKind::kMunlock},
        {5, OpKind::kMlockall},
        {3, OpKind::kMunlockall},
        {8, OpKind::kReadTouch},
        {8, OpKind::kWriteTouch},
        {t.options.files ? 7u : 0u, OpKind::kMmapFile},
        {t.options.files ? 3u : 0u, OpKind::kFtruncate},
    });
    switch (kind) {
      case OpKind::kMmap: return GenMmap(t);
      case OpKind::kMunmap:
      case OpKind::kMprotect: {
        // Unaligned starts are EINVAL here; keep them rare.
        const bool unaligned = *rc::gen::weightedElement<int>({{92, 0}, {8, 1}});
        Op op = RangeOp(kind, GenRange(t, unaligned));
        if (kind == OpKind::kMprotect) op.prot = *GenProt();
        if (*rc::gen::weightedElement<int>({{95, 0}, {5, 1}})) op.len = 0;
        return op;
      }
      case OpKind::kMlock:
      case OpKind::kMunlock: return GenLockRangeOp(t, kind);
      case OpKind::kMlock2: {
        Op op = GenLockRangeOp(t, kind);
        op.flags = *GenMlock2Flags();
        return op;
      }
      case OpKind::kMlockall: {
        Op op;
        op.kind = kind;
        op.flags = *GenMlockallFlags(t.options.mcl_onfault);
        return op;
      }
      case OpKind::kMunlockall: {
        Op op;
        op.kind = kind;
        return op;
      }
      case OpKind::kReadTouch:
      case OpKind::kWriteTouch: return GenTouch(t, kind);
      case OpKind::kMmapFile: return GenMmapFile(t);
      case OpKind::kFtruncate: return GenFtruncate(t);
    }
    return Op{};
  }));
}

}  // namespace mlc
