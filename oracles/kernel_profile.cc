#include "oracles/kernel_profile.h"

#include <cstdio>
#include <tuple>

namespace mlc {

bool operator<(const KernelVersion& a, const KernelVersion& b) {
  return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
}

std::optional<KernelVersion> ParseKernelRelease(std::string_view release) {
  KernelVersion v;
  int* fields[] = {&v.major, &v.minor, &v.patch};
  size_t i = 0;
  for (int f = 0; f < 3; ++f) {
    if (i >= release.size() || release[i] < '0' || release[i] > '9') {
      if (f < 2) return std::nullopt;  // patch level is optional ("6.8-rc1")
      break;
    }
    int value = 0;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9') {
      value = value * 10 + (release[i] - '0');
      if (value > 100000) return std::nullopt;
      ++i;
    }
    *fields[f] = value;
    if (f < 2) {
      if (i >= release.size() || release[i] != '.') {
        if (f == 0) return std::nullopt;
        break;
      }
      ++i;
    }
  }
  return v;
}

std::string KernelProfile::Describe() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "profile %d.%d: VM_LOCKONFAULT in smaps as '%s'%s", version.major,
                version.minor, smaps.question_marks_mean_lock_on_fault ? "??" : "lf",
                mlockall_onfault_alone_is_einval ? "" : ", mlockall(MCL_ONFAULT) acts as munlockall");
  return buf;
}

KernelVersion StableVersion(const KernelVersion& from_release, std::string_view build) {
  if (from_release.patch != 0) return from_release;
  for (std::string_view vendor : {"Debian "}) {
    const size_t at = build.find(vendor);
    if (at == std::string_view::npos) continue;
    const auto stable = ParseKernelRelease(build.substr(at + vendor.size()));
    if (stable && stable->major == from_release.major && stable->minor == from_release.minor) return *stable;
  }
  return from_release;
}

std::optional<KernelProfile> ProfileForRelease(std::string_view release, std::string* why, std::string_view build) {
  auto version = ParseKernelRelease(release);
  if (version) version = StableVersion(*version, build);
  if (!version) {
    if (why) *why = "cannot parse kernel release '" + std::string(release) + "'";
    return std::nullopt;
  }
  if (*version < kOldestModelledKernel) {
    if (why) {
      *why = "kernel " + std::string(release) +
             " is older than 4.17: MAP_FIXED_NOREPLACE is missing and the model does not cover it";
    }
    return std::nullopt;
  }
  KernelProfile p;
  p.version = *version;
  p.smaps.question_marks_mean_lock_on_fault = *version < KernelVersion{6, 2, 0};
  p.mlockall_onfault_alone_is_einval = !(*version < KernelVersion{5, 2, 0});
  p.madv_cold_pageout = !(*version < KernelVersion{5, 4, 0});
  p.madv_populate = !(*version < KernelVersion{5, 14, 0});
  p.madv_dontneed_locked = !(*version < KernelVersion{5, 18, 0});
  p.madv_populate_stops_at_hole = !(*version < KernelVersion{6, 10, 0});
  p.mremap_classic = !(*version < KernelVersion{6, 1, 0}) && *version < KernelVersion{6, 16, 0};
  p.mremap_modelled = p.mremap_classic || !(*version < KernelVersion{6, 17, 0});
  p.mmap_unmap_failure_is_enomem = *version < KernelVersion{6, 12, 0};
  p.mprotect_unaccounts_unfaulted_anon = !(*version < KernelVersion{6, 7, 0});
  return p;
}

}  // namespace mlc
