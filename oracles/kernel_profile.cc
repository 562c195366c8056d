#include "oracles/kernel_profile.h"

#include <cstdio>
#include <cstdlib>
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

const std::vector<VersionBoundary>& VersionBoundaries() {
  static const std::vector<VersionBoundary> table = {
      {"map-fixed-noreplace", {4, 17, 0}, "a4ff8e8620d3", "mm: introduce MAP_FIXED_NOREPLACE"},
      {"mlockall-onfault-einval", {5, 2, 0}, "dedca63504a2", "mm/mlock.c: mlockall error for flag MCL_ONFAULT"},
      {"madv-cold-pageout", {5, 4, 0}, "9c276cc65a58 1a4e58cce84e", "mm: introduce MADV_COLD; mm: introduce MADV_PAGEOUT"},
      {"madv-populate", {5, 14, 0}, "4ca9b3859dac",
       "mm/madvise: introduce MADV_POPULATE_(READ|WRITE) to prefault page tables"},
      {"madv-dontneed-locked", {5, 18, 0}, "9457056ac426", "mm: madvise: MADV_DONTNEED_LOCKED"},
      {"smaps-lf", {6, 2, 0}, "8614d6c5eda0", "mm: do not show fs mm pc for VM_LOCKONFAULT pages"},
      {"mprotect-unaccounts-unfaulted-anon", {6, 7, 0}, "9b9143298585",
       "mm/mprotect: allow unfaulted VMAs to be unaccounted on mprotect()"},
      {"madv-populate-stops-at-hole", {6, 10, 0}, "fa9fcd8bb6e4",
       "mm/madvise: don't perform madvise VMA walk for MADV_POPULATE_(READ|WRITE)"},
      {"mmap-unmap-error-returned", {6, 12, 0}, "9014b230d88d", "mm/vma: expand mmap_region() munmap call"},
      {"mremap-classic-modelled", {6, 1, 0}, "", "the classic rules are read from v6.1 mm/mremap.c"},
      {"mremap-rework", {6, 15, 0}, "b714ccb02a76 d5c8aec0542e",
       "mm/mremap: complete refactor of move_vma(); check_mremap_params() checks new_addr before the lookup"},
      {"mremap-multi-vma", {6, 17, 0}, "d23cb648e365",
       "mm/mremap: permit mremap() move of multiple VMAs; mm/mremap: check remap conditions earlier"},
      {"anon-vma-merge-into-unfaulted", {6, 16, 0}, "879bca0a2c4f", "mm/vma: fix incorrectly disallowed anonymous VMA merges"},
      // David Hildenbrand's folio_walk series, posted 2024-08-02 against the
      // 6.11 tree (its pre-image still calls follow_page(FOLL_DUMP)), merged
      // for 6.12; the commit id was not pinned down.
      {"move-pages-folio-walk", {6, 12, 0}, "",
       "mm/migrate: convert add_page_for_migration() from follow_page() to folio_walk"},
      // 6.12 mm/huge_memory.c thp_underused(), mm/migrate.c
      // try_to_map_unused_to_zeropage() (absent from 6.1): the deferred
      // split shrinker splits an underused THP and maps its zero-filled
      // subpages to the shared zero page, never in a VM_LOCKED VMA or an
      // mlocked folio. Read in 6.12.118; the commit ids were not pinned down.
      {"thp-underused-zero-page", {6, 12, 0}, "",
       "mm: remap unused subpages to shared zeropage when splitting isolated thp"},
      {"mremap-dontunmap-no-self-merge", {7, 3, 0}, "838bb60dc215",
       "mm/mremap: fix locked_vm leak from MREMAP_DONTUNMAP self-merge"},
  };
  return table;
}

KernelVersion Since(std::string_view name) {
  for (const VersionBoundary& b : VersionBoundaries()) {
    if (name == b.name) return b.since;
  }
  std::fprintf(stderr, "mlockcheck: internal error: no version boundary named %.*s\n", static_cast<int>(name.size()),
               name.data());
  std::abort();
}

std::string KernelProfile::Describe() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "profile %d.%d: VM_LOCKONFAULT in smaps as '%s'%s", version.major,
                version.minor, smaps.question_marks_mean_lock_on_fault ? "??" : "lf",
                mlockall_onfault_alone_is_einval ? "" : ", mlockall(MCL_ONFAULT) acts as munlockall");
  return buf;
}

KernelVersion StableVersion(const KernelVersion& from_release, std::string_view build) {
  constexpr std::string_view kDebian = "Debian ";
  const size_t at = build.find(kDebian);
  if (from_release.patch != 0 || at == std::string_view::npos) return from_release;
  const auto stable = ParseKernelRelease(build.substr(at + kDebian.size()));
  if (stable && stable->major == from_release.major && stable->minor == from_release.minor) return *stable;
  return from_release;
}

