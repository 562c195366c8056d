// Prediction and comparison of the residency channels: move_pages()'s
// status[] and the pages' nodes (oracles/model/migrate.cc, ref 69-71), the
// page frames compaction keeps (compaction.cc, ref 73), /proc/meminfo's
// Mlocked and Unevictable (meminfo.cc, ref 72) and /proc/vmstat's events
// against Mlocked (ref 74).
#include <array>

#include "oracles/observation_internal.h"

namespace mlc::observation_internal {
namespace {

// "+4 kB", "-8 kB": a counter's difference from the sequence's start.
std::string SignedKb(int64_t v) { return (v < 0 ? "-" : "+") + std::to_string(v < 0 ? -v : v) + " kB"; }

}  // namespace

void PredictResidencyChannels(const Model& model, Observation* out) {
  // move_pages: its status[] and where the pages are (migrate.cc).
  out->move_status = model.move_status();
  out->move_status_allowed = model.move_status_allowed();
  out->has_nodes = model.config().observe_nodes;
  if (out->has_nodes) {
    out->node.resize(model.pages().size());
    // ref 70: a page keeps its node whatever its protection. A PROT_NONE
    // pte is no page to follow_page() from 6.1 to 6.4 (474098edac26 made
    // follow_page_pte() skip pte_protnone() without FOLL_FORCE), so their
    // do_pages_stat() answers -ENOENT: the kernel bug
    // follow-page-skips-protnone (suite/errata/known-kernel-bugs.txt),
    // fixed in 6.5 by d74943a2f3cd ("follow_page() ... don't want to fail
    // on PROT_NONE-mapped pages"); 6.12's folio_walk finds the page.
    for (size_t i = 0; i < out->node.size(); ++i) out->node[i] = static_cast<int8_t>(model.KnownNode(i));
  }
  // compact: which frames must stay (compaction.cc).
  out->compact_pinned = model.compact_pinned();
  out->compact_moved = model.compact_moved();
  // /proc/meminfo Mlocked and Unevictable (meminfo.cc).
  out->has_counters = model.config().system_counters;
  if (out->has_counters) {
    const Model::SystemCounts counts = model.PredictSystemCounts();
    const int64_t kb = static_cast<int64_t>(model.config().page_size / 1024);
    out->counters_determined = counts.determined;
    out->mlocked_kb = static_cast<int64_t>(counts.mlocked_lo) * kb;
    out->mlocked_max_kb = static_cast<int64_t>(counts.mlocked_hi) * kb;
    out->unevictable_kb = static_cast<int64_t>(counts.unevictable_lo) * kb;
    out->unevictable_max_kb = static_cast<int64_t>(counts.unevictable_hi) * kb;
    // A simulated kernel's events: the net of its mlocks and munlocks (ref
    // 74), except under the mutant, whose munlocks count none.
    out->has_unevictable_events = true;
    out->unevictable_events = {};
    out->unevictable_events[kEvMlocked] = static_cast<int64_t>(counts.mlocked_lo + model.MutantUncountedMunlocks());
  }
}

void CompareResidencyChannels(const Observation& expected, const Observation& observed, const Op& op,
                              const ModelConfig& config, std::vector<ChannelDiff>* diffs) {
  // move_pages: each page's status among the values the rules allow.
  if (!expected.move_status_allowed.empty()) {
    const int target = static_cast<int>(op.node);
    const auto allowed = [&](uint8_t set, int32_t status) {
      return set == kMoveAny || ((set & kMoveToTarget) && status == target) ||
             ((set & kMoveEfault) && status == -uapi::kEfault) || ((set & kMoveEnoent) && status == -uapi::kEnoent) ||
             ((set & kMoveEacces) && status == -uapi::kEacces) || ((set & kMoveEbusy) && status == -uapi::kEbusy);
    };
    const auto describe = [&](uint8_t set) {
      if (set == kMoveAny) return std::string("any");
      std::string d;
      const auto add = [&](uint8_t bit, const std::string& what) {
        if (set & bit) d += (d.empty() ? "" : " or ") + what;
      };
      add(kMoveToTarget, "node " + std::to_string(target));
      add(kMoveEfault, "-EFAULT");
      add(kMoveEnoent, "-ENOENT");
      add(kMoveEacces, "-EACCES");
      add(kMoveEbusy, "-EBUSY");
      return d;
    };
    const auto status_name = [](int32_t st) { return st >= 0 ? "node " + std::to_string(st) : "-" + ErrnoName(-st); };
    std::string detail;
    const size_t n = expected.move_status_allowed.size();
    const uint64_t first = (AbsoluteAddress(op, config.arena_base) - config.arena_base) / config.page_size;
    for (size_t k = 0; k < n; ++k) {
      if (k >= observed.move_status.size()) {
        detail += "  status[" + std::to_string(k) + "]: not observed\n";
        break;
      }
      if (allowed(expected.move_status_allowed[k], observed.move_status[k])) continue;
      detail += "  A+" + HexString((first + k) * config.page_size) + " status[" + std::to_string(k) + "]: expected " +
                describe(expected.move_status_allowed[k]) + ", observed " + status_name(observed.move_status[k]) +
                "\n";
    }
    if (!detail.empty()) diffs->push_back({Channel::kMoveStatus, "", "", detail});
  }
  // Where the model knows a present page's node, the kernel must agree.
  if (expected.has_nodes && observed.has_nodes) {
    std::vector<uint8_t> want(expected.node.size()), seen(expected.node.size());
    bool differ = observed.node.size() != expected.node.size();
    for (size_t i = 0; i < want.size() && i < observed.node.size(); ++i) {
      if (expected.node[i] < 0) continue;
      want[i] = static_cast<uint8_t>(expected.node[i] + 1);
      seen[i] = static_cast<uint8_t>(observed.node[i] < 0 ? 0xff : observed.node[i] + 1);
      differ |= want[i] != seen[i];
    }
    if (differ) {
      diffs->push_back({Channel::kNode, "", "", PerPageDiff(want, seen, config.page_size, [](uint8_t v) {
                         return v == 0xff ? std::string("no page") : "node " + std::to_string(v - 1);
                       })});
    }
  }
  // compact: a page whose frame the rules keep did not move.
  if (!expected.compact_pinned.empty()) {
    std::vector<uint8_t> want(expected.compact_pinned.size(), 0), seen(want.size(), 0);
    bool differ = observed.compact_moved.size() != want.size();
    for (size_t i = 0; i < want.size() && i < observed.compact_moved.size(); ++i) {
      if (!expected.compact_pinned[i]) continue;
      seen[i] = observed.compact_moved[i];
      differ |= seen[i] != 0;
    }
    if (differ) {
      diffs->push_back({Channel::kCompaction, "", "", PerPageDiff(want, seen, config.page_size, [](uint8_t moved) {
                         return std::string(moved ? "moved to another page frame" : "the same page frame");
                       })});
    }
  }
  // Mlocked and Unevictable, where the rules determine them.
  if (expected.has_counters && observed.has_counters && expected.counters_determined) {
    const auto range = [](int64_t lo, int64_t hi) { return lo == hi ? SignedKb(lo) : SignedKb(lo) + " to " + SignedKb(hi); };
    const bool mlocked_ok = observed.mlocked_kb >= expected.mlocked_kb && observed.mlocked_kb <= expected.mlocked_max_kb;
    const bool unevictable_ok =
        observed.unevictable_kb >= expected.unevictable_kb && observed.unevictable_kb <= expected.unevictable_max_kb;
    if (!mlocked_ok || !unevictable_ok) {
      diffs->push_back({Channel::kMeminfo,
                       "Mlocked " + range(expected.mlocked_kb, expected.mlocked_max_kb) + ", Unevictable " +
                           range(expected.unevictable_kb, expected.unevictable_max_kb),
                       "Mlocked " + range(observed.mlocked_kb, observed.mlocked_kb) + ", Unevictable " +
                           range(observed.unevictable_kb, observed.unevictable_kb),
                       ""});
    }
  }
  // ref 74: every change of NR_MLOCK is counted as one event of
  // /proc/vmstat, whether or not the model determines Mlocked: mlocked as
  // PG_mlocked is set, munlocked or stranded as the munlock batch clears
  // it, cleared as a page is freed with it (mm/mlock.c mlock_folio(),
  // __munlock_folio(); mm/page_alloc.c free_pages_prepare()).
  if (expected.has_counters && observed.has_counters && observed.has_unevictable_events) {
    const std::array<int64_t, kUnevictableEventKinds>& ev = observed.unevictable_events;
    const int64_t kb = static_cast<int64_t>(config.page_size / 1024);
    const int64_t net_kb = (ev[kEvMlocked] - ev[kEvMunlocked] - ev[kEvStranded] - ev[kEvCleared]) * kb;
    if (net_kb != observed.mlocked_kb) {
      diffs->push_back({Channel::kVmstat, "mlocked - munlocked - stranded - cleared = Mlocked " + SignedKb(observed.mlocked_kb),
                       "mlocked +" + std::to_string(ev[kEvMlocked]) + ", munlocked +" + std::to_string(ev[kEvMunlocked]) +
                           ", stranded +" + std::to_string(ev[kEvStranded]) + ", cleared +" +
                           std::to_string(ev[kEvCleared]) + " pages: " + SignedKb(net_kb),
                       ""});
    }
  }
}

}  // namespace mlc::observation_internal
