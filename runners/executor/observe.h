// The observation of each channel after a step: smaps, the msync lock
// witness, mincore, page flags, the PMD mappings (--thp), the heap region and
// VmLck, read into buffers mapped before the first fork and written as one
// StepRecord.
#pragma once

#include <cstddef>
#include <cstdint>

#include "oracles/op.h"
#include "runners/wire.h"

namespace mlc::executor {

// Reads a whole /proc file with pread; the length, or -1 if it does not fit.
long ReadProcFile(int fd, char* buf, size_t cap);
// Observes every channel after step `step` and writes one record of `type`.
void ObserveAndReport(uint32_t step, const Outcome& outcome, uint64_t* kernel_ns,
                      wire::RecordType type = wire::RecordType::kStep);

}  // namespace mlc::executor
