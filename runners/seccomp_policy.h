// The allow-list the executor's child runs under: the calls of the model and
// the few the executor needs to observe and report. Everything else traps
// (SIGSYS), and the child reports the syscall number before dying.
#pragma once

#include <cstddef>
#include <string>

struct sock_filter;

namespace mlc {

struct SeccompOptions {
  // Make mlock2 fail with ENOSYS, as on a kernel without it (tests the
  // feature-detection path).
  bool mlock2_enosys = false;
  // --thp: madvise(MADV_HUGEPAGE) and ioctl(PAGEMAP_SCAN) on the pagemap.
  bool thp = false;
};

// Compiles the policy to classic BPF into `out` (capacity `max` instructions).
// Returns the instruction count, or 0 with *error set.
size_t BuildSeccompProgram(const SeccompOptions& options, sock_filter* out, size_t max,
                           std::string* error);

// The syscall's name for a number of the native architecture, from libseccomp.
std::string SyscallName(int nr);

}  // namespace mlc
