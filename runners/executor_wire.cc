// The translation between the model's types and the executor's records
// (runners/wire.h): ToWire() encodes a sequence's ops, DecodeStep() turns a
// step record and the trailers after it into an Observation. Kept apart from
// executor.cc, which runs the executor and moves the records, because the
// step record grows with every channel the executor observes.
#include "runners/executor.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mlc {

std::vector<wire::WireOp> ToWire(const std::vector<Op>& ops, uint64_t arena_base) {
  std::vector<wire::WireOp> out;
  out.reserve(ops.size());
  for (const Op& op : ops) {
    wire::WireOp w;
    w.kind = static_cast<uint32_t>(op.kind);
    w.prot = op.prot;
    w.flags = op.flags;
    w.addr = AbsoluteAddress(op, arena_base);
    w.len = op.len;
    // Kinds whose arguments are not a range ride in the range's slots
    // (runners/wire.h WireOp).
    switch (op.kind) {
      case OpKind::kMadvise: w.flags = op.advice; break;
      case OpKind::kBrk: w.len = op.brk_offset; break;
      case OpKind::kReclaim: w.len = op.reclaim_bytes; break;
      case OpKind::kSetMemlockLimit:
        w.len = op.limit_cur;
        w.addr = op.limit_max;
        break;
      default: break;
    }
    w.file = op.file;
    w.offset = op.offset;
    w.new_len = op.new_len;
    w.new_addr = arena_base + op.new_addr;
    if (op.kind == OpKind::kMovePages || op.kind == OpKind::kMigratePages) w.offset = op.node;
    if (op.kind == OpKind::kCompact) w.offset = op.unevictable_allowed;
    out.push_back(w);
  }
  return out;
}

