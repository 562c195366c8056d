// The pieces observation.cc shares with the files that predict and compare
// a family of channels each (observation_residency.cc). Not for use
// outside oracles/observation*.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"

namespace mlc::observation_internal {

inline std::string Kb(uint64_t kb) { return std::to_string(kb) + " kB"; }

// Describes pages [first, last] of the arena, e.g. "pages 3-5 (A+0x3000..A+0x6000)",
// or with base "B" of the heap ("heap pages 0-1 (B+0x0..B+0x2000)").
inline std::string PageRun(size_t first, size_t last, uint64_t page_size, const char* base = "A") {
  std::string out = std::string(*base == 'B' ? "heap " : "") +
                    (first == last ? "page " + std::to_string(first)
                                   : "pages " + std::to_string(first) + "-" + std::to_string(last));
  out += std::string(" (") + base + "+" + HexString(first * page_size) + ".." + base + "+" +
         HexString((last + 1) * page_size) + ")";
  return out;
}

// Appends one line per run of consecutive pages whose (expected, observed)
// pair is the same, so a 4096-page diff stays readable.
template <typename Describe>
std::string PerPageDiff(const std::vector<uint8_t>& expected, const std::vector<uint8_t>& observed,
                        uint64_t page_size, Describe&& describe, const char* base = "A") {
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
    out += "  " + PageRun(i, j, page_size, base) + ": expected " + describe(expected[i]) +
           ", observed " + describe(observed[i]) + "\n";
    i = j + 1;
  }
  if (expected.size() != observed.size()) out += "  (page counts differ)\n";
  return out;
}


// The residency channels (issue 13: move-status, numa-node, compaction,
// meminfo, vmstat), observation_residency.cc.
void PredictResidencyChannels(const Model& model, Observation* out);
void CompareResidencyChannels(const Observation& expected, const Observation& observed, const Op& op,
                              const ModelConfig& config, std::vector<ChannelDiff>* diffs);

}  // namespace mlc::observation_internal
