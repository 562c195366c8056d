// The channels compared after every step, and their comparison.
//
// An Observation holds either what the oracle predicts or what the runner
// read from the kernel; Compare() explains every difference page by page.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "oracles/model.h"

namespace mlc {

// Per arena page, from smaps: which VMA covers it and with what flags.
enum PageBit : uint8_t {
  kPageMapped = 1 << 0,
  kPageRead = 1 << 1,    // perms 'r'
  kPageWrite = 1 << 2,   // perms 'w'
  kPageExec = 1 << 3,    // perms 'x'
  kPageShared = 1 << 4,  // perms 's'
  kPageLo = 1 << 5,      // VmFlags lo
  kPageLf = 1 << 6,      // VmFlags lf (?? before 6.2)
  kPageHugetlb = 1 << 7, // VmFlags ht (VM_HUGETLB)
};

enum class Channel : uint8_t {
  kResult,       // return value, errno, signal
  kVma,          // per page: mapped, protection, shared, lo, lf
  kResidency,    // per page: mincore
  kRss,          // smaps Rss: summed over the arena
  kLocked,       // smaps Locked: summed over the arena
  kVmLck,        // /proc/self/status VmLck
  kVmLckVsSmaps, // cross-check: VmLck == sizes of all "lo" VMAs in smaps
  kMsyncBusy,    // per page: msync(MS_INVALIDATE) over its VMA is EBUSY (VM_LOCKED)
  kPageFlags,    // per page: pagemap present, kpageflags MLOCKED/UNEVICTABLE/ZERO_PAGE
  kThp,          // --thp: per PMD range PMD-mapped or not; smaps AnonHugePages summed
  kHugetlb,      // smaps Private_Hugetlb + Shared_Hugetlb summed over the arena
  kMoveStatus,   // move_pages: status[] of its range, per page
  kNode,         // per page: the NUMA node of a present page (move_pages with nodes NULL)
  kMeminfo,      // /proc/meminfo Mlocked and Unevictable, from the sequence's start (--exclusive-machine)
  kCompaction,   // compact: the pages whose page frame changed
  kVmstat,       // cross-check: /proc/vmstat unevictable_pgs_* against Mlocked (--exclusive-machine)
  kCount,
};
// /proc/vmstat's events of PG_mlocked changes, in Observation::unevictable_events.
enum UnevictableEvent : uint8_t { kEvMlocked, kEvMunlocked, kEvStranded, kEvCleared, kUnevictableEventKinds };
const char* ChannelName(Channel c);

// Per arena page, from /proc/self/pagemap and /proc/kpageflags
// (Documentation/admin-guide/mm/pagemap.rst).
enum PageFlagBit : uint8_t {
  kPfPresent = 1 << 0,      // pagemap bit 63
  kPfMlocked = 1 << 1,      // KPF_MLOCKED (33)
  kPfUnevictable = 1 << 2,  // KPF_UNEVICTABLE (18)
  kPfZeroPage = 1 << 3,     // KPF_ZERO_PAGE (24)
  kPfThp = 1 << 4,          // KPF_THP (22)
};
std::string PageFlagsString(uint8_t flags);  // "present M U", "absent"

struct Observation {
  Outcome outcome;
  std::vector<uint8_t> page_bits;  // PageBit per arena page
  std::vector<uint8_t> resident;   // 1 if mincore reports the page resident
  uint64_t rss_kb = 0;
  uint64_t locked_kb = 0;
  uint64_t vmlck_kb = 0;
  uint64_t lo_vma_kb = 0;  // observed only: Σ size of VMAs with "lo" in smaps
  std::vector<uint8_t> msync_busy;  // 1 if msync(MS_INVALIDATE) of the page's VMA is EBUSY
  // PageFlagBit per arena page, when observed; `page_flags_care` (expected
  // side only) masks the bits the rules determine after this step.
  bool has_page_flags = false;
  std::vector<uint8_t> page_flags;
  std::vector<uint8_t> page_flags_care;
  // Expected side only, where madvise left residency open (PageState::open):
  // pages whose mincore is not compared (0 in resident_care; empty = all
  // compared), and the ranges Rss and Locked may lie in (inclusive).
  std::vector<uint8_t> resident_care;
  bool ranges = false;
  uint64_t rss_min_kb = 0;
  uint64_t locked_min_kb = 0, locked_max_kb = 0;
  // The heap region (Model::heap(), ModelConfig::heap_base): per page as
  // above, and its smaps Rss:/Locked: (its VMAs lie wholly inside it: the
  // executor's guard page below keeps them apart from its own heap).
  // Page flags are not observed there.
  std::vector<uint8_t> heap_bits;
  std::vector<uint8_t> heap_resident;
  std::vector<uint8_t> heap_msync_busy;
  uint64_t heap_rss_kb = 0;
  uint64_t heap_locked_kb = 0;
  // Expected side, as resident_care and rss_open_kb for the arena: heap
  // pages whose residency reclaim left open (PageState::open; 0 = not
  // compared, empty = all compared), and how much Rss they may add to
  // heap_rss_kb.
  std::vector<uint8_t> heap_resident_care;
  uint64_t heap_rss_open_kb = 0;
  // ... and how much Locked they may add to heap_locked_kb (open pages of
  // a locked heap VMA).
  uint64_t heap_locked_open_kb = 0;
  // After a kFork step: the child's observation of itself (its probe
  // mmap's outcome, every channel above but page flags), made before it
  // exited; null after other steps.
  std::shared_ptr<Observation> fork_child;
  // Expected side of a fork child only: its pages whose VMA's anon_vma is
  // open are 0 in resident_care (above), and Rss may be higher by up to
  // rss_open_kb (their page-cache pages).
  uint64_t rss_open_kb = 0;
  // --thp: ThpState per PMD-sized range of the arena, and smaps
  // AnonHugePages summed over the arena (empty/0 without --thp).
  std::vector<ThpState> thp;
  uint64_t anon_huge_kb = 0;
  // smaps Private_Hugetlb: + Shared_Hugetlb: summed over the arena.
  uint64_t hugetlb_kb = 0;
  // After a kMovePages step: its status[] (observed; the model's canonical
  // answer on the expected side) and, expected side only, the values the
  // rules allow per page (MoveStatusBit); empty after other steps.
  std::vector<int32_t> move_status;
  std::vector<uint8_t> move_status_allowed;
  uint64_t move_target = 0;
  // The node of each arena page (ModelConfig::observe_nodes): observed, the
  // node of a present page, else -1; expected, the node the model knows
  // (Model::KnownNode()), else -1 (not compared).
  bool has_nodes = false;
  std::vector<int8_t> node;
  // /proc/meminfo Mlocked: and Unevictable: less what they were when the
  // sequence started (ModelConfig::system_counters): observed, the
  // differences; expected, the ranges the model allows, compared where
  // `counters_determined` (after a drain barrier, mlockall() not locking
  // the executor's own pages).
  bool has_counters = false;
  bool counters_determined = false;
  int64_t mlocked_kb = 0, unevictable_kb = 0;
  int64_t mlocked_max_kb = 0, unevictable_max_kb = 0;
  // ... and /proc/vmstat's unevictable_pgs_mlocked, _munlocked, _stranded
  // and _cleared (pages) less theirs (observed; expected, what a simulated
  // kernel reports).
  bool has_unevictable_events = false;
  std::array<int64_t, kUnevictableEventKinds> unevictable_events{};
  // After a kCompact step, per arena page: observed, 1 where the page
  // frame (pagemap PFN) changed during the compaction; expected, the
  // simulated kernel's answer, and in `compact_pinned` the pages whose
  // frame the rules keep. Empty after other steps.
  std::vector<uint8_t> compact_moved;
  std::vector<uint8_t> compact_pinned;
};

// Fills `out` with what the model predicts after a step that had `outcome`.
void Predict(const Model& model, const Outcome& outcome, Observation* out);

// The child's view after a fork: `child` is Model::fork_child(), `probe`
// Model::fork_probe().
void PredictForkChild(const Model& child, const Outcome& probe, Observation* out);

uint8_t PageBitsOf(const PageState& page);
// "rw-p lo lf", "---s", "unmapped".
std::string PageBitsString(uint8_t bits);

struct ChannelDiff {
  Channel channel;
  std::string expected;  // one line, or one line per run of pages
  std::string observed;
  std::string detail;    // per-page runs for the per-page channels
  bool fork_child = false;  // the fork child's view of itself differs, not the parent's
};

// Empty when every channel agrees. The cross-check compares observed values
// with each other: VmLck is the sum of VM_LOCKED VMA sizes (mm/mlock.c
// mlock_fixup() accounts exactly those pages, ref 24-25).
std::vector<ChannelDiff> Compare(const Observation& expected, const Observation& observed,
                                 const Op& op, const ModelConfig& config);

}  // namespace mlc
