// The files that generated mmaps can map: created fresh by every executor
// child before its seccomp filter (runners/executor/child.cc), so each
// sequence starts with empty page caches and the child never needs open().
//
// Placement rule (generators keep it, the model relies on it only for
// smaps Locked:): file f's page k is mapped only at arena page k or
// kFileWindowPages + k, so one file page has at most two mappings in the
// arena. Locked: is a PSS (ref 48), summed and rounded down per VMA; with at
// most two mappings every page contributes a whole number of kB, so the sum
// over the arena does not depend on VMA boundaries the model does not track.
#pragma once

#include <cstdint>

namespace mlc {

constexpr int kFileCount = 3;
constexpr int kMemfd = 0;      // memfd_create(2)
constexpr int kTmpfile = 1;    // a regular file on tmpfs (O_TMPFILE in /dev/shm)
constexpr int kSecretmem = 2;  // memfd_secret(2), where the kernel has it
// secretmem's size can be set only once (mm/secretmem.c secretmem_setattr()).
inline bool IsTruncatable(int file) { return file == kMemfd || file == kTmpfile; }
constexpr uint64_t kFileWindowPages = 32;
constexpr uint64_t kFileWindows = 2;
// Every child's files start this long: the windows' last pages lie beyond EOF.
constexpr uint64_t kFileInitialPages = 24;

inline const char* FileName(int file) {
  return file == kMemfd ? "memfd" : file == kTmpfile ? "tmpfile" : file == kSecretmem ? "secretmem" : "?";
}

}  // namespace mlc
