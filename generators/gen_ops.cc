// GenOp(): what the generators know of the model (TargetsOf()), the ranges
// calls are aimed at (GenRange()), and the dispatcher that weighs the call
// families and hands each to its generator (gen_mmap.cc, gen_mlock.cc,
// gen_limits.cc, gen_madvise_mremap.cc, gen_heap_fork.cc). munmap and
// mprotect are drawn here: a range from GenRange(), as mm/mmap.c and
// mm/mprotect.c take it.

#include "generators/gen_internal.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlc {
namespace gen_internal {

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
  t.numa_memory_nodes = model.config().numa_memory_nodes;
  t.memlock_max = model.memlock_max();
  t.limit_set = model.memlock_cur() != model.config().memlock_cur || model.memlock_max() != model.config().memlock_max;
  t.locked_vm_pages = model.LockedVmPages();
  t.total_vm_pages = model.TotalVmPages();
  t.brk = model.brk_offset();
  t.future = model.future_lock();
  for (size_t i = 0; i < model.pages().size(); ++i) {
    const PageState& page = model.pages()[i];
    if (!page.mapped) continue;
    if (page.residency == Residency::kZeroPage) Sample(&t.zero_pages, i, 8);
    if (page.lock != Lock::kNone && page.file != kSecretmem && !page.hugetlb) {
      const size_t before = t.locked_pages.size();
      Sample(&t.locked_pages, i, 16);
      uint64_t run = 1;
      while (i + run < model.pages().size() && run < 16) {
        const PageState& next = model.pages()[i + run];
        if (!next.mapped || next.lock != page.lock || next.prot != page.prot || next.file == kSecretmem) break;
        ++run;
      }
      const uint8_t onfault = page.lock == Lock::kOnFault;
      if (t.locked_pages.size() > before) {
        t.locked_run_pages.push_back(run);
        t.locked_onfault.push_back(onfault);
      } else {
        t.locked_run_pages[i % 16] = run;  // Sample() replaced that slot
        t.locked_onfault[i % 16] = onfault;
      }
      if (!page.shared && !(page.prot & uapi::kProtWrite)) Sample(&t.locked_readonly, i, 8);
      if (page.lock == Lock::kOnFault) Sample(&t.onfault_pages, i, 8);
      int64_t& lowest = t.lowest_locked_file_page[page.file >= 0 ? page.file : 0];
      if (page.file >= 0 && page.file != kSecretmem && (lowest < 0 || page.file_page < lowest)) {
        lowest = page.file_page;
      }
    }
    if (page.file >= 0 && page.file != kSecretmem && model.BeyondEof(page)) Sample(&t.beyond_eof, i, 8);
    if (page.mapped && page.file >= 0 && page.file != kSecretmem && !page.cow && page.residency == Residency::kPage &&
        i < kFileWindows * kFileWindowPages && (t.present_file_page < 0 || page.lock != Lock::kNone)) {
      t.present_file_page = static_cast<int64_t>(i);
      t.present_file = page.file;
      t.present_file_locked = page.lock != Lock::kNone;
    }
    if (i + kFileWindowPages < model.pages().size() && page.mapped && page.file >= 0 && !page.cow &&
        page.residency == Residency::kPage) {
      const PageState& other = model.pages()[i + kFileWindowPages];
      t.file_page_locked_once = t.file_page_locked_once ||
                                (other.mapped && other.file == page.file && other.file_page == page.file_page &&
                                 !other.cow && other.residency == Residency::kPage &&
                                 (other.lock == Lock::kNone) != (page.lock == Lock::kNone));
    }
  }
  for (const PageState& page : model.heap()) {
    t.heap_mapped = t.heap_mapped || page.mapped;
    t.heap_locked = t.heap_locked || (page.mapped && page.lock != Lock::kNone);
  }
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
      t.runs.push_back({i, n, !pages[i].shared, certain, pages[i].lock != Lock::kNone});
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

void Sample(std::vector<uint64_t>* list, uint64_t index, size_t most) {
  // The first `most`, then every other one replaces an earlier one in turn:
  // enough variety for the generators, bounded work per call.
  if (list->size() < most) {
    list->push_back(index);
  } else {
    (*list)[index % most] = index;
  }
}

// A region to aim at: a live one mostly, a stale one sometimes.
const Region* PickRegion(const Targets& t, std::vector<Region>& storage) {
  if (t.all.empty()) return nullptr;
  const bool stale = t.live.empty() || *Shrinking<bool>({{90, false}, {10, true}});
  storage = {Pick(stale ? t.all : t.live)};
  return &storage.front();
}

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

// One to four pages starting at or just before one of `pages`: a call
// aimed at the state an earlier call built (a locked page, a zero page, a
// page beyond EOF). Unlabelled: the page is where it is now.
Range GenRangeAround(const Targets& t, const std::vector<uint64_t>& pages) {
  const uint64_t page = Pick(pages);
  const uint64_t before = std::min<uint64_t>(page, *Shrinking<uint64_t>({{60, 0}, {25, 1}, {15, 2}}));
  const uint64_t first = page - before;
  const uint64_t count = std::min<uint64_t>(t.arena_pages - first, before + *rc::gen::inRange<uint64_t>(1, 4));
  Range r;
  r.addr = first * t.page_size;
  r.len = count * t.page_size;
  return r;
}

bool TightLimit(const Targets& t) {
  const uint64_t limit_pages = t.memlock_cur / t.page_size;
  return !t.cap_ipc_lock && !t.locked_pages.empty() && limit_pages >= t.locked_vm_pages &&
         limit_pages < t.locked_vm_pages + 4;
}

Range GenRangeOverLocked(const Targets& t) {
  // Under a tight limit only a range inside locked pages can pass.
  const bool tight = TightLimit(t);
  // ONFAULT pages are the ones whose relock most rules decide (mlock over
  // lo lf, the limit's discount): half of the relocks where there are some.
  if (!tight && !t.onfault_pages.empty() && *Shrinking<int>({{50, 0}, {50, 1}})) {
    return GenRangeAround(t, t.onfault_pages);
  }
  if (!tight && *Shrinking<int>({{50, 0}, {50, 1}})) return GenRangeAround(t, t.locked_pages);
  std::vector<size_t> onfault;
  for (size_t i = 0; i < t.locked_onfault.size(); ++i) {
    if (t.locked_onfault[i]) onfault.push_back(i);
  }
  const size_t k = !onfault.empty() && *Shrinking<int>({{50, 0}, {50, 1}})
                       ? Pick(onfault)
                       : *rc::gen::inRange<size_t>(0, t.locked_pages.size());
  Range r;
  r.addr = t.locked_pages[k] * t.page_size;
  r.len = *rc::gen::inRange<uint64_t>(1, t.locked_run_pages[k] + 1) * t.page_size;
  return r;
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

}  // namespace gen_internal

using namespace gen_internal;  // NOLINT(google-build-using-namespace): gen_internal.h

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
    // Calls that build on what earlier calls made weigh more while it
    // exists: under MCL_FUTURE, the calls whose result it changes (another
    // mlockall, munlockall, new mappings, brk, fork); a zero page, its
    // write; a locked read-only private VMA, mprotect(+W); a locked file
    // mapping, ftruncate; pages beyond EOF, madvise; a locked heap, brk.
    const bool future = t.future != Lock::kNone;
    const bool tight = TightLimit(t);
    bool locked_file = false;
    for (int64_t lowest : t.lowest_locked_file_page) locked_file = locked_file || lowest >= 0;
    const OpKind kind = *Shrinking<OpKind>({
        // The two go together: a limit set under CAP_IPC_LOCK matters once
        // it is dropped, and a dropped capability under the host's large
        // limit decides little.
        {fresh && t.cap_ipc_lock ? (t.limit_set ? 80u : 50u) : (t.cap_ipc_lock && !t.locked_pages.empty() ? 5u : 1u),
         OpKind::kDropCapIpcLock},
        // Without CAP_IPC_LOCK and with pages locked, a limit around
        // locked_vm decides the next lock call (the discount, ref 7).
        {fresh ? (!t.cap_ipc_lock && !t.limit_set ? 80u : 30u)
               : (!t.cap_ipc_lock && !t.locked_pages.empty() ? 14u : 2u),
         OpKind::kSetMemlockLimit},
        {empty ? 100u : 14u + (future ? 14u : 0u), OpKind::kMmap},
        {5, OpKind::kMunmap},
        {8u + (t.locked_readonly.empty() ? 0u : 8u), OpKind::kMprotect},
        // Under a limit that locked_vm nearly fills, lock calls meet it.
        {12u + (tight ? 12u : 0u), OpKind::kMlock},
        {t.options.mlock2 ? 12u + (tight ? 12u : 0u) + (t.cap_ipc_lock ? 0u : 6u) : 0u, OpKind::kMlock2},
        {10, OpKind::kMunlock},
        {7u + (future ? 14u : 0u), OpKind::kMlockall},
        {3u + (future ? 6u : 0u), OpKind::kMunlockall},
        {8, OpKind::kReadTouch},
        {8u + (t.zero_pages.empty() ? 0u : 8u), OpKind::kWriteTouch},
        {t.options.files ? 7u + (t.options.reclaim && t.present_file_page >= 0 && !t.file_page_locked_once ? 14u : 0u)
                         : 0u,
         OpKind::kMmapFile},
        {t.options.files ? 3u + (locked_file ? 8u : 0u) : 0u, OpKind::kFtruncate},
        {t.options.madvise && !t.hugetlb_mapped ? 6u + (t.beyond_eof.empty() ? 0u : 6u) : 0u, OpKind::kMadvise},
        {t.options.mremap && !empty && !t.hugetlb_mapped ? 7u + (t.locked_pages.empty() ? 0u : 3u) : 0u,
         OpKind::kMremap},
        {t.options.brk ? 4u + (future ? 12u : 0u) + (t.heap_locked ? 14u : 0u) : 0u, OpKind::kBrk},
        {t.options.fork && !t.hugetlb_mapped ? 2u + (future ? 4u : 0u) : 0u, OpKind::kFork},
        // Reclaim matters once pages are locked (they must stay) or present.
        {t.options.reclaim ? 3u + (t.locked_pages.empty() ? 0u : 9u) + (t.file_page_locked_once ? 60u : 0u) : 0u,
         OpKind::kReclaim},
        // Migration matters for locked pages: they must arrive mlocked.
        {t.options.migration && !t.hugetlb_mapped ? 3u + (t.locked_pages.empty() ? 0u : 9u) : 0u, OpKind::kMovePages},
        // Compaction matters once pages are locked; each costs a whole
        // compaction of the machine, so it stays rare.
        {t.options.compaction && !t.locked_pages.empty() ? 4u : 0u, OpKind::kCompact},
        // migrate_pages() moves the whole child: rarer than move_pages().
        {t.options.migrate_process && !t.hugetlb_mapped ? 1u + (t.locked_pages.empty() ? 0u : 4u) : 0u,
         OpKind::kMigratePages},
    });
    switch (kind) {
      case OpKind::kMmap: return GenMmap(t);
      case OpKind::kMunmap:
      case OpKind::kMprotect: {
        // mprotect(+W) of a locked read-only private VMA: the pre-COW rule
        // (mprotect_fixup() populates it, ref 41).
        if (kind == OpKind::kMprotect && !t.locked_readonly.empty() && *Shrinking<int>({{60, 0}, {40, 1}})) {
          Op op = RangeOp(kind, GenRangeAround(t, t.locked_readonly));
          op.prot = *Shrinking<int>({{1, uapi::kProtRead | uapi::kProtWrite}, {1, uapi::kProtWrite}});
          return op;
        }
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
        // Without CAP_IPC_LOCK, MLOCK_ONFAULT more often: ONFAULT pages and
        // plain ones under one limit (ref 7, 19).
        op.flags = !t.cap_ipc_lock && t.onfault_pages.empty() && *Shrinking<int>({{60, 0}, {40, 1}})
                       ? uapi::kMlockOnfault
                       : *GenMlock2Flags();
        return op;
      }
      case OpKind::kMlockall: {
        Op op;
        op.kind = kind;
        op.flags = GenMlockallFlagsFor(t);
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
      case OpKind::kReclaim: return GenReclaim(t);
      case OpKind::kMovePages: return GenMovePages(t);
      case OpKind::kMigratePages: return GenMigrateProcess(t);
      case OpKind::kCompact: {
        // ref 73: 0 keeps locked pages' frames, 1 lets them move.
        Op op;
        op.kind = OpKind::kCompact;
        op.unevictable_allowed = static_cast<uint64_t>(*Shrinking<int>({{50, 0}, {50, 1}}));
        return op;
      }
    }
    return Op{};
  }));
}

}  // namespace mlc
