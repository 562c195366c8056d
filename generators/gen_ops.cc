#include "generators/gen_ops.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

namespace mlc {
namespace {

// Like rc::gen::weightedElement, with the same distribution, but shrinking
// towards the earlier elements: RapidCheck's own element choices never
// shrink, so a shrunk sequence kept every optional flag, special case and
// placement it was generated with. List the simplest choice first.
template <typename T>
rc::Gen<T> Shrinking(std::vector<std::pair<size_t, T>> pairs) {
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(), [](const auto& p) { return p.first == 0; }), pairs.end());
  return rc::Gen<T>([pairs](const rc::Random& random, int) {
    size_t total = 0;
    for (const auto& p : pairs) total += p.first;
    size_t pick = rc::Random(random).next() % total;
    size_t index = 0;
    while (pick >= pairs[index].first) pick -= pairs[index++].first;
    return rc::shrinkable::map(
        rc::shrinkable::shrinkRecur(index, [](size_t i) { return rc::shrink::towards<size_t>(i, 0); }),
        [pairs](size_t i) { return pairs[i].second; });
  });
}

// rc::gen::weightedOneOf whose choice of generator shrinks too, towards the
// first.
template <typename T>
rc::Gen<T> ShrinkingOneOf(std::vector<std::pair<size_t, rc::Gen<T>>> pairs) {
  return rc::gen::join(Shrinking<rc::Gen<T>>(std::move(pairs)));
}

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
  // Privileges and RLIMIT_MEMLOCK (limit values are generated around these).
  bool cap_ipc_lock = true;
  bool cap_sys_resource = true;
  uint64_t memlock_cur = 0;
  uint64_t memlock_max = 0;
  uint64_t locked_vm_pages = 0;
  uint64_t total_vm_pages = 0;
  // mremap: runs of anonymous pages the model knows to lie in one VMA
  // (Model::SpanOf()), and per arena page: bit 0 mapped, bit 1 file-backed.
  struct VmaRun {
    uint64_t first = 0;
    uint64_t pages = 0;
    bool private_anon = false;
    bool end_certain = false;  // the page after it is certainly not in its VMA
  };
  std::vector<VmaRun> runs;
  std::vector<uint8_t> page_bits;
  uint64_t brk = 0;  // the break's offset above the initial one (Model::brk_offset())
  // hugetlb: base pages per huge page, whether any hugetlb page is mapped,
  // huge pages still free for reservations (ModelConfig::hugetlb_available
  // less what the arena holds), and per huge page slot of the arena whether
  // anything is mapped there.
  uint64_t huge_page_pages = 0;
  bool hugetlb_mapped = false;
  uint64_t hugetlb_room = 0;
  std::vector<bool> slot_used;
  // Arena pages a touch must avoid: secretmem faults whose charge the model
  // cannot decide (UnmodelledReason()); empty when there are none.
  std::vector<bool> undecided_touch;
};

