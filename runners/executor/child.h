// Preparing a child: what a waiting child sets up for itself before its
// seccomp filter (its /proc files, its files, its handlers), and the wait
// for the huge page pool before its first step.
#pragma once

#include "runners/smaps_parser.h"

namespace mlc::executor {

// Sets up a waiting child; a failure is kept in g_setup_error.
void PrepareChild();
// Reads /proc/meminfo's hugetlb lines from `fd`, allocation-free.
bool ReadHugePool(int fd, HugetlbPool* pool);
// Waits until the huge page pool is back to what the executor measured.
void WaitForHugePagePool();

}  // namespace mlc::executor