// The stable backports of 838bb60dc215 (Debian's changelogs: ChangeLog-6.1.191
// and ChangeLog-6.12.114 list it), each in its own form.
static KernelProfile::DontunmapMerge DontunmapMergeOf(const KernelVersion& v) {
  using M = KernelProfile::DontunmapMerge;
  if (!(v < Since("mremap-dontunmap-no-self-merge"))) return M::kNotWithSource;
  if (v.major == 6 && v.minor == 1 && !(v < KernelVersion{6, 1, 191})) return M::kNotWhenTouchingSource;
  if (v.major == 6 && v.minor == 12 && !(v < KernelVersion{6, 12, 114})) return M::kNotWithSource;
  return M::kWithSource;
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
  auto since = [&](std::string_view name) { return !(*version < Since(name)); };
  p.smaps.question_marks_mean_lock_on_fault = !since("smaps-lf");
  p.mlockall_onfault_alone_is_einval = since("mlockall-onfault-einval");
  p.madv_cold_pageout = since("madv-cold-pageout");
  p.madv_populate = since("madv-populate");
  p.madv_dontneed_locked = since("madv-dontneed-locked");
  p.madv_populate_stops_at_hole = since("madv-populate-stops-at-hole");
  p.mremap_modelled = since("mremap-classic-modelled");
  p.mremap_classic = !since("mremap-multi-vma");
  p.mremap_new_addr_checked_early = since("mremap-rework");
  p.mmap_unmap_failure_is_enomem = !since("mmap-unmap-error-returned");
  p.mprotect_unaccounts_unfaulted_anon = since("mprotect-unaccounts-unfaulted-anon");
  p.anon_vma_merges_into_unfaulted = since("anon-vma-merge-into-unfaulted");
  p.dontunmap_merge = DontunmapMergeOf(*version);
  p.move_pages_anon_hole_efault = !since("move-pages-folio-walk");
  p.thp_underused_zero_page = since("thp-underused-zero-page");
  return p;
}

// Stable releases that carry "mm/secretmem: properly account locked pages"
// (Debian's changelogs: ChangeLog-6.1.191, ChangeLog-6.12.113); no mainline
// release is known to have it yet.
constexpr KernelVersion kSecretmemChargedSince[] = {{6, 1, 191}, {6, 12, 113}};

MeasuredBehaviour PredictMeasured(const KernelProfile& profile, const HostFacts& facts) {
  MeasuredBehaviour p;
  // The switches known to forbid the zero page, as " word " or " word=1 ".
  const std::string cmdline = " " + facts.cmdline + " ";
  for (const char* word : {" pvm_no_zero_page ", " pvm_no_zero_page=1 "}) {
    if (cmdline.find(word) != std::string::npos) p.read_fault_maps_zero_page = false;
  }
  for (const KernelVersion& v : kSecretmemChargedSince) {
    const KernelVersion& k = profile.version;
    if (k.major == v.major && k.minor == v.minor && !(k < v)) p.secretmem_locked = false;
  }
  p.exec_only_readable = !facts.ospke;
  return p;
}

std::vector<std::string> UnexplainedMeasurements(const MeasuredBehaviour& measured,
                                                 const MeasuredBehaviour& predicted) {
  std::vector<std::string> out;
  if (measured.read_fault_maps_zero_page != predicted.read_fault_maps_zero_page) {
    out.push_back(measured.read_fault_maps_zero_page
                      ? "read faults map the zero page, although the kernel command line forbids it "
                        "(pvm_no_zero_page)"
                      : "read faults of private anonymous memory allocate a page: no zero page, and no known "
                        "switch on the kernel command line (pvm_no_zero_page) explains it (mm/memory.c "
                        "do_anonymous_page(), mm_forbids_zeropage())");
  }
  if (measured.secretmem_locked != predicted.secretmem_locked) {
    out.push_back(measured.secretmem_locked
                      ? "memfd_secret mappings are VM_LOCKED, although this stable release carries \"mm/secretmem: "
                        "properly account locked pages\" (6.1.191, 6.12.113)"
                      : "memfd_secret mappings are not VM_LOCKED, and this release is not one known to carry "
                        "\"mm/secretmem: properly account locked pages\" (6.1.191, 6.12.113; add it to "
                        "oracles/kernel_profile.cc kSecretmemChargedSince if it does)");
  }
  if (measured.exec_only_readable != predicted.exec_only_readable) {
    out.push_back(measured.exec_only_readable
                      ? "PROT_EXEC mappings are readable, although the CPU and kernel use protection keys (ospke)"
                      : "PROT_EXEC mappings are execute-only without protection keys (no ospke in /proc/cpuinfo)");
  }
  return out;
}

}  // namespace mlc
