// Whether the machine's NR_MLOCK came back once a run's children are gone:
// the end-of-run check of /proc/meminfo Mlocked against the run's start
// (CVE-2017-18221's reproducer compares it the same way). Other processes
// may lock and unlock meanwhile, so what is compared is Mlocked minus the
// Locked: that the processes alive map (runners/system_mlocked.h): pages
// mlocked with no locked mapping left are what a leak leaves behind.
#pragma once

#include <string>
#include <vector>

#include "runners/system_mlocked.h"

namespace mlc {

enum class MlockedVerdict { kBack, kLeaked, kUndetermined };

struct MlockedCheck {
  MlockedVerdict verdict = MlockedVerdict::kUndetermined;
  std::string detail;  // one line: the numbers, or why nothing is determined
};

// How many equal samples in a row, the last at least kSettleMs after the
// first, make a difference final: per-CPU vmstat differences reach the
// global counter within about two seconds (mm/vmstat.c vmstat_shepherd()
// every sysctl_stat_interval, 1 s, then vmstat_update()).
constexpr int kStableSamples = 3;
constexpr int kSettleMs = 3000;

// `samples` are taken after the run, `elapsed_ms[i]` after the first of
// them. Back as soon as one sample is; leaked only when the last
// kStableSamples are equal, settled, drained, and no process's locked
// memory was hidden from this user; otherwise undetermined (so far).
MlockedCheck CompareMlocked(const MlockedSample& baseline, const std::vector<MlockedSample>& samples,
                            const std::vector<int>& elapsed_ms);

// Samples every quarter second for up to ten, until CompareMlocked() is
// determined: the last child's exit and the vmstat fold of every CPU's
// differences take a moment. The end-of-run check of a run, or of the
// parent of a run --jobs once every job has ended.
MlockedCheck AwaitMlockedBack(const MlockedSample& baseline);

// The check's test name, and the message of a leak.
constexpr const char* kEndOfRunTestName = "SystemCounters/EndOfRunTest.MlockedComesBackOnceTheChildrenAreGone/Mlocked";
std::string MlockedLeakMessage(const MlockedCheck& check);

}  // namespace mlc
