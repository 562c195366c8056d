// VMA flag bits as reported by /proc/<pid>/smaps "VmFlags:".
//
// The oracle reasons about these bits; runners/smaps_parser maps the two-letter
// mnemonics onto them. Mnemonics: fs/proc/task_mmu.c show_smap_vma_flags().
#pragma once

#include <cstdint>

namespace mlc {

enum VmFlagBit : uint32_t {
  kVmRead = 1u << 0,        // "rd"
  kVmWrite = 1u << 1,       // "wr"
  kVmExec = 1u << 2,        // "ex"
  kVmShared = 1u << 3,      // "sh"
  kVmLocked = 1u << 4,      // "lo"  VM_LOCKED
  kVmLockOnFault = 1u << 5, // "lf"  VM_LOCKONFAULT (printed as "??" before 6.2)
  kVmIo = 1u << 6,          // "io"  VM_IO
  kVmPfnMap = 1u << 7,      // "pf"  VM_PFNMAP
  kVmDontExpand = 1u << 8,  // "de"  VM_DONTEXPAND
  kVmMixedMap = 1u << 9,    // "mm"  VM_MIXEDMAP
  kVmHugetlb = 1u << 10,    // "ht"  VM_HUGETLB
  kVmSoftDirty = 1u << 11,  // "sd"  VM_SOFTDIRTY
  kVmNoHugePage = 1u << 12, // "nh"  VM_NOHUGEPAGE
  kVmHugePage = 1u << 13,   // "hg"  VM_HUGEPAGE
  kVmDroppable = 1u << 14,  // "dp"  VM_DROPPABLE (6.11+)
  kVmUnknown = 1u << 31,    // "??" that the dialect does not explain (other mnemonics are ignored)
};

// How a kernel spells VM_LOCKONFAULT in smaps. Before 6.2 the mnemonic table
// had no entry for it and printed the table's default "??" (fs/proc/task_mmu.c;
// "lf" was added by commit 8614d6c5eda0 "mm: do not show ?? for
// VM_LOCKONFAULT pages", v6.2, Fixes: de60f5f10c58).
struct SmapsDialect {
  bool question_marks_mean_lock_on_fault = false;
};

// VM_SPECIAL (VM_IO|VM_DONTEXPAND|VM_PFNMAP|VM_MIXEDMAP), hugetlb and
// VM_DROPPABLE VMAs are never given VM_LOCKED and never counted in locked_vm:
// mm/mlock.c mlock_fixup() / vma_supports_mlock(); Documentation/admin-guide/
// mm/unevictable-lru.rst "Filtering Special VMAs". The gate VMA ([vsyscall])
// is not in the VMA tree at all, so mlockall() never visits it (callers pass
// is_gate_vma).
inline bool VmaSupportsMlock(uint32_t vm_flags, bool is_gate_vma) {
  const uint32_t kNeverLocked =
      kVmIo | kVmPfnMap | kVmDontExpand | kVmMixedMap | kVmHugetlb | kVmDroppable;
  return !is_gate_vma && (vm_flags & kNeverLocked) == 0;
}

}  // namespace mlc