Targets TargetsOf(const Model& model, const GenOptions& options) {
  Targets t;
  t.page_size = model.config().page_size;
  t.arena_pages = model.config().arena_pages;
  t.hot_pages = std::min(options.hot_pages, t.arena_pages);
  t.next_region = model.next_region_id();
  t.options = options;
  t.cap_ipc_lock = model.cap_ipc_lock();
  t.cap_sys_resource = model.config().cap_sys_resource;
  t.memlock_cur = model.memlock_cur();
  t.memlock_max = model.memlock_max();
  t.locked_vm_pages = model.LockedVmPages();
  t.total_vm_pages = model.TotalVmPages();
  t.brk = model.brk_offset();
  if (!model.config().measured.secretmem_locked) {
    for (size_t i = 0; i < model.pages().size(); ++i) {
      Op touch;
      touch.kind = OpKind::kReadTouch;
      touch.addr = i * t.page_size;
      if (model.pages()[i].file != kSecretmem || UnmodelledReason(model, touch) == nullptr) continue;
      t.undecided_touch.resize(model.pages().size());
      t.undecided_touch[i] = true;
    }
  }
  t.options.hugetlb = options.hugetlb && model.config().huge_page_pages > 0 && !options.thp &&
                      t.arena_pages >= model.config().huge_page_pages;
  if (t.options.hugetlb) {
    t.huge_page_pages = model.config().huge_page_pages;
    t.hugetlb_mapped = model.AnyHugetlbMapped();
    const uint64_t held = model.HugetlbHeldPages();
    t.hugetlb_room = model.config().hugetlb_available > held ? model.config().hugetlb_available - held : 0;
    t.slot_used.assign(t.arena_pages / t.huge_page_pages, false);
    for (size_t i = 0; i < model.pages().size(); ++i) {
      if (model.pages()[i].mapped) t.slot_used[i / t.huge_page_pages] = true;
    }
  }
  t.options.files = options.files && t.arena_pages >= kFileWindows * kFileWindowPages;
  if (options.mremap) {
    const auto& pages = model.pages();
    t.page_bits.resize(pages.size());
    for (size_t i = 0; i < pages.size(); ++i) {
      t.page_bits[i] = static_cast<uint8_t>((pages[i].mapped ? 1 : 0) | (pages[i].file >= 0 ? 2 : 0));
    }
    for (uint64_t i = 0; i < pages.size();) {
      if (!pages[i].mapped || pages[i].file >= 0) {
        ++i;
        continue;
      }
      uint64_t n = 1;
      while (i + n < pages.size() && model.SpanOf(i + n - 1, 2) == Model::VmaSpan::kInside) ++n;
      const uint64_t end = i + n;
      const bool certain = end >= pages.size() || !pages[end].mapped || model.SpanOf(end - 1, 2) == Model::VmaSpan::kCrosses;
      t.runs.push_back({i, n, !pages[i].shared, certain});
      i = end;
    }
  }
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
  const bool stale = t.live.empty() || *Shrinking<bool>({{90, false}, {10, true}});
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
  const int shape = r ? *Shrinking<int>({{86, 0}, {6, 1}, {8, 2}})
                      : *Shrinking<int>({{60, 1}, {40, 2}});
  if (shape == 0) {
    // On the region mostly, sometimes just past its end or just before it
    // (shrinking moves towards the region's start).
    const auto n = static_cast<int64_t>(r->pages);
    const int64_t offset = *ShrinkingOneOf<int64_t>(
        {{85, rc::gen::inRange<int64_t>(0, n)}, {10, rc::gen::just(n)}, {5, rc::gen::just(int64_t{-1})}});
    first_page = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(r->first_page) + offset));
    // Mostly ending inside the region; sometimes reaching past its end,
    // into a neighbour or a hole.
    const uint64_t inside = offset >= 0 && offset < n ? static_cast<uint64_t>(n - offset) : 1;
    pages = *ShrinkingOneOf<uint64_t>({{70, rc::gen::inRange<uint64_t>(1, inside + 1)},
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
  if (*Shrinking<int>({{75, 0}, {25, 1}})) {
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
  const int edge = *Shrinking<int>({{88, 0}, {4, 1}, {4, 2}, {4, 3}});
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

// --thp: a private anonymous mapping of one or two PMD-sized ranges at a
// PMD-aligned place (the arena is PMD-aligned), which a fault or populate
// may back with a THP (transhuge.rst: the range must lie inside the VMA).
Op GenThpMmap(const Targets& t) {
  const uint64_t p = t.page_size;
  const uint64_t ranges = t.arena_pages / t.options.thp_pages;
  const uint64_t count = ranges >= 2 ? *Shrinking<uint64_t>({{80, 1}, {20, 2}}) : 1;
  const uint64_t slot = *Shrinking<uint64_t>({{60, 0}, {40, 1}}) ? *rc::gen::inRange<uint64_t>(0, ranges - count + 1) : 0;
  Op op;
  op.kind = OpKind::kMmap;
  op.addr = slot * t.options.thp_pages * p;
  op.len = count * t.options.thp_pages * p;
  op.prot = *Shrinking<int>({{70, uapi::kProtRead | uapi::kProtWrite}, {30, -1}});
  if (op.prot < 0) op.prot = *GenProt();
  op.flags = (*GenMmapFlags() & ~uapi::kMapShared) | uapi::kMapPrivate;
  op.region = t.next_region;
  op.region_base = op.addr;
  return op;
}

// A MAP_HUGETLB mapping of one or two huge pages at a huge page aligned
// place (the arena is aligned). It reserves its huge pages at mmap time: one
// that does not fit the free ones is aimed at an empty range, where the
// ENOMEM rule is certain (replacing a shared hugetlb mapping's last part
// would free its file only after the new reservation). A few unaligned
// addresses (EINVAL) and lengths that round up to the huge page size.
std::optional<Op> GenHugetlbMmap(const Targets& t) {
  const uint64_t p = t.page_size;
  const uint64_t h = t.huge_page_pages;
  const uint64_t slots = t.arena_pages / h;
  const uint64_t count = slots >= 2 ? *Shrinking<uint64_t>({{75, 1}, {25, 2}}) : 1;
  uint64_t slot = *Shrinking<int>({{60, 0}, {40, 1}}) ? *rc::gen::inRange<uint64_t>(0, slots - count + 1) : 0;
  if (count > t.hugetlb_room) {
    // Over the free huge pages: only onto empty slots, else nothing at all.
    bool empty = false;
    for (uint64_t s = 0; s + count <= slots && !empty; ++s) {
      const uint64_t at = (slot + s) % (slots - count + 1);
      empty = std::none_of(t.slot_used.begin() + static_cast<std::ptrdiff_t>(at),
                           t.slot_used.begin() + static_cast<std::ptrdiff_t>(at + count), [](bool u) { return u; });
      if (empty) slot = at;
    }
    if (!empty) return std::nullopt;
  }
  Op op;
  op.kind = OpKind::kMmap;
  op.addr = slot * h * p;
  op.len = count * h * p;
  op.prot = *Shrinking<int>({{70, uapi::kProtRead | uapi::kProtWrite}, {30, -1}});
  if (op.prot < 0) op.prot = *GenProt();
  op.flags = *GenMmapFlags() | uapi::kMapHugetlb;
  op.region = t.next_region;
  op.region_base = op.addr;
  switch (*Shrinking<int>({{80, 0}, {10, 1}, {10, 2}})) {
    case 1: op.len -= *rc::gen::inRange<uint64_t>(1, h * p); break;        // ALIGN()ed up
    case 2: op.addr += *rc::gen::inRange<uint64_t>(1, h) * p; break;      // off the boundary: EINVAL
    default: break;
  }
  return op;
}

Op GenMmap(const Targets& t) {
  const uint64_t p = t.page_size;
  if (t.options.hugetlb && *Shrinking<int>({{80, 0}, {20, 1}})) {
    if (const std::optional<Op> huge = GenHugetlbMmap(t)) return *huge;
  }
  if (t.options.thp && t.arena_pages >= t.options.thp_pages && *Shrinking<int>({{50, 1}, {50, 0}})) {
    return GenThpMmap(t);
  }
  uint64_t pages = *ShrinkingOneOf<uint64_t>({{50, rc::gen::inRange<uint64_t>(1, 5)},
                                                     {35, rc::gen::inRange<uint64_t>(5, 17)},
                                                     {12, rc::gen::inRange<uint64_t>(17, 65)},
                                                     {3, rc::gen::inRange<uint64_t>(65, 257)}});
  std::vector<Region> storage;
  const Region* r = PickRegion(t, storage);
  // 5, the arena's first page, comes first so that shrinking moves a
  // mapping there.
  const int where = r ? *Shrinking<int>({{3, 5}, {25, 0}, {15, 1}, {25, 2}, {30, 3}, {5, 4}})
                      : *Shrinking<int>({{3, 5}, {90, 3}, {10, 4}});
  int64_t first = 0;
  switch (where) {
    case 0: first = static_cast<int64_t>(r->first_page + r->pages); break;  // right after
    case 1: first = static_cast<int64_t>(r->first_page) - static_cast<int64_t>(pages); break;
    case 2:
      first = static_cast<int64_t>(r->first_page) +
              *rc::gen::inRange<int64_t>(-static_cast<int64_t>(pages) + 1, static_cast<int64_t>(r->pages));
      break;
    case 3: first = static_cast<int64_t>(*rc::gen::inRange<uint64_t>(0, t.hot_pages)); break;
    case 5: first = 0; break;
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
  switch (*Shrinking<int>({{92, 0}, {4, 1}, {4, 2}})) {
    case 1: op.len = 0; break;                                      // EINVAL
    case 2: op.addr += *rc::gen::inRange<uint64_t>(1, p); break;    // unaligned fixed: EINVAL
    default:
      // An unaligned length is rounded up (do_mmap(): PAGE_ALIGN(len)).
      if (*Shrinking<int>({{85, 0}, {15, 1}})) op.len -= *rc::gen::inRange<uint64_t>(1, p);
      break;
  }
  return op;
}

Op GenTouch(const Targets& t, OpKind kind) {
  std::vector<Region> storage;
  const Region* r = PickRegion(t, storage);
  Op op;
  op.kind = kind;
  if (r && *Shrinking<int>({{90, 1}, {10, 0}})) {
    op.region = r->id;
    op.region_base = r->first_page * t.page_size;
    op.addr = op.region_base + *rc::gen::inRange<uint64_t>(0, r->pages) * t.page_size +
              *rc::gen::inRange<uint64_t>(0, t.page_size);
  } else {
    op.addr = *rc::gen::inRange<uint64_t>(0, t.hot_pages * t.page_size);
  }
  const uint64_t page = op.addr / t.page_size;
  if (page < t.undecided_touch.size() && t.undecided_touch[page]) {
    op = Op{};
    op.kind = OpKind::kMunlockall;
  }
  return op;
}

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
  switch (*rc::gen::weightedElement<int>({{14, 0}, {6, 1}, {22, 2}, {16, 3}, {14, 4}, {12, 5}, {6, 6}, {10, 7}})) {
    case 0: return 0;
    case 1: return *rc::gen::inRange<uint64_t>(1, p);
    case 2: bytes = *rc::gen::inRange<uint64_t>(1, 5) * p; break;
    case 3: bytes = *rc::gen::inRange<uint64_t>(5, 65) * p; break;
    case 4: bytes = near(t.locked_vm_pages); break;
    case 5: bytes = near(t.total_vm_pages); break;
    case 6: bytes = near(t.arena_pages); break;
    default: return uapi::kRlimInfinity;
  }
  if (*rc::gen::weightedElement<int>({{75, 0}, {25, 1}})) bytes += *rc::gen::inRange<uint64_t>(1, p);
  return bytes;
}

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

// madvise over a range like mprotect's (an unaligned start is EINVAL and
// rare), with the edges of do_madvise()'s arithmetic and an unassigned
// advice as low-weight branches.
Op GenMadvise(const Targets& t) {
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
  const Targets::VmaRun run = Pick(runs);
  const uint64_t start = run.first + *rc::gen::inRange<uint64_t>(0, run.pages);
  const uint64_t room = run.first + run.pages - start;  // pages to the run's end
  uint64_t old_pages = *rc::gen::inRange<uint64_t>(1, room + 1);
  op.addr = start * p;
  // Mostly the whole tail of the run, so that growth can happen in place.
  if (*Shrinking<int>({{60, 0}, {40, 1}})) old_pages = room;
  enum Mode { kShrink, kGrow, kMove, kMoveResize, kDontunmap, kNoResize, kAcross, kInvalid };
  const int mode = *Shrinking<int>({{14, kShrink}, {run.private_anon ? 20u : 0u, kGrow}, {16, kMove}, {10, kMoveResize},
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

// brk targets near the current break (its heap is small and one-ended):
// growth by whole pages or by unaligned byte amounts, shrinks, back to the
// initial break, a move within the same page, or anywhere up to kHeapPages.
Op GenBrk(const Targets& t) {
  const uint64_t p = t.page_size;
  const uint64_t limit = kHeapPages * p;
  Op op;
  op.kind = OpKind::kBrk;
  const uint64_t top = (t.brk + p - 1) / p * p;
  switch (*Shrinking<int>({{30, 0}, {20, 1}, {20, 2}, {10, 3}, {10, 4}, {10, 5}})) {
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

}  // namespace

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

rc::Gen<int> GenProt() {
  return Shrinking<int>({{1, uapi::kProtNone}, {1, uapi::kProtRead}, {1, uapi::kProtWrite},
                         {1, uapi::kProtRead | uapi::kProtWrite}, {1, uapi::kProtExec},
                         {1, uapi::kProtRead | uapi::kProtExec}, {1, uapi::kProtWrite | uapi::kProtExec},
                         {1, uapi::kProtRead | uapi::kProtWrite | uapi::kProtExec}});
}

rc::Gen<int> GenMmapFlags() {
  return rc::gen::exec([] {
    int flags = uapi::kMapAnonymous;
    flags |= *Shrinking<int>({{70, uapi::kMapPrivate}, {30, uapi::kMapShared}});
    flags |= *Shrinking<int>({{50, uapi::kMapFixedNoreplace}, {50, uapi::kMapFixed}});
    if (*Shrinking<int>({{75, 0}, {25, 1}})) flags |= uapi::kMapLocked;
    if (*Shrinking<int>({{80, 0}, {20, 1}})) flags |= uapi::kMapPopulate;
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
    // Privileges and limits are mostly set up before the first mapping, so
    // that a third of the sequences run as an unprivileged caller would,
    // and now and then changed mid-sequence.
    const bool fresh = t.all.empty();
    const OpKind kind = *rc::gen::weightedElement<OpKind>({
        {fresh && t.cap_ipc_lock ? 30u : 1u, OpKind::kDropCapIpcLock},
        {fresh ? 30u : 2u, OpKind::kSetMemlockLimit},
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
        {t.options.madvise && !t.hugetlb_mapped ? 6u : 0u, OpKind::kMadvise},
        {t.options.mremap && !empty && !t.hugetlb_mapped ? 7u : 0u, OpKind::kMremap},
        {t.options.brk ? 4u : 0u, OpKind::kBrk},
        {t.options.fork && !t.hugetlb_mapped ? 2u : 0u, OpKind::kFork},
    });
    switch (kind) {
      case OpKind::kMmap: return GenMmap(t);
      case OpKind::kMunmap:
      case OpKind::kMprotect: {
        // Unaligned starts are EINVAL here; keep them rare.
        const bool unaligned = *Shrinking<int>({{92, 0}, {8, 1}});
        Op op = RangeOp(kind, GenRange(t, unaligned));
        if (kind == OpKind::kMprotect) op.prot = *GenProt();
        if (*Shrinking<int>({{95, 0}, {5, 1}})) op.len = 0;
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
      case OpKind::kDropCapIpcLock: return DropCapIpcLockOp();
      case OpKind::kSetMemlockLimit: return GenSetMemlockLimit(t);
      case OpKind::kMmapFile: return GenMmapFile(t);
      case OpKind::kFtruncate: return GenFtruncate(t);
      case OpKind::kMadvise: return GenMadvise(t);
      case OpKind::kMremap: return GenMremap(t);
      case OpKind::kBrk: return GenBrk(t);
      case OpKind::kFork: return GenFork(t);
    }
    return Op{};
  }));
}

}  // namespace mlc
