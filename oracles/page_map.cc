#include "oracles/page_map.h"

#include <algorithm>

namespace mlc {

char PageMapChar(uint8_t page_bits, bool resident) {
  char c = '.';
  if (page_bits & kPageMapped) c = (page_bits & kPageLf) ? 'f' : (page_bits & kPageLo) ? 'l' : 'm';
  if (resident && c != '.') c = static_cast<char>(c - 'a' + 'A');
  return c;
}

std::string PageMap(const Observation& obs, size_t first, size_t end) {
  std::string out;
  end = std::min(end, obs.page_bits.size());
  for (size_t p = first; p < end; ++p) out += PageMapChar(obs.page_bits[p], p < obs.resident.size() && obs.resident[p]);
  return out;
}

PageWindow WindowOf(const std::vector<Op>& ops, uint64_t page_size, uint64_t arena_pages) {
  bool any = false;
  uint64_t lo = arena_pages, hi = 0;
  for (const Op& op : ops) {
    if (op.region == kAbsoluteAddr || op.kind == OpKind::kMlockall || op.kind == OpKind::kMunlockall) continue;
    const uint64_t first = op.addr / page_size;
    if (first >= arena_pages) continue;  // in a guard hole (or below the arena)
    // A length beyond the arena (SIZE_MAX, which rounds to nothing) shows its first page only.
    const uint64_t span = op.len > arena_pages * page_size ? 1 : std::min<uint64_t>(op.len, (arena_pages - first) * page_size);
    const uint64_t last = first + (span == 0 ? 0 : (op.addr % page_size + span - 1) / page_size);
    lo = std::min(lo, first);
    hi = std::max(hi, std::min(last + 1, arena_pages));
    any = true;
    // mremap also reaches its grown tail and its target.
    if (op.kind == OpKind::kMremap && op.new_len <= arena_pages * page_size) {
      const uint64_t pages = (op.new_len + page_size - 1) / page_size;
      hi = std::max(hi, std::min(first + pages, arena_pages));
      const uint64_t target = op.new_addr / page_size;
      if ((op.flags & uapi::kMremapFixed) && target < arena_pages) {
        lo = std::min(lo, target);
        hi = std::max(hi, std::min(target + pages, arena_pages));
      }
    }
  }
  if (!any) return {};
  return {static_cast<size_t>(lo), static_cast<size_t>(hi)};
}

}  // namespace mlc
