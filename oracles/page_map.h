// A page map: one character per arena page, so a divergence is visible at a
// glance. Lower case: not resident; upper case: resident (mincore, the zero
// page included).
//   .    unmapped
//   m M  mapped, not locked
//   l L  locked (VmFlags lo)
//   f F  locked on fault (VmFlags lo lf)
#pragma once

#include <cstddef>
#include <string>

#include "oracles/observation.h"

namespace mlc {

constexpr const char* kPageMapLegend =
    "'.' unmapped, 'm' mapped, 'l' locked (lo), 'f' locked on fault (lo lf); upper case: resident";

char PageMapChar(uint8_t page_bits, bool resident);
// Pages [first, end) of an observation.
std::string PageMap(const Observation& obs, size_t first, size_t end);

// The pages worth showing: from the first to the last page any call of the
// sequence names, clipped to the arena; [0, 0) for a sequence that names none.
struct PageWindow {
  size_t first = 0, end = 0;
};
PageWindow WindowOf(const std::vector<Op>& ops, uint64_t page_size, uint64_t arena_pages);

}  // namespace mlc
