// The probes: what the executor finds out about the kernel and about itself
// for the hello record before the first fork (page flags, its own address
// space, the user namespace), and the probe request's child (mlock2,
// MCL_ONFAULT under the filter).
#pragma once

#include "runners/executor/state.h"
#include "runners/wire.h"

namespace mlc::executor {

// Whether this process runs in the initial user namespace.
bool InInitialUserNamespace();
// Whether page flags can be observed; keeps /proc/kpageflags open if so.
bool ProbePageFlags(wire::HelloRecord* hello);
// Measures the executor's own mappings into `hello`; false with its message set.
bool MeasureAddressSpace(wire::HelloRecord* hello);
// Whether the children can run in a memory cgroup of their own (reclaim
// steps); creates it if so, else says why in hello->memcg_reason.
bool ProbeMemcg(wire::HelloRecord* hello);
// NUMA: the nodes with memory, whether move_pages() works and may be
// generated, and NUMA balancing (fills the hello's NUMA fields).
bool ProbeNuma(wire::HelloRecord* hello);
// --system-counters: opens /proc/meminfo and /proc/sys/vm/stat_refresh for
// the children and checks that move_pages(2) can drain every CPU.
bool ProbeSystemCounters(wire::HelloRecord* hello);
// A child's drain of every CPU's LRU and mlock batches, then the counters
// (both in kB): what its sequence starts from, and after each step.
void DrainAllCpus();
// --compaction: opens compact_memory and compact_unevictable_allowed at
// wire::kCompactMemoryFd and kCompactUnevictableFd (root, CONFIG_COMPACTION,
// the page flags for PFNs), remembering the setting; RestoreCompaction()
// writes it back at the executor's end.
bool ProbeCompaction(wire::HelloRecord* hello);
void RestoreCompaction();
// After /proc/sys/vm/stat_refresh.
bool ReadSystemCounters(SystemCounterValues* values);
// Removes that cgroup (at the executor's end).
void RemoveMemcg();
// A child's answer to a probe request (kProbe), then its exit.
[[noreturn]] void ProbeChild();

}  // namespace mlc::executor
