// Behaviour that legitimately differs between kernel versions, keyed on the
// release string (uname -r), each entry with the commit that changed it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oracles/vm_flags.h"

namespace mlc {

struct KernelVersion {
  int major = 0, minor = 0, patch = 0;
};
bool operator<(const KernelVersion& a, const KernelVersion& b);

// "6.1.0-27-cloud-amd64" -> 6.1.0; nullopt if it does not start with N.N.
std::optional<KernelVersion> ParseKernelRelease(std::string_view release);

struct KernelProfile {
  KernelVersion version;
  // smaps prints "lf" for VM_LOCKONFAULT since v6.2 (8614d6c5eda0 "mm: do not
  // show fs mm pc for VM_LOCKONFAULT pages"); before, the mnemonic table's "??".
  SmapsDialect smaps;
  // mlockall(MCL_ONFAULT) without CURRENT or FUTURE is EINVAL since v5.2
  // (dedca63504a2 "mm/mlock.c: mlockall error for flag MCL_ONFAULT"); in
  // 4.4-5.1 it returned 0 and acted like munlockall().
  bool mlockall_onfault_alone_is_einval = true;
  // madvise(2) advice that older kernels reject as EINVAL
  // (madvise_behavior_valid()): MADV_COLD and MADV_PAGEOUT since v5.4
  // (9c276cc65a58 "mm: introduce MADV_COLD", 1a4e58cce84e "mm: introduce
  // MADV_PAGEOUT"), MADV_POPULATE_READ/WRITE since v5.14 (4ca9b3859dac),
  // MADV_DONTNEED_LOCKED since v5.18 (9457056ac426 "mm: madvise:
  // MADV_DONTNEED_LOCKED").
  bool madv_cold_pageout = true;
  bool madv_populate = true;
  bool madv_dontneed_locked = true;
  // MADV_POPULATE_* stops with ENOMEM at the first hole since v6.10 (fa9fcd8bb6e4
  // "mm/madvise: don't perform madvise VMA walk for MADV_POPULATE_(READ|WRITE)",
  // David Hildenbrand, 2024: madvise_populate() calls faultin_page_range() on the
  // whole range and __get_user_pages() answers FOLL_MADV_POPULATE's failed
  // vma_lookup() with -ENOMEM). Before, madvise_walk_vmas() skipped holes
  // and returned ENOMEM after populating the VMAs beyond them (v6.1
  // mm/madvise.c). Seen on 6.18: the VMA after the hole stays unpopulated.
  bool madv_populate_stops_at_hole = true;
  // mremap(2) in three check orders, read from the source of each
  // (mm/mremap.c; the 6.15-6.16 code from mainline at the 6.17 merge
  // window, the series' patches and 6.16's MM pull, which changes no order):
  // * 6.1-6.14, "classic" (Debian's 6.1.192 and 6.12.117 read the same):
  //   SYSCALL_DEFINE5(mremap) checks the flag combinations, then
  //   vma_lookup() (EFAULT); mremap_to() checks new_addr, TASK_SIZE and the
  //   overlap only then, unmaps the MREMAP_FIXED target and a shrunk tail,
  //   and only then vma_to_resize() (resize_is_valid() since 6.13, "mm/mremap:
  //   cleanup vma_to_resize()") checks the VMA (EFAULT, EAGAIN): a failure
  //   leaves the target and the tail unmapped. A move covers one VMA.
  // * 6.15-6.16: the rework of move_vma() (b714ccb02a76, d5c8aec0542e) and
  //   check_mremap_params(), which checks new_addr's alignment before the
  //   lookup; from the lookup on the order is classic (remap_is_valid() after
  //   the unmaps, one VMA per move).
  // * 6.17+: check_mremap_params() takes TASK_SIZE and the overlap too,
  //   check_prep_vma() runs remap_is_valid() before anything is unmapped
  //   ("mm/mremap: check remap conditions earlier"), and an MREMAP_FIXED
  //   move of equal lengths (MREMAP_DONTUNMAP too) may span several VMAs and
  //   gaps after the first page (d23cb648e365 "mm/mremap: permit mremap()
  //   move of multiple VMAs").
  // MREMAP_DONTUNMAP of a locked VMA splits it first and leaves locked_vm
  // alone (move_vma()), as the model has it; unpatched kernels unlock the
  // whole VMA (erratum mremap-dontunmap-unlocks-whole-vma) and 6.15+ count
  // the moved pages again (mremap-dontunmap-locked-vm). Before 6.1 mremap
  // is not generated (the run says so).
  bool mremap_modelled = true;
  bool mremap_classic = false;          // 6.1-6.16: validates after the unmaps, one VMA per move
  bool mremap_new_addr_checked_early = true;  // 6.15+: new_addr's alignment before the lookup
  // MREMAP_DONTUNMAP of an unfaulted anonymous VMA (copy_vma() gives the
  // copy the pgoff of its new address, so it may merge): unfixed kernels
  // let the copy merge with any alike neighbour, the source VMA included;
  // "mm/mremap: fix locked_vm leak from MREMAP_DONTUNMAP self-merge"
  // (838bb60dc215, 7.3) keeps it from merging with the source: 6.12.114+
  // and mainline leave the source out of prev/next (6.12.118 mm/vma.c
  // copy_vma()), 6.1.191+ does not merge at all when the new range touches
  // the source (6.1.192 mm/mmap.c copy_vma(): "simply do not attempt to
  // merge in that case").
  // A VMA with an anon_vma whose flags change may merge into an alike
  // neighbour without one since v6.16 (879bca0a2c4f "mm/vma: fix incorrectly
  // disallowed anonymous VMA merges"); before, is_mergeable_anon_vma()
  // refused it: the neighbour's empty anon_vma_chain is not
  // list_is_singular() (v6.1 mm/mmap.c, v6.12 mm/vma.c), "incorrectly
  // rejecting merge cases for 15 years".
  bool anon_vma_merges_into_unfaulted = true;
  enum class DontunmapMerge : uint8_t { kWithSource, kNotWhenTouchingSource, kNotWithSource };
  DontunmapMerge dontunmap_merge = DontunmapMerge::kNotWithSource;
  // mmap(MAP_FIXED) whose unmapping of the old range fails (a split that
  // hugetlb_vm_op_split() refuses, EINVAL) returns ENOMEM before v6.12:
  // mmap_region() answered any do_mas_munmap()/do_vmi_munmap() failure with
  // -ENOMEM (v6.1 mm/mmap.c __mmap_region()). Since 9014b230d88d
  // ("mm/vma: expand mmap_region() munmap call", v6.12) the error of
  // vms_gather_munmap_vmas() is returned as it is.
  bool mmap_unmap_failure_is_enomem = false;
  // mprotect_fixup() drops VM_ACCOUNT from an anonymous VMA made read-only
  // while it has no anon_vma, so that it merges with unaccounted neighbours
  // again, since v6.7 ("mm/mprotect: allow unfaulted VMAs to be unaccounted
  // on mprotect()", Lorenzo Stoakes); v6.1 mm/mprotect.c keeps the charge.
  bool mprotect_unaccounts_unfaulted_anon = true;
  // move_pages(2) of an address of an anonymous VMA without a pte: -EFAULT
  // before the page walk became folio_walk_start() (6.1 mm/migrate.c
  // add_page_for_migration(): follow_page(FOLL_DUMP) -> no_page_table()
  // "vma_is_anonymous(vma) || !vma->vm_ops->fault"), -ENOENT since
  // (6.12 add_folio_for_migration()); boundary "move-pages-folio-walk".
  bool move_pages_anon_hole_efault = false;
  // --thp: a split THP's zero-filled subpages outside VM_LOCKED VMAs may go
  // back to the shared zero page (boundary "thp-underused-zero-page").
  bool thp_underused_zero_page = false;
  std::string Describe() const;
};

// Kernel behaviour the runner measures on the machine itself (runners/host.h)
// rather than taking from the version alone, because a vendor switch or a
// stable backport can change it. The model follows the measurement; each one
// is also predicted (PredictMeasured()), and a measurement the prediction
// does not explain fails the run (a kernel regression must not become the
// model's new normal).
struct MeasuredBehaviour {
  // A read fault of private anonymous memory maps the shared zero page
  // (mm/memory.c do_anonymous_page()), or allocates a zeroed page where
  // mm_forbids_zeropage() holds (s390 KVM hosts upstream) or a vendor
  // switch forbids it (pvm_no_zero_page=1 on some cloud kernels).
  bool read_fault_maps_zero_page = true;
  // memfd_secret mappings are VM_LOCKED (secretmem_mmap(), 5.14+), or, after
  // "mm/secretmem: properly account locked pages" (CVE-2026-93243; stable
  // 6.1.191 and 6.12.113 per Debian's changelogs), unlocked and charged to
  // the user's locked_vm at fault time (secretmem_fault()).
  bool secretmem_locked = true;
  // PROT_EXEC alone is readable, unless x86 protection keys make it
  // execute-only (mmap(2); Documentation/core-api/protection-keys.rst:
  // the kernel uses a pkey for PROT_EXEC-only mappings when the CPU and
  // kernel support them, cpuinfo "ospke").
  bool exec_only_readable = true;
};

// What the machine says about itself, for the prediction: the kernel's
// command line (/proc/cmdline) and whether the CPU and kernel use
// protection keys (cpuinfo "ospke").
struct HostFacts {
  std::string cmdline;
  bool ospke = false;
};

// The measurements the profile and the host's facts explain.
MeasuredBehaviour PredictMeasured(const KernelProfile& profile, const HostFacts& facts);
// One line per measurement that differs from its prediction, saying what was
// measured, what was predicted and why; empty when all are explained.
std::vector<std::string> UnexplainedMeasurements(const MeasuredBehaviour& measured,
                                                 const MeasuredBehaviour& predicted);

// Every version boundary the profile draws, in one table that
// ProfileForRelease() and the "Kernel versions" table of oracles/README.md both
// follow (suite/tests/kernel_profile_test.cc checks the table against it): the first
// version with the newer behaviour, and the commits that brought it.
struct VersionBoundary {
  const char* name;
  KernelVersion since;
  const char* commits;  // 12-digit ids, space separated; "" where only the subject is known
  const char* subject;
};
const std::vector<VersionBoundary>& VersionBoundaries();
// The boundary named `name`; an unknown name is a programming error (abort).
KernelVersion Since(std::string_view name);

// The oldest kernel the model covers: MAP_FIXED_NOREPLACE, which every
// generated mmap relies on, exists since v4.17 (a4ff8e8620d3); older kernels
// silently treat it as a hint.
constexpr KernelVersion kOldestModelledKernel{4, 17, 0};  // "map-fixed-noreplace" in VersionBoundaries()

// The stable release a kernel is built from: uname -r's, unless that ends
// in .0 and uname -v names the same major.minor with its sublevel (Debian's
// "6.1.0-57-cloud-amd64" is "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (...)").
KernelVersion StableVersion(const KernelVersion& from_release, std::string_view build);

// nullopt (with *why set) when the release is unparseable or too old;
// `build` (uname -v) refines the version (StableVersion()).
std::optional<KernelProfile> ProfileForRelease(std::string_view release, std::string* why,
                                               std::string_view build = {});

}  // namespace mlc
