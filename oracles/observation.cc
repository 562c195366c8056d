#include "oracles/observation.h"

#include <cstring>

#include "oracles/observation_internal.h"

namespace mlc {
using namespace observation_internal;

const char* ChannelName(Channel c) {
  switch (c) {
    case Channel::kResult: return "result";
    case Channel::kVma: return "vma-flags";
    case Channel::kResidency: return "residency";
    case Channel::kRss: return "smaps-rss";
    case Channel::kLocked: return "smaps-locked";
    case Channel::kVmLck: return "vmlck";
    case Channel::kVmLckVsSmaps: return "vmlck-vs-smaps";
    case Channel::kMsyncBusy: return "msync-ebusy";
    case Channel::kPageFlags: return "page-flags";
    case Channel::kThp: return "thp";
    case Channel::kHugetlb: return "hugetlb";
    case Channel::kMoveStatus: return "move-status";
    case Channel::kNode: return "numa-node";
    case Channel::kMeminfo: return "meminfo";
    case Channel::kCompaction: return "compaction";
    case Channel::kVmstat: return "vmstat";
    case Channel::kCount: break;
  }
  return "?";
}

uint8_t PageBitsOf(const PageState& page) {
  if (!page.mapped) return 0;
  uint8_t bits = kPageMapped;
  // smaps perms show the VMA's VM_READ/VM_WRITE/VM_EXEC/VM_MAYSHARE bits as
  // mmap/mprotect set them (show_map_vma(), fs/proc/task_mmu.c).
  if (page.prot & uapi::kProtRead) bits |= kPageRead;
  if (page.prot & uapi::kProtWrite) bits |= kPageWrite;
  if (page.prot & uapi::kProtExec) bits |= kPageExec;
  if (page.shared) bits |= kPageShared;
  if (page.lock != Lock::kNone) bits |= kPageLo;
  if (page.lock == Lock::kOnFault) bits |= kPageLf;
  if (page.hugetlb) bits |= kPageHugetlb;
  return bits;
}

std::string PageBitsString(uint8_t bits) {
  if (!(bits & kPageMapped)) return "unmapped";
  std::string out;
  out += bits & kPageRead ? 'r' : '-';
  out += bits & kPageWrite ? 'w' : '-';
  out += bits & kPageExec ? 'x' : '-';
  out += bits & kPageShared ? 's' : 'p';
  if (bits & kPageLo) out += " lo";
  if (bits & kPageLf) out += " lf";
  if (bits & kPageHugetlb) out += " ht";
  return out;
}

std::string PageFlagsString(uint8_t flags) {
  if (!(flags & kPfPresent)) return "absent";
  std::string out = "present";
  if (flags & kPfMlocked) out += " mlocked";
  if (flags & kPfUnevictable) out += " unevictable";
  if (flags & kPfZeroPage) out += " zero-page";
  if (flags & kPfThp) out += " thp";
  return out;
}

namespace {

// kpageflags of one arena page, and which of its bits the rules determine.
// Present, ZERO_PAGE and MLOCKED are synchronous (ref 36, 43-45; PG_mlocked
// is set at once by mlock_folio()/mlock_new_folio(), and cleared at once by
// the munlock walk, which drains, mm/mlock.c); MLOCKED of a page-cache page
// whose lock was dropped another way is left open (Model::NoteMlockDropped).
// UNEVICTABLE follows MLOCKED only once the per-CPU batches were drained
// (ref 43: "treat KPF_UNEVICTABLE as eventually-consistent; assert it only
// after a drain barrier"; Model::DrainsAtEnd).
void PredictPageFlags(const Model& model, size_t index, uint8_t* flags, uint8_t* care) {
  const PageState& page = model.pages()[index];
  *flags = 0;
  *care = kPfPresent;
  // madvise left the pte open (MADV_FREE, MADV_PAGEOUT): nothing determined.
  if (page.mapped && page.open) {
    *care = 0;
    return;
  }
  if (!page.mapped || page.residency == Residency::kNone) return;
  *flags = kPfPresent;
  *care |= kPfZeroPage;
  if (bool thp = false; model.ThpFlagKnown(index, &thp)) {
    *care |= kPfThp;
    if (thp) *flags |= kPfThp;
  }
  if (page.residency == Residency::kZeroPage) {
    *flags |= kPfZeroPage;
    *care |= kPfMlocked | kPfUnevictable;
    return;
  }
  if (model.MlockUncertain(page)) return;
  // ref 46: a page of a PTE-mapped large folio in a VM_LOCKED VMA "may be
  // 0" (Model::SplitThps); in an unlocked VMA it is 0 as any other.
  if (model.MlockedOpenForThp(index)) return;
  const bool mlocked = model.PageMlocked(index);
  if (mlocked) *flags |= kPfMlocked;
  *care |= kPfMlocked;
  // A THP may have been collapsed by khugepaged on another CPU, whose mlock
  // batch (mlock_new_folio()) the child's drain does not empty.
  // A memfd_secret page is unevictable whether or not its VMA is locked:
  // secretmem_file_create() marks the mapping unevictable
  // (mapping_set_unevictable()), so lru_add() sets PG_unevictable.
  if (model.drained() && !model.ThpFolio(index)) {
    if (mlocked || page.file == kSecretmem) *flags |= kPfUnevictable;
    *care |= kPfUnevictable;
  }
}

}  // namespace

void Predict(const Model& model, const Outcome& outcome, Observation* out) {
  const auto& pages = model.pages();
  out->outcome = outcome;
  out->page_bits.resize(pages.size());
  out->resident.resize(pages.size());
  out->msync_busy.resize(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    // mm/msync.c SYSCALL_DEFINE3(msync): "if ((flags & MS_INVALIDATE) &&
    // (vma->vm_flags & VM_LOCKED))" -> -EBUSY: a witness of VM_LOCKED that
    // does not go through smaps' rendering of VmFlags.
    out->msync_busy[i] = pages[i].mapped && pages[i].lock != Lock::kNone;
    out->page_bits[i] = PageBitsOf(pages[i]);
    // mincore(2): a present pte counts, the zero page included; where a
    // file mapping has no pte, the file's page cache answers (mm/mincore.c
    // mincore_unmapped_range() -> mincore_page(); we own the files, so
    // can_do_mincore() allows it), ref 47.
    out->resident[i] = pages[i].residency != Residency::kNone || model.FilePageCached(pages[i]) ||
                       (pages[i].mapped && pages[i].file < 0 && pages[i].shared && pages[i].shm_cached);
  }
  // Pages whose residency madvise left open (Model::ResidencyOpen).
  out->resident_care.clear();
  out->ranges = false;
  bool any_open = false;
  for (size_t i = 0; i < pages.size() && !any_open; ++i) any_open = model.ResidencyOpen(pages[i]);
  if (any_open) {
    out->resident_care.assign(pages.size(), 1);
    for (size_t i = 0; i < pages.size(); ++i) out->resident_care[i] = !model.ResidencyOpen(pages[i]);
  }
  out->has_page_flags = model.config().page_flags;
  if (out->has_page_flags) {
    out->page_flags.resize(pages.size());
    out->page_flags_care.resize(pages.size());
    for (size_t i = 0; i < pages.size(); ++i) {
      PredictPageFlags(model, i, &out->page_flags[i], &out->page_flags_care[i]);
    }
  }
  const MemoryTotals totals = model.Totals();
  out->rss_kb = totals.rss_kb;
  out->locked_kb = totals.locked_kb;
  out->vmlck_kb = totals.vmlck_kb;
  out->lo_vma_kb = out->vmlck_kb;
  out->hugetlb_kb = totals.hugetlb_kb;
  out->thp = model.thp();
  // smaps AnonHugePages: PMD-mapped anonymous THPs (smaps_pmd_entry(),
  // fs/proc/task_mmu.c); the huge zero page is no normal page and counts
  // in neither it nor Rss.
  out->anon_huge_kb = 0;
  const uint64_t huge_kb = model.config().thp_pages * model.config().page_size / 1024;
  for (ThpState s : out->thp) out->anon_huge_kb += s == ThpState::kPmdThp ? huge_kb : 0;
  if (model.AnyOpen()) {
    out->ranges = true;
    out->rss_min_kb = totals.rss_kb - model.OpenRssKb();
    model.LockedRange(&out->locked_min_kb, &out->locked_max_kb);
  }
  // The heap: private anonymous pages, same per-page rules.
  const auto& heap = model.heap();
  out->heap_bits.resize(heap.size());
  out->heap_resident.resize(heap.size());
  out->heap_msync_busy.resize(heap.size());
  out->heap_resident_care.clear();
  uint64_t heap_open = 0, heap_open_locked = 0;
  for (size_t i = 0; i < heap.size(); ++i) {
    out->heap_bits[i] = PageBitsOf(heap[i]);
    out->heap_resident[i] = heap[i].residency != Residency::kNone;
    out->heap_msync_busy[i] = heap[i].mapped && heap[i].lock != Lock::kNone;
    // Reclaim with swap may have paged an unlocked heap page out (ref 67).
    if (heap[i].mapped && heap[i].open) {
      out->heap_resident_care.resize(heap.size(), 1);
      out->heap_resident_care[i] = 0;
      heap_open += heap[i].residency == Residency::kPage;
      // ... and Locked too, once its VMA is locked again (found by a
      // tinyconfig 6.1 guest run: reclaim, then mlockall(MCL_ONFAULT),
      // which does not populate it).
      heap_open_locked += heap[i].residency == Residency::kPage && heap[i].lock != Lock::kNone;
    }
  }
  const uint64_t kb = model.config().page_size / 1024;
  out->heap_rss_open_kb = heap_open * kb;
  out->heap_rss_kb = totals.heap_rss_kb - out->heap_rss_open_kb;
  out->heap_locked_open_kb = heap_open_locked * kb;
  out->heap_locked_kb = totals.heap_locked_kb - out->heap_locked_open_kb;
  PredictResidencyChannels(model, out);
  out->fork_child.reset();
  if (const Model* child = model.fork_child()) {
    out->fork_child = std::make_shared<Observation>();
    PredictForkChild(*child, model.fork_probe(), out->fork_child.get());
  }
}

// The fork child's view of itself (Model::Fork() has the rules for its VMAs,
// locked_vm and def_flags). Ptes: copy_page_range() runs only where
// vma_needs_copy() (kernel/fork.c): the VMA has an anon_vma. So:
// (child pages carry PageState::anon_vma exactly, see Model::Fork()):
// - mincore: present ptes count (the zero page too); where the child has no
//   pte, anonymous memory is absent and a file's (shmem's) page cache
//   answers (mm/mincore.c mincore_unmapped_range()), so file and shared
//   pages look as in the parent and only a zero page is resident exactly
//   when its VMA has an anon_vma;
// - Rss: normal pages with a pte: a private VMA's present pages when it has
//   an anon_vma (its anonymous pages and COW copies, and its page-cache
//   pages too), none of a shared mapping;
// - Locked: is 0 with no VM_LOCKED VMA; under a mutant that keeps locks,
//   the locked pages with ptes count half (the parent, still waiting, maps
//   them too: smaps_account() divides by the mapcount).
void PredictForkChild(const Model& child, const Outcome& probe, Observation* out) {
  out->outcome = probe;
  const uint64_t kb = child.config().page_size / 1024;
  uint64_t rss = 0, locked_halves = 0;
  auto view = [&](const std::vector<PageState>& pages, std::vector<uint8_t>* bits, std::vector<uint8_t>* resident,
                  std::vector<uint8_t>* busy, uint64_t* rss_kb, uint64_t* locked_kb, std::vector<uint8_t>* care,
                  uint64_t* open_kb) {
    bits->resize(pages.size());
    resident->resize(pages.size());
    busy->resize(pages.size());
    uint64_t pages_rss = 0, pages_locked_halves = 0, pages_open = 0;
    if (care != nullptr) care->assign(pages.size(), 1);
    for (size_t i = 0; i < pages.size(); ++i) {
      const PageState& page = pages[i];
      (*bits)[i] = PageBitsOf(page);
      (*busy)[i] = page.mapped && page.lock != Lock::kNone;
      if (!page.mapped) {
        (*resident)[i] = 0;
        continue;
      }
      // Model::Fork() marked the pages whose (parent's) VMA had an anon_vma,
      // or left it open.
      const bool copied = page.anon_vma != 0 && !page.shared;
      // madvise may have left the parent's pte open (PageState::open): the
      // child copies it or not.
      const bool open = (page.anon_vma_open && !page.shared) || (page.open && copied);
      if (page.residency == Residency::kZeroPage) {
        (*resident)[i] = copied;
        if (open && care != nullptr) (*care)[i] = 0;
      } else if (child.ResidencyOpen(page)) {
        (*resident)[i] = page.residency != Residency::kNone;
        if (care != nullptr) (*care)[i] = 0;
      } else {
        // No pte: the page cache, or a shared anonymous mapping's shmem
        // object, answers mincore as in the parent.
        (*resident)[i] = page.residency != Residency::kNone || child.FilePageCached(page) ||
                         (page.file < 0 && page.shared && page.shm_cached);
      }
      if (page.residency == Residency::kPage && copied && !page.open) {
        ++pages_rss;
        if (page.lock != Lock::kNone) ++pages_locked_halves;
      } else if (page.residency == Residency::kPage && open) {
        ++pages_open;
      }
    }
    *rss_kb = pages_rss * kb;
    *locked_kb = pages_locked_halves * kb / 2;
    if (open_kb != nullptr) *open_kb = pages_open * kb;
    rss += pages_rss;
    locked_halves += pages_locked_halves;
  };
  // The heap's pages are anonymous (never a zero page: no touches there,
  // nor a page-cache page); reclaim may have left them open.
  view(child.pages(), &out->page_bits, &out->resident, &out->msync_busy, &out->rss_kb, &out->locked_kb,
       &out->resident_care, &out->rss_open_kb);
  view(child.heap(), &out->heap_bits, &out->heap_resident, &out->heap_msync_busy, &out->heap_rss_kb,
       &out->heap_locked_kb, &out->heap_resident_care, &out->heap_rss_open_kb);
  // mm_init(): locked_vm = 0; the child's Totals() sums its (cleared) locks.
  out->vmlck_kb = child.Totals().vmlck_kb;
  out->lo_vma_kb = out->vmlck_kb;
  out->has_page_flags = false;
}

std::vector<ChannelDiff> Compare(const Observation& expected, const Observation& observed,
                                 const Op& op, const ModelConfig& config) {
  std::vector<ChannelDiff> diffs;
  if (!OutcomeAllows(expected.outcome, observed.outcome)) {
    diffs.push_back({Channel::kResult, OutcomeString(expected.outcome, op, config.arena_base),
                     OutcomeString(observed.outcome, op, config.arena_base), ""});
  }
  if (expected.page_bits != observed.page_bits) {
    diffs.push_back({Channel::kVma, "", "",
                     PerPageDiff(expected.page_bits, observed.page_bits, config.page_size,
                                 [](uint8_t b) { return PageBitsString(b); })});
  }
  // Pages whose residency the rules leave open (madvise: PageState::open;
  // a fork child's pages whose anon_vma is open) are shown as "either" in a
  // diff and never make one.
  std::vector<uint8_t> want_resident = expected.resident;
  std::vector<uint8_t> seen_resident = observed.resident;
  if (!expected.resident_care.empty()) {
    for (size_t i = 0; i < want_resident.size() && i < seen_resident.size(); ++i) {
      if (!expected.resident_care[i]) want_resident[i] = seen_resident[i] = 2;
    }
  }
  if (want_resident != seen_resident) {
    diffs.push_back({Channel::kResidency, "", "",
                     PerPageDiff(want_resident, seen_resident, config.page_size, [](uint8_t r) {
                       return std::string(r == 2 ? "either" : r ? "resident" : "absent");
                     })});
  }
  // Rss and Locked over every outcome the open pages allow.
  const uint64_t rss_lo = expected.ranges ? expected.rss_min_kb : expected.rss_kb;
  const uint64_t rss_hi = expected.rss_kb + expected.rss_open_kb;
  if (observed.rss_kb < rss_lo || observed.rss_kb > rss_hi) {
    diffs.push_back({Channel::kRss, rss_lo == rss_hi ? Kb(rss_lo) : Kb(rss_lo) + " to " + Kb(rss_hi),
                     Kb(observed.rss_kb), ""});
  }
  const uint64_t locked_lo = expected.ranges ? expected.locked_min_kb : expected.locked_kb;
  const uint64_t locked_hi = expected.ranges ? expected.locked_max_kb : expected.locked_kb;
  if (observed.locked_kb < locked_lo || observed.locked_kb > locked_hi) {
    diffs.push_back({Channel::kLocked, locked_lo == locked_hi ? Kb(locked_lo) : Kb(locked_lo) + " to " + Kb(locked_hi),
                     Kb(observed.locked_kb), ""});
  }
  if (expected.vmlck_kb != observed.vmlck_kb) {
    diffs.push_back({Channel::kVmLck, Kb(expected.vmlck_kb), Kb(observed.vmlck_kb), ""});
  }
  if (expected.msync_busy != observed.msync_busy) {
    diffs.push_back({Channel::kMsyncBusy, "", "",
                     PerPageDiff(expected.msync_busy, observed.msync_busy, config.page_size,
                                 [](uint8_t b) { return std::string(b ? "EBUSY" : "0"); })});
  }
  if (expected.has_page_flags && observed.has_page_flags) {
    const size_t n = expected.page_flags.size();
    const auto masked = [&](const std::vector<uint8_t>& flags, size_t i) -> uint8_t {
      return i < flags.size() ? flags[i] & expected.page_flags_care[i] : 0xff;
    };
    size_t i = 0;
    while (i < n && masked(expected.page_flags, i) == masked(observed.page_flags, i)) ++i;
    if (i < n || observed.page_flags.size() != n) {  // only a failing step pays for the copies
      std::vector<uint8_t> want(n), seen(n);
      for (size_t j = 0; j < n; ++j) {
        want[j] = masked(expected.page_flags, j);
        seen[j] = masked(observed.page_flags, j);
      }
      diffs.push_back({Channel::kPageFlags, "", "",
                       PerPageDiff(want, seen, config.page_size, [](uint8_t f) { return PageFlagsString(f); })});
    }
  }
  // A PTE-mapped large folio is not a PMD mapping (AdoptThp() reads it).
  const auto pmd = [](const std::vector<ThpState>& thp, size_t r) {
    const ThpState s = r < thp.size() ? thp[r] : ThpState::kNone;
    return s == ThpState::kPteMapped ? ThpState::kNone : s;
  };
  bool thp_differs = false;
  for (size_t r = 0; r < expected.thp.size() || r < observed.thp.size(); ++r) {
    thp_differs = thp_differs || pmd(expected.thp, r) != pmd(observed.thp, r);
  }
  if (thp_differs || expected.anon_huge_kb != observed.anon_huge_kb) {
    std::string detail;
    const uint64_t huge = config.thp_pages * config.page_size;
    for (size_t r = 0; r < expected.thp.size() || r < observed.thp.size(); ++r) {
      const ThpState want = pmd(expected.thp, r);
      const ThpState seen = pmd(observed.thp, r);
      if (want == seen) continue;
      detail += "  range A+" + HexString(r * huge) + "..A+" + HexString((r + 1) * huge) + ": expected " +
                ThpStateName(want) + ", observed " + ThpStateName(seen) + "\n";
    }
    diffs.push_back({Channel::kThp, "AnonHugePages " + Kb(expected.anon_huge_kb),
                     "AnonHugePages " + Kb(observed.anon_huge_kb), detail});
  }
  // smaps_hugetlb_range(), fs/proc/task_mmu.c: each present huge page of
  // a hugetlb VMA counts in Private_Hugetlb or Shared_Hugetlb (by mapcount).
  if (expected.hugetlb_kb != observed.hugetlb_kb) {
    diffs.push_back({Channel::kHugetlb, Kb(expected.hugetlb_kb), Kb(observed.hugetlb_kb), ""});
  }
  CompareResidencyChannels(expected, observed, op, config, &diffs);
  if (observed.vmlck_kb != observed.lo_vma_kb) {
    diffs.push_back({Channel::kVmLckVsSmaps, "VmLck " + Kb(observed.vmlck_kb),
                     "lo VMAs in smaps " + Kb(observed.lo_vma_kb), ""});
  }
  // The heap region, channel by channel.
  if (expected.heap_bits != observed.heap_bits) {
    diffs.push_back({Channel::kVma, "", "",
                     PerPageDiff(expected.heap_bits, observed.heap_bits, config.page_size,
                                 [](uint8_t b) { return PageBitsString(b); }, "B")});
  }
  std::vector<uint8_t> want_heap = expected.heap_resident;
  std::vector<uint8_t> seen_heap = observed.heap_resident;
  for (size_t i = 0; i < expected.heap_resident_care.size() && i < want_heap.size() && i < seen_heap.size(); ++i) {
    if (!expected.heap_resident_care[i]) want_heap[i] = seen_heap[i] = 2;
  }
  if (want_heap != seen_heap) {
    diffs.push_back({Channel::kResidency, "", "",
                     PerPageDiff(want_heap, seen_heap, config.page_size, [](uint8_t r) {
                       return std::string(r == 2 ? "either" : r ? "resident" : "absent");
                     }, "B")});
  }
  if (expected.heap_msync_busy != observed.heap_msync_busy) {
    diffs.push_back({Channel::kMsyncBusy, "", "",
                     PerPageDiff(expected.heap_msync_busy, observed.heap_msync_busy, config.page_size,
                                 [](uint8_t b) { return std::string(b ? "EBUSY" : "0"); }, "B")});
  }
  const uint64_t heap_rss_hi = expected.heap_rss_kb + expected.heap_rss_open_kb;
  if (observed.heap_rss_kb < expected.heap_rss_kb || observed.heap_rss_kb > heap_rss_hi) {
    diffs.push_back({Channel::kRss,
                     "heap " + (heap_rss_hi == expected.heap_rss_kb ? Kb(heap_rss_hi)
                                                                     : Kb(expected.heap_rss_kb) + " to " + Kb(heap_rss_hi)),
                     "heap " + Kb(observed.heap_rss_kb), ""});
  }
  const uint64_t heap_locked_hi = expected.heap_locked_kb + expected.heap_locked_open_kb;
  if (observed.heap_locked_kb < expected.heap_locked_kb || observed.heap_locked_kb > heap_locked_hi) {
    diffs.push_back({Channel::kLocked,
                     "heap " + (heap_locked_hi == expected.heap_locked_kb
                                    ? Kb(heap_locked_hi)
                                    : Kb(expected.heap_locked_kb) + " to " + Kb(heap_locked_hi)),
                     "heap " + Kb(observed.heap_locked_kb), ""});
  }
  // The fork child's own view, every channel, named as the child's.
  if (expected.fork_child || observed.fork_child) {
    if (!expected.fork_child || !observed.fork_child) {
      diffs.push_back({Channel::kResult, expected.fork_child ? "a fork child's observation" : "none",
                       observed.fork_child ? "a fork child's observation" : "none", ""});
    } else {
      Op probe = op;
      probe.kind = OpKind::kMmap;
      for (ChannelDiff d : Compare(*expected.fork_child, *observed.fork_child, probe, config)) {
        // A per-page diff has no summary values: its detail says it all.
        if (!d.expected.empty()) d.expected = "fork child: " + d.expected;
        if (!d.observed.empty()) d.observed = "fork child: " + d.observed;
        if (!d.detail.empty()) d.detail = "  in the fork child:\n" + d.detail;
        d.fork_child = true;
        diffs.push_back(std::move(d));
      }
    }
  }
  return diffs;
}

}  // namespace mlc
