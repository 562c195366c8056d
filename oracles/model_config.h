// What a model is told about the kernel and the run before any step: the
// arena, the kernel profile, what the runner measured, and which
// operations and channels the run has.
#pragma once

#include <cstdint>

#include "oracles/files.h"
#include "oracles/kernel_profile.h"
#include "oracles/op.h"
#include "oracles/planted_bug.h"

namespace mlc {

struct ModelConfig {
  uint64_t page_size = 4096;
  uint64_t arena_base = 0;  // absolute address of the arena's first page
  uint64_t arena_pages = 4096;
  // TASK_SIZE_MAX with 4-level page tables, arch/x86/include/asm/page_64_types.h.
  uint64_t task_size = (uint64_t{1} << 47) - 4096;
  KernelProfile profile;
  // Pages of the executor's own VMAs that mlockall(MCL_CURRENT) locks
  // (VmaSupportsMlock), measured once by the runner before any step.
  uint64_t outside_lockable_pages = 0;
  // What the runner measured of the kernel (oracles/kernel_profile.h): the
  // zero page, secretmem's locking, execute-only PROT_EXEC.
  MeasuredBehaviour measured;
  // x86: PROT_WRITE implies read access (mmap(2)).
  bool write_implies_read = true;
  bool has_mlock2 = true;  // false: the kernel answers ENOSYS
  // /proc/self/pagemap + /proc/kpageflags are observed (root, with
  // CONFIG_PROC_PAGE_MONITOR), and the child runs pinned to one CPU.
  bool page_flags = false;
  // Bit f: file f (oracles/files.h) lies on a noexec mount.
  uint32_t noexec_files = 0;
  // mm/memory.c fault_around_bytes / PAGE_SIZE (default 64 KiB; debugfs
  // can change it, the runner reads it where it can).
  uint64_t fault_around_pages = 16;
  PlantedBug planted_bug = PlantedBug::kNone;
  // What every sequence starts with, as the executor measured it for its
  // children: capabilities (capget(2), CapEff), RLIMIT_MEMLOCK in bytes, and
  // mm->total_vm outside the arena (its VmSize, which mlockall(MCL_CURRENT)
  // compares against the limit).
  bool cap_ipc_lock = true;
  bool cap_sys_resource = true;
  uint64_t memlock_cur = uapi::kRlimInfinity;
  uint64_t memlock_max = uapi::kRlimInfinity;
  uint64_t outside_total_pages = 0;
  // Swap: an active swap area (/proc/swaps) lets MADV_PAGEOUT page out
  // anonymous pages; CONFIG_SWAP decides MADV_WILLNEED of anonymous memory
  // (EBADF without it, mm/madvise.c madvise_willneed()).
  bool swap_active = false;
  bool config_swap = true;
  // reclaim() is generated: the child runs alone in a cgroup v2 group of
  // its own whose memory.reclaim it can write (the runner's probe).
  bool memcg_reclaim = false;
  // NUMA nodes with memory (bit n: node n, /sys/devices/system/node/
  // has_memory). move_pages() is generated when two or more have memory;
  // the node of every present page is observed (`observe_nodes`) unless
  // automatic NUMA balancing may move pages by itself.
  uint64_t numa_memory_nodes = 1;
  bool migration = false;
  // migrate_pages(2) of the whole child is generated (ModelConfig::migration
  // on a machine the run has to itself: it moves the child's own pages
  // outside the arena too), and whether the child has CAP_SYS_NICE
  // (MPOL_MF_MOVE_ALL: pages mapped more than once move too).
  bool migrate_process = false;
  bool cap_sys_nice = false;
  bool observe_nodes = false;
  // /proc/meminfo Mlocked and Unevictable are compared (the runner is the
  // machine's only user of locked memory: a guest, --exclusive-machine).
  bool system_counters = false;
  // compact() is generated: the run may write /proc/sys/vm/compact_memory
  // and compact_unevictable_allowed (a guest), and PFNs are observed.
  bool compaction = false;
  // The heap (OpKind::kBrk): the child's initial break, page aligned (the
  // executor ends its own heap there, below a PROT_NONE guard page it
  // counts among its own mappings), and the pages above it that brk may map.
  uint64_t heap_base = 0;
  uint64_t heap_pages = kHeapPages;
  // --thp: private anonymous mappings are MADV_HUGEPAGE and the kernel's
  // PMD mappings are observed per range and adopted (Model::AdoptThp).
  bool thp = false;
  uint64_t thp_pages = 512;  // HPAGE_PMD_SIZE / PAGE_SIZE
  // Simulated kernels only (mutants, oracle tests): after every step each
  // range that could hold a THP and has a resident page gets one, as
  // khugepaged may do at any time; a real run takes this from the kernel.
  bool thp_simulate = false;
  // hugetlb (MAP_HUGETLB with the default huge page size): base pages per
  // huge page (Hugepagesize / PAGE_SIZE; 0 = not generated), and how many
  // huge pages every sequence may reserve: HugePages_Free - HugePages_Rsvd,
  // measured before the run (mlockcheck never changes the reservation).
  uint64_t huge_page_pages = 0;
  uint64_t hugetlb_available = 0;
};
// The user's locked_vm that other processes may hold when a sequence
// starts (a previous child still releasing its secretmem file, whose pages
// lie within one file window): a secretmem fault that would bring the
// charge within this much of RLIMIT_MEMLOCK is not determined (assuming the
// user holds no other locked pages, as in a test guest).
constexpr uint64_t kSecretmemChargeSlack = kFileWindowPages;

// Fills ModelConfig's hugetlb fields from the pool as measured (bytes per
// huge page, 0 without hugetlbfs; HugePages_Free, HugePages_Rsvd,
// nr_overcommit_hugepages). hugetlb stays off (huge_page_pages 0) without
// hugetlbfs, with surplus pages allowed (their allocation can fail or not,
// the model does not say), or when the arena is not huge page aligned or
// smaller than a huge page. Call after page_size and the arena are set.
void SetHugetlbConfig(uint64_t huge_page_size, uint64_t free, uint64_t reserved, uint64_t overcommit,
                      ModelConfig* config);

}  // namespace mlc
