// Generators of mappings and their pages: anonymous mmap (plain, --thp's
// PMD-aligned ones, MAP_HUGETLB), its prot and flags, the read and write
// touches that fault pages in, mmap of the executor's files and ftruncate.
// Mirrors the checks of mm/mmap.c (do_mmap(), ksys_mmap_pgoff()'s huge page
// rounding), mm/memory.c's faults, mm/secretmem.c and mm/shmem.c.

#include "generators/gen_internal.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace mlc {
namespace gen_internal {
namespace {

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

}  // namespace

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
  if (kind == OpKind::kWriteTouch && !t.zero_pages.empty() && *Shrinking<int>({{60, 0}, {40, 1}})) {
    // A write to a page that maps the zero page: do_wp_page() replaces it.
    op.addr = Pick(t.zero_pages) * t.page_size + *rc::gen::inRange<uint64_t>(0, t.page_size);
  } else if (r && *Shrinking<int>({{90, 1}, {10, 0}})) {
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
  uint64_t window = *rc::gen::inRange<uint64_t>(0, kFileWindows);
  uint64_t first = *rc::gen::inRange<uint64_t>(0, kFileWindowPages);
  uint64_t pages = *rc::gen::inRange<uint64_t>(1, kFileWindowPages - first + 1);
  // Under reclaim, a present page again in the other window, locked where
  // it is not and populated where it is: one page, two mappings, one lock
  // (reclaim keeps it in both, ref 66).
  const bool again = t.options.reclaim && t.present_file_page >= 0 && *Shrinking<int>({{50, 0}, {50, 1}});
  if (again) {
    const uint64_t page = static_cast<uint64_t>(t.present_file_page);
    op.file = t.present_file;
    window = kFileWindows - 1 - page / kFileWindowPages;
    first = page % kFileWindowPages;
    pages = 1;
  }
  op.addr = (window * kFileWindowPages + first) * p;
  op.len = pages * p;
  op.offset = first * p;
  op.prot = *GenProt();
  op.flags = *GenMmapFlags() & ~uapi::kMapAnonymous;
  if (again) {
    op.prot = uapi::kProtRead | uapi::kProtWrite;
    op.flags = uapi::kMapShared | uapi::kMapFixedNoreplace |
               (t.present_file_locked ? uapi::kMapPopulate : uapi::kMapLocked);
  }
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
  // Often below a page a locked mapping maps: truncation zaps locked pages
  // too (unmap_mapping_range(), ref 39).
  const int64_t lowest = t.lowest_locked_file_page[op.file];
  if (lowest >= 0 && *Shrinking<int>({{30, 0}, {70, 1}})) {
    op.len = *rc::gen::inRange<uint64_t>(0, static_cast<uint64_t>(lowest) + 1) * t.page_size;
  }
  if (op.len > 0 && *rc::gen::weightedElement<int>({{80, 0}, {20, 1}})) {
    op.len -= *rc::gen::inRange<uint64_t>(1, t.page_size);
  }
  return op;
}

}  // namespace gen_internal

using namespace gen_internal;  // NOLINT(google-build-using-namespace): gen_internal.h

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

}  // namespace mlc
