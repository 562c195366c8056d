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
  // show ?? for VM_LOCKONFAULT pages"); before, the mnemonic table's "??".
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
  // MADV_POPULATE_* stops with ENOMEM at the first hole since v6.10 ("mm/madvise:
  // don't perform madvise VMA walk for MADV_POPULATE_(READ|WRITE)", David
  // Hildenbrand, 2024: madvise_populate() calls faultin_page_range() on the
  // whole range and __get_user_pages() answers FOLL_MADV_POPULATE's failed
  // vma_lookup() with -ENOMEM). Before, madvise_walk_vmas() skipped holes
  // and returned ENOMEM after populating the VMAs beyond them (v6.1
  // mm/madvise.c). Seen on 6.18: the VMA after the hole stays unpopulated.
  bool madv_populate_stops_at_hole = true;
  // mremap as refactored in v6.15-6.17 (mm/mremap.c check_mremap_params(),
  // check_prep_vma(), remap_move()): the TASK_SIZE and overlap EINVALs come
  // before the VMA lookup, remap_is_valid() runs before anything is
  // unmapped, and a pure MREMAP_FIXED move (old_len == new_len) may span
  // several VMAs and gaps ("mm/mremap: permit mremap() move of multiple
  // VMAs", v6.17, Lorenzo Stoakes). Older kernels check in another order and
  // unmap the target before remap_is_valid() (mremap_classic below). Where
  // neither applies (before 6.1, and 6.15-6.16) mremap is not generated
  // (the run says so).
  bool mremap_modelled = true;
  // mremap before that rework, as v6.1 and v6.12 have it (Debian's
  // linux-source 6.1.192 and 6.12.117 read the same): SYSCALL_DEFINE5(mremap)
  // checks the flag combinations first and new_addr only in mremap_to(),
  // after the VMA lookup; mremap_to() unmaps the MREMAP_FIXED target and a
  // shrunk tail before vma_to_resize() checks the VMA (EFAULT, EAGAIN), and
  // moves one VMA only. MREMAP_DONTUNMAP of a locked VMA splits it first
  // and leaves locked_vm alone (move_vma()), as the model has it (in those
  // Debian releases a stable backport; unpatched, the whole VMA is
  // unlocked: erratum mremap-dontunmap-unlocks-whole-vma). Modelled from
  // 6.1 to 6.14: the rework of move_vma() landed in 6.15 (b714ccb02a76
  // "mm/mremap: complete refactor of move_vma()", d5c8aec0542e), and
  // neither 6.15's nor 6.16's check order has been read from their source
  // yet, so 6.15 and 6.16 are not modelled.
  bool mremap_classic = false;
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
  std::string Describe() const;
};

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
