#include "oracles/observation.h"

#include <cstring>

namespace mlc {
namespace {

std::string Kb(uint64_t kb) { return std::to_string(kb) + " kB"; }

// Describes pages [first, last] of the arena, e.g. "pages 3-5 (A+0x3000..A+0x6000)".
std::string PageRun(size_t first, size_t last, uint64_t page_size) {
  std::string out = first == last ? "page " + std::to_string(first)
                                  : "pages " + std::to_string(first) + "-" + std::to_string(last);
  out += " (A+" + HexString(first * page_size) + "..A+" + HexString((last + 1) * page_size) + ")";
  return out;
}

// Appends one line per run of consecutive pages whose (expected, observed)
// pair is the same, so a 4096-page diff stays readable.
template <typename Describe>
std::string PerPageDiff(const std::vector<uint8_t>& expected, const std::vector<uint8_t>& observed,
                        uint64_t page_size, Describe&& describe) {
  std::string out;
  size_t i = 0;
  const size_t n = std::min(expected.size(), observed.size());
  while (i < n) {
    if (expected[i] == observed[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j + 1 < n && expected[j + 1] == expected[i] && observed[j + 1] == observed[i]) ++j;
    out += "  " + PageRun(i, j, page_size) + ": expected " + describe(expected[i]) +
           ", observed " + describe(observed[i]) + "\n";
    i = j + 1;
  }
  if (expected.size() != observed.size()) out += "  (page counts differ)\n";
  return out;
}

}  // namespace

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
  const bool mlocked = model.PageMlocked(page);
  if (mlocked) *flags |= kPfMlocked;
  *care |= kPfMlocked;
  // A THP may have been collapsed by khugepaged on another CPU, whose mlock
  // batch (mlock_new_folio()) the child's drain does not empty.
  if (model.drained() && !page.thp_folio) {
    if (mlocked) *flags |= kPfUnevictable;
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
    out->resident[i] = pages[i].residency != Residency::kNone || model.FilePageCached(pages[i]);
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
  out->thp = model.thp();
  // smaps AnonHugePages: PMD-mapped anonymous THPs (smaps_pmd_entry(),
  // fs/proc/task_mmu.c); the huge zero page is no normal page and counts
  // in neither it nor Rss.
  out->anon_huge_kb = 0;
  const uint64_t huge_kb = model.config().thp_pages * model.config().page_size / 1024;
  for (ThpState s : out->thp) out->anon_huge_kb += s == ThpState::kPmdThp ? huge_kb : 0;
}

std::vector<ChannelDiff> Compare(const Observation& expected, const Observation& observed,
                                 const Op& op, const ModelConfig& config) {
  std::vector<ChannelDiff> diffs;
  if (expected.outcome != observed.outcome) {
    diffs.push_back({Channel::kResult, OutcomeString(expected.outcome, op, config.arena_base),
                     OutcomeString(observed.outcome, op, config.arena_base), ""});
  }
  if (expected.page_bits != observed.page_bits) {
    diffs.push_back({Channel::kVma, "", "",
                     PerPageDiff(expected.page_bits, observed.page_bits, config.page_size,
                                 [](uint8_t b) { return PageBitsString(b); })});
  }
  if (expected.resident != observed.resident) {
    diffs.push_back({Channel::kResidency, "", "",
                     PerPageDiff(expected.resident, observed.resident, config.page_size,
                                 [](uint8_t r) { return std::string(r ? "resident" : "absent"); })});
  }
  if (expected.rss_kb != observed.rss_kb) {
    diffs.push_back({Channel::kRss, Kb(expected.rss_kb), Kb(observed.rss_kb), ""});
  }
  if (expected.locked_kb != observed.locked_kb) {
    diffs.push_back({Channel::kLocked, Kb(expected.locked_kb), Kb(observed.locked_kb), ""});
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
  if (expected.thp != observed.thp || expected.anon_huge_kb != observed.anon_huge_kb) {
    std::string detail;
    const uint64_t huge = config.thp_pages * config.page_size;
    for (size_t r = 0; r < expected.thp.size() || r < observed.thp.size(); ++r) {
      const ThpState want = r < expected.thp.size() ? expected.thp[r] : ThpState::kNone;
      const ThpState seen = r < observed.thp.size() ? observed.thp[r] : ThpState::kNone;
      if (want == seen) continue;
      detail += "  range A+" + HexString(r * huge) + "..A+" + HexString((r + 1) * huge) + ": expected " +
                ThpStateName(want) + ", observed " + ThpStateName(seen) + "\n";
    }
    diffs.push_back({Channel::kThp, "AnonHugePages " + Kb(expected.anon_huge_kb),
                     "AnonHugePages " + Kb(observed.anon_huge_kb), detail});
  }
  if (observed.vmlck_kb != observed.lo_vma_kb) {
    diffs.push_back({Channel::kVmLckVsSmaps, "VmLck " + Kb(observed.vmlck_kb),
                     "lo VMAs in smaps " + Kb(observed.lo_vma_kb), ""});
  }
  return diffs;
}

}  // namespace mlc
