#include "suite/lib/mlocked_baseline.h"

#include <chrono>
#include <cstdint>
#include <thread>

namespace mlc {
namespace {

int64_t Unmapped(const MlockedSample& s) { return s.mlocked_kb - s.mapped_locked_kb; }

bool SameReading(const MlockedSample& a, const MlockedSample& b) {
  return a.mlocked_kb == b.mlocked_kb && a.mapped_locked_kb == b.mapped_locked_kb;
}

std::string Numbers(const MlockedSample& baseline, const MlockedSample& last) {
  return "Mlocked " + std::to_string(baseline.mlocked_kb) + " kB before the run, " +
         std::to_string(last.mlocked_kb) + " kB after it; locked mappings of the processes alive " +
         std::to_string(baseline.mapped_locked_kb) + " kB, then " + std::to_string(last.mapped_locked_kb) + " kB";
}

}  // namespace

MlockedCheck CompareMlocked(const MlockedSample& baseline, const std::vector<MlockedSample>& samples,
                            const std::vector<int>& elapsed_ms) {
  MlockedCheck check;
  if (!baseline.error.empty()) {
    check.detail = baseline.error;
    return check;
  }
  for (const MlockedSample& s : samples) {
    if (!s.error.empty()) {
      check.detail = s.error;
      return check;
    }
    if (Unmapped(s) == Unmapped(baseline)) {
      check.verdict = MlockedVerdict::kBack;
      check.detail = Numbers(baseline, s);
      return check;
    }
  }
  if (samples.empty()) {
    check.detail = "no sample after the run";
    return check;
  }
  const MlockedSample& last = samples.back();
  check.detail = Numbers(baseline, last);
  // A process whose locked memory cannot be read may be what moves.
  const std::string& hidden = baseline.hidden.empty() ? last.hidden : baseline.hidden;
  if (!hidden.empty()) check.detail += "; not determined: " + hidden + " holds locked memory this user cannot see";
  const size_t n = samples.size();
  if (n < static_cast<size_t>(kStableSamples) || elapsed_ms.size() != n) return check;
  for (size_t i = n - kStableSamples; i + 1 < n; ++i) {
    if (!SameReading(samples[i], last)) return check;  // still moving
  }
  if (elapsed_ms[n - 1] - elapsed_ms[n - kStableSamples] < kSettleMs) return check;
  if (!hidden.empty()) return check;
  if (!baseline.drained || !last.drained) {
    check.detail += "; not determined: move_pages(2) cannot drain other CPUs' batches here";
    return check;
  }
  check.verdict = MlockedVerdict::kLeaked;
  return check;
}

MlockedCheck AwaitMlockedBack(const MlockedSample& baseline) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::vector<MlockedSample> samples;
  std::vector<int> elapsed_ms;
  for (;;) {
    samples.push_back(SampleMlocked());
    elapsed_ms.push_back(static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()));
    const MlockedCheck check = CompareMlocked(baseline, samples, elapsed_ms);
    if (check.verdict != MlockedVerdict::kUndetermined || elapsed_ms.back() >= 10000) return check;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

std::string MlockedLeakMessage(const MlockedCheck& check) {
  return "DIVERGENCE meminfo: Mlocked did not come back after the run's children exited: " + check.detail +
         " (ref 72: every mlocked page is mapped by a VM_LOCKED VMA of a process alive)";
}

}  // namespace mlc
