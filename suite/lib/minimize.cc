#include "suite/lib/minimize.h"

#include <algorithm>

namespace mlc {

void DropDanglingLabels(std::vector<Op>& ops);

namespace {

// The suite runs with 4 KiB pages only (SuiteContext::Init()).
constexpr uint64_t kPage = 4096;

bool HasRange(OpKind kind) {
  return kind == OpKind::kMunmap || kind == OpKind::kMprotect || kind == OpKind::kMlock ||
         kind == OpKind::kMlock2 || kind == OpKind::kMunlock;
}

// The simpler variants of call `i`, simplest first. Calls labelled with the
// region an mmap defines move with it (ResolveRegions).
std::vector<std::vector<Op>> Candidates(const std::vector<Op>& ops, size_t i) {
  std::vector<std::vector<Op>> out;
  auto with = [&](const Op& changed) {
    std::vector<Op> c = ops;
    c[i] = changed;
    out.push_back(ResolveRegions(c));
  };
  const Op& op = ops[i];
  if (IsMmap(op.kind)) {
    // Towards the arena's start: a file mapping only as far as its window
    // allows (file page k at arena page k, oracles/files.h).
    const uint64_t lowest = op.kind == OpKind::kMmapFile ? op.offset / kPage * kPage : 0;
    if (op.addr > lowest && op.region != kAbsoluteAddr) {
      Op moved = op;
      moved.addr = lowest;
      moved.region_base = lowest;
      with(moved);
      // The same, with the unlabelled calls aimed inside the mapping moved
      // along.
      std::vector<Op> c = ops;
      c[i] = moved;
      for (size_t j = i + 1; j < c.size(); ++j) {
        if (c[j].region == kNoRegion && !IsMmap(c[j].kind) && c[j].addr >= op.addr &&
            c[j].addr < op.addr + op.len) {
          c[j].addr -= op.addr - lowest;
        }
      }
      out.push_back(ResolveRegions(c));
    }
    const uint64_t pages = (op.len + kPage - 1) / kPage;
    if (op.len > kPage && pages > 1) {
      for (uint64_t n : {uint64_t{1}, pages / 2, pages - 1}) {
        Op shorter = op;
        shorter.len = n * kPage;
        with(shorter);
      }
    }
    if (op.len % kPage != 0 && op.len > kPage) {
      Op aligned = op;
      aligned.len = pages * kPage;
      with(aligned);
    }
    for (int bit : {uapi::kMapPopulate, uapi::kMapLocked}) {
      if (op.flags & bit) {
        Op fewer = op;
        fewer.flags &= ~bit;
        with(fewer);
      }
    }
    if (op.flags & uapi::kMapFixed) {
      Op noreplace = op;
      noreplace.flags = (op.flags & ~uapi::kMapFixed) | uapi::kMapFixedNoreplace;
      with(noreplace);
    }
    if (op.flags & uapi::kMapShared) {
      Op priv = op;
      priv.flags = (op.flags & ~uapi::kMapShared) | uapi::kMapPrivate;
      with(priv);
    }
  }
  const bool aimed = HasRange(op.kind) || op.kind == OpKind::kReadTouch || op.kind == OpKind::kWriteTouch;
  if (aimed && op.region != kAbsoluteAddr) {
    // Towards the start of its region, or of the arena.
    const uint64_t start = op.region >= 0 ? op.region_base : 0;
    if (op.addr > start) {
      Op lower = op;
      lower.addr = start + (op.addr - start) % kPage;
      with(lower);
    }
  }
  if (HasRange(op.kind) && op.region != kAbsoluteAddr) {
    if (op.addr % kPage != 0) {
      Op aligned = op;
      aligned.addr -= op.addr % kPage;
      with(aligned);
    }
    if (op.len > kPage && op.len < (uint64_t{1} << 40)) {
      for (uint64_t len : {kPage, (op.len / 2 + kPage - 1) / kPage * kPage}) {
        Op shorter = op;
        shorter.len = len;
        with(shorter);
      }
    }
    if (op.len % kPage != 0 && op.len < (uint64_t{1} << 40)) {
      Op aligned = op;
      aligned.len = (op.len + kPage - 1) / kPage * kPage;
      with(aligned);
    }
  }
  if ((op.kind == OpKind::kReadTouch || op.kind == OpKind::kWriteTouch) && op.addr % kPage != 0) {
    Op aligned = op;
    aligned.addr -= op.addr % kPage;
    with(aligned);
  }
  return out;
}

// Folds: a call fewer by a step no single removal or simplification takes.
// Two calls that only matter together go at once.
// A lock call that took part of a mapping, widened to the whole of it, may
// make another call unnecessary (mlock, munlock, mlock of one page of a THP
// becomes one mlock of the THP); a whole-mapping mlock right after its mmap
// is MAP_LOCKED (mm/mmap.c: mmap_region() sets VM_LOCKED and populates, as
// mlock() does).
std::vector<std::vector<Op>> Folds(const std::vector<Op>& ops) {
  std::vector<std::vector<Op>> out;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if ((op.kind != OpKind::kMlock && op.kind != OpKind::kMlock2) || op.region < 0) continue;
    size_t m = i;
    for (size_t k = 0; k < i; ++k) {
      if (IsMmap(ops[k].kind) && ops[k].region == op.region) m = k;
    }
    if (m == i || ops[m].kind != OpKind::kMmap) continue;
    const Op& map = ops[m];
    const uint64_t whole = (map.len + kPage - 1) / kPage * kPage;
    const bool covers = op.addr == map.addr && op.len >= whole;
    if (covers && m + 1 == i && op.flags == 0 && !(map.flags & uapi::kMapLocked)) {
      std::vector<Op> c = ops;
      c[m].flags |= uapi::kMapLocked;
      c.erase(c.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back(ResolveRegions(c));
    }
    if (covers) continue;
    Op wide = op;
    wide.addr = map.addr;
    wide.region_base = map.addr;
    wide.len = whole;
    for (size_t j = 0; j < ops.size(); ++j) {
      if (j == i || j == m) continue;
      std::vector<Op> c = ops;
      c[i] = wide;
      c.erase(c.begin() + static_cast<std::ptrdiff_t>(j));
      c = ResolveRegions(c);
      DropDanglingLabels(c);
      out.push_back(std::move(c));
    }
  }
  // Two calls that only matter together (a mapping and its munmap); one
  // call stays, as in the removal pass.
  for (size_t i = 0; ops.size() > 2 && i + 1 < ops.size(); ++i) {
    for (size_t j = i + 1; j < ops.size(); ++j) {
      std::vector<Op> c = ops;
      c.erase(c.begin() + static_cast<std::ptrdiff_t>(j));
      c.erase(c.begin() + static_cast<std::ptrdiff_t>(i));
      c = ResolveRegions(c);
      DropDanglingLabels(c);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace

// Labels without a defining mmap earlier in the sequence (it was shrunk
// away) only keep their address: make them plain arena offsets, which the
// candidates above can move.
void DropDanglingLabels(std::vector<Op>& ops) {
  std::vector<int> defined;
  for (Op& op : ops) {
    if (IsMmap(op.kind)) {
      if (op.region >= 0) defined.push_back(op.region);
      continue;
    }
    if (op.region >= 0 && std::find(defined.begin(), defined.end(), op.region) == defined.end()) {
      op.region = kNoRegion;
      op.region_base = 0;
    }
  }
}

// Region labels in the order their mmaps come, from r0: a shrunk sequence
// that kept r2 and r5 reads r0 and r1. Labels mean nothing to the kernel,
// so the sequence runs the same.
std::vector<Op> RenumberRegions(std::vector<Op> ops) {
  std::vector<int> order;  // old label at position new label
  for (const Op& op : ops) {
    if (IsMmap(op.kind) && op.region >= 0 && std::find(order.begin(), order.end(), op.region) == order.end()) {
      order.push_back(op.region);
    }
  }
  for (Op& op : ops) {
    if (op.region < 0) continue;
    const auto it = std::find(order.begin(), order.end(), op.region);
    if (it != order.end()) op.region = static_cast<int>(it - order.begin());
  }
  return ops;
}

std::vector<Op> MinimizeSequence(std::vector<Op> ops, const std::function<bool(const std::vector<Op>&)>& still_fails,
                                 int budget) {
  DropDanglingLabels(ops);
  bool progress = true;
  while (progress && budget > 0) {
    progress = false;
    // Fewer calls first, then simpler ones.
    for (size_t i = 0; i < ops.size() && budget > 0 && ops.size() > 1; ++i) {
      std::vector<Op> fewer = ops;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
      fewer = ResolveRegions(fewer);
      DropDanglingLabels(fewer);
      --budget;
      if (still_fails(fewer)) {
        ops = std::move(fewer);
        progress = true;
        --i;  // the next call moved to index i (wraps to -1 and back for i == 0)
      }
    }
    for (size_t i = 0; i < ops.size() && budget > 0; ++i) {
      for (auto& candidate : Candidates(ops, i)) {
        if (budget-- <= 0) break;
        if (still_fails(candidate)) {
          ops = std::move(candidate);
          progress = true;
          break;
        }
      }
    }
    if (progress || budget <= 0) continue;
    // Stuck: a fold, which always leaves a call fewer.
    for (auto& candidate : Folds(ops)) {
      if (budget-- <= 0) break;
      if (still_fails(candidate)) {
        ops = std::move(candidate);
        progress = true;
        break;
      }
    }
  }
  return RenumberRegions(std::move(ops));
}

ShrunkFailure ShrinkFailure(const std::vector<Op>& ops, const std::function<bool(const std::vector<Op>&)>& still_fails,
                            int attempts, int budget) {
  ShrunkFailure out{ops, false};
  for (int attempt = 0; attempt < attempts && !out.repeated; ++attempt) out.repeated = still_fails(ops);
  if (out.repeated) out.ops = MinimizeSequence(ops, still_fails, budget);
  return out;
}

}  // namespace mlc
