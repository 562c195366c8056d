// The machine's mlocked memory, read from outside the children: for the
// check that /proc/meminfo's Mlocked (NR_MLOCK) comes back to where it was
// once a run's children are gone (the check of CVE-2017-18221's reproducer),
// on any machine, other users of locked memory included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mlc {

struct MlockedSample {
  // /proc/meminfo Mlocked:, kB; -1 when it could not be read (`error`).
  int64_t mlocked_kb = -1;
  // Locked: of /proc/<pid>/smaps_rollup summed over every process whose
  // VmLck: is not 0: the locked memory that the processes alive map.
  int64_t mapped_locked_kb = 0;
  // A process with locked memory whose smaps_rollup this user cannot read
  // ("pid 1 (init), VmLck 2736 kB"); empty when every one was read.
  std::string hidden;
  std::string error;
  // Whether every CPU's LRU and mlock batches were drained just before
  // (move_pages(2) of no page runs lru_add_drain_all()): a munlock still
  // queued in another CPU's batch keeps its page in NR_MLOCK.
  bool drained = false;
};

// Another user of locked memory, for the runner tests of the check: a
// child process that maps `bytes` of private anonymous memory and mlocks
// it, alive until destroyed.
class LockingProcess {
 public:
  explicit LockingProcess(size_t bytes);
  ~LockingProcess();
  LockingProcess(const LockingProcess&) = delete;
  LockingProcess& operator=(const LockingProcess&) = delete;
  // Whether the child's mlock() succeeded (RLIMIT_MEMLOCK may refuse it).
  bool locked() const { return locked_; }

 private:
  int pid_ = -1;
  bool locked_ = false;
};

// Drains every CPU's batches (where move_pages(2) works), then reads
// /proc/meminfo and the smaps_rollup of every process holding locked memory.
MlockedSample SampleMlocked();

}  // namespace mlc