void Executor::DecodeStep(Observation* out) const {
  const auto& rec = *reinterpret_cast<const wire::StepRecord*>(record_.data());
  const auto* vmas = reinterpret_cast<const wire::WireVma*>(record_.data() + sizeof(wire::StepRecord));
  const auto* bitmap = reinterpret_cast<const unsigned char*>(vmas + rec.vma_count);
  const size_t pages = info_.arena_pages;
  out->outcome = {rec.ret, rec.err, rec.signal};
  out->page_bits.assign(pages, 0);
  out->msync_busy.assign(pages, 0);
  out->resident.resize(pages);
  for (uint32_t i = 0; i < rec.vma_count; ++i) {
    const size_t end = std::min<size_t>(pages, size_t{vmas[i].first_page} + vmas[i].pages);
    const uint8_t busy = (vmas[i].bits & wire::kVmaMsyncBusy) != 0;
    for (size_t p = vmas[i].first_page; p < end; ++p) {
      out->page_bits[p] = static_cast<uint8_t>(vmas[i].bits);
      out->msync_busy[p] = busy;
    }
  }
  for (size_t p = 0; p < pages; ++p) out->resident[p] = (bitmap[p / 8] >> (p % 8)) & 1;
  out->has_page_flags = rec.page_flag_bytes > 0;
  if (out->has_page_flags) {
    const unsigned char* flags = bitmap + (pages + 7) / 8;
    out->page_flags.assign(pages, 0);
    for (uint32_t i = 0; i < rec.vma_count; ++i) {
      for (uint32_t k = 0; k < vmas[i].pages; ++k) {
        if (vmas[i].first_page + k < pages) out->page_flags[vmas[i].first_page + k] = *flags;
        ++flags;
      }
    }
  }
  out->rss_kb = rec.rss_kb;
  out->locked_kb = rec.locked_kb;
  out->vmlck_kb = rec.vmlck_kb;
  out->lo_vma_kb = rec.lo_vma_kb;
  // The node of each VMA page, where observed.
  const unsigned char* after_flags = bitmap + (pages + 7) / 8 + rec.page_flag_bytes;
  out->has_nodes = rec.node_bytes > 0;
  out->node.clear();
  if (out->has_nodes) {
    const auto* node = reinterpret_cast<const signed char*>(after_flags);
    out->node.assign(pages, -1);
    for (uint32_t i = 0; i < rec.vma_count; ++i) {
      for (uint32_t k = 0; k < vmas[i].pages; ++k) {
        if (vmas[i].first_page + k < pages) out->node[vmas[i].first_page + k] = *node;
        ++node;
      }
    }
  }
  // The heap region.
  const auto* heap_vmas = reinterpret_cast<const wire::WireVma*>(after_flags + rec.node_bytes);
  const auto* heap_bitmap = reinterpret_cast<const unsigned char*>(heap_vmas + rec.heap_vma_count);
  out->heap_bits.assign(kHeapPages, 0);
  out->heap_msync_busy.assign(kHeapPages, 0);
  out->heap_resident.resize(kHeapPages);
  for (uint32_t i = 0; i < rec.heap_vma_count; ++i) {
    const size_t end = std::min<size_t>(kHeapPages, size_t{heap_vmas[i].first_page} + heap_vmas[i].pages);
    for (size_t p = heap_vmas[i].first_page; p < end; ++p) {
      out->heap_bits[p] = static_cast<uint8_t>(heap_vmas[i].bits);
      out->heap_msync_busy[p] = (heap_vmas[i].bits & wire::kVmaMsyncBusy) != 0;
    }
  }
  for (size_t p = 0; p < kHeapPages; ++p) out->heap_resident[p] = (heap_bitmap[p / 8] >> (p % 8)) & 1;
  out->heap_rss_kb = rec.heap_rss_kb;
  out->heap_locked_kb = rec.heap_locked_kb;
  // A move_pages() step's status[].
  const auto* status = reinterpret_cast<const unsigned char*>(heap_bitmap + kHeapPages / 8);
  out->move_status.resize(rec.move_status_count);
  if (rec.move_status_count > 0) std::memcpy(out->move_status.data(), status, rec.move_status_count * sizeof(int32_t));
  const unsigned char* moved = status + rec.move_status_count * sizeof(int32_t);
  out->compact_moved.assign(moved, moved + rec.compact_bytes);
  out->compact_pinned.clear();
  out->move_status_allowed.clear();
  out->has_counters = (rec.counters & 1u) != 0;
  out->has_unevictable_events = (rec.counters & 2u) != 0;
  out->counters_determined = false;
  out->mlocked_kb = rec.mlocked_delta_kb;
  out->unevictable_kb = rec.unevictable_delta_kb;
  for (int e = 0; e < wire::kUnevictableEvents; ++e) out->unevictable_events[e] = rec.unevictable_events_delta[e];
  out->fork_child.reset();
  out->thp.clear();
  out->anon_huge_kb = rec.anon_huge_kb;
  out->hugetlb_kb = rec.hugetlb_kb;
  if (info_.thp) {
    out->thp.assign(pages / 512, ThpState::kNone);  // 2 MiB of 4 KiB pages (SuiteContext checks both)
    for (size_t r = 0; r < out->thp.size() && r < 64; ++r) {
      if ((rec.thp_pmd_mask >> r) & 1) {
        out->thp[r] = ((rec.thp_zero_mask >> r) & 1) ? ThpState::kHugeZero : ThpState::kPmdThp;
      }
    }
    // A present page of a large folio (KPF_THP: fs/proc/page.c
    // stable_page_flags() sets it on every page of an anonymous large
    // folio) in a range without a PMD mapping (Model::AdoptThp() tells a
    // collapse it never saw from its own splits).
    for (size_t r = 0; r < out->thp.size() && out->has_page_flags; ++r) {
      if (out->thp[r] != ThpState::kNone) continue;
      for (size_t p = r * 512; p < (r + 1) * 512 && p < out->page_flags.size(); ++p) {
        if ((out->page_flags[p] & (kPfPresent | kPfThp)) == (kPfPresent | kPfThp)) {
          out->thp[r] = ThpState::kPteMapped;
          break;
        }
      }
    }
  }
}

}  // namespace mlc
