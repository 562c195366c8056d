// The protocol between the runner (in the test process) and the executor
// (a small static fork server, runners/executor/). Fixed-size,
// trivially copyable records over pipes: the executor's child must not
// allocate between acting and observing, so nothing here owns memory.
#pragma once

#include <cstdint>

namespace mlc::wire {

constexpr uint32_t kMagic = 0x6d6c636b;  // "mlck"

// Descriptors of the executor (set up by the runner before exec) and of
// its children.
constexpr int kRequestFd = 3;  // parent -> the executor's waiting child
constexpr int kRecordFd = 4;   // children -> parent: run records
constexpr int kControlFd = 5;  // executor -> parent: hello, exit records
constexpr int kTakenFd = 6;    // parent -> executor: run ids whose child started
// Each child's own files (oracles/files.h), created before its seccomp
// filter: file f is fd kFileFdBase + f.
constexpr int kFileFdBase = 64;  // far above the descriptors opened before it
// /proc, opened by each child before its filter: a fork step's child opens
// its own self/smaps and self/status relative to it (the only openat the
// filter allows).
constexpr int kProcDirFd = 70;
// memory.reclaim of the cgroup the child joined before its filter
// (OpKind::kReclaim writes the amount to it).
constexpr int kReclaimFd = 71;
// compact(): /proc/sys/vm/compact_memory and compact_unevictable_allowed,
// opened by the executor for its children (OpKind::kCompact writes them).
constexpr int kCompactMemoryFd = 72;
constexpr int kCompactUnevictableFd = 73;
// A move_pages() status[] entry the kernel did not store (an aborted batch).
constexpr int32_t kMoveStatusUnset = -0x7fffffff;

// Parent -> the waiting child; closing the pipe ends the executor.
enum class RequestType : uint32_t { kRun = 1, kProbe = 2, kQuit = 3 };
struct RequestHeader {
  uint32_t magic = kMagic;
  RequestType type = RequestType::kQuit;
  uint32_t op_count = 0;
  uint32_t run = 0;  // chosen by the parent; echoed in every record of the run
};

// Op kinds on the wire: the oracle's OpKind values, plus self-tests of the
// harness that the generators never produce.
enum : uint32_t {
  kSelfTestForbiddenSyscall = 100,  // calls getppid(), which the filter forbids
  kSelfTestCrash = 101,             // dereferences NULL outside a touch
  kSelfTestHang = 102,              // spins forever
  kSelfTestOtherRlimit = 110,       // prlimit64 on RLIMIT_CORE, which the filter forbids
};
// One call on the wire. Kinds whose arguments are not a range use the
// range's slots (mlc::ToWire()): madvise's advice rides in `flags`, brk's
// offset above the initial break in `len`, prlimit64's soft and hard limit
// in `len` and `addr`, move_pages' node in `offset`.
struct WireOp {
  uint32_t kind = 0;
  int32_t prot = 0;
  int32_t flags = 0;
  uint32_t reserved = 0;
  uint64_t addr = 0;  // absolute
  uint64_t len = 0;
  int32_t file = -1;    // mmap_file, ftruncate: oracles/files.h
  uint32_t padding = 0;
  uint64_t offset = 0;  // mmap_file
  uint64_t new_len = 0;   // mremap
  uint64_t new_addr = 0;  // mremap, absolute
};

// Executor and children -> parent. Every record starts with a RecordHeader
// whose `size` counts the whole record, header included, and whose `run`
// says which request it belongs to: the executor forks the next child while
// the current one runs and reaps children after the parent moved on, so
// records of an earlier run can still arrive.
enum class RecordType : uint32_t {
  kHello = 1,       // once, at executor start
  kStarted,         // a child started a run
  kStep,            // one executed and observed step (variable size)
  kDone,            // the child finished all steps
  kExit,            // the executor reaped the child
  kSeccomp,         // the child made a forbidden syscall
  kChildError,      // the child could not act or observe (harness error)
  kProbe,           // feature probe results
  kForkChildStep,   // a StepRecord written by the child of a fork step, before the step's own
};
struct RecordHeader {
  RecordType type;
  uint32_t size;
  uint32_t run;
  int32_t pid;  // the writing child; 0 for the executor's own records
};

// Parent -> executor on kTakenFd: the waiting child `pid` took request
// `run`, so fork the next one; its exit will be reported as `run`.
struct TakenMessage {
  uint32_t run;
  int32_t pid;
};

constexpr int kMaxMessage = 200;
// /proc/vmstat's counters of PG_mlocked changes (mm/vmstat.c vmstat_text):
// the step record carries them in this order.
constexpr int kUnevictableEvents = 4;
constexpr const char* kUnevictableEventNames[kUnevictableEvents] = {
    "unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_stranded", "unevictable_pgs_cleared"};

enum class HelloStatus : uint32_t {
  kOk = 1,
  kUnsupported = 2,  // this kernel cannot be observed (no smaps)
  kFailed = 3,       // the executor itself failed
};

struct HelloRecord {
  RecordHeader header;
  uint64_t page_size;
  uint64_t arena_base;
  uint64_t arena_pages;
  uint64_t outside_lockable_pages;  // VmaSupportsMlock() pages outside the arena
  uint32_t outside_vmas;
  HelloStatus status;               // anything but kOk: `message` says why
  char release[65];
  char build[65];  // uname -v: a distribution names its stable release there
  char message[kMaxMessage];
  // What every child starts with: mm->total_vm outside the arena (VmSize),
  // RLIMIT_MEMLOCK in bytes, and the effective capabilities that matter.
  uint64_t outside_total_pages;
  uint64_t memlock_cur;
  uint64_t memlock_max;
  uint32_t cap_ipc_lock;      // as capable() sees it: 0 outside the initial user namespace
  uint32_t cap_sys_nice;      // likewise (migrate_pages(): MPOL_MF_MOVE_ALL)
  uint32_t cap_sys_resource;
  uint32_t initial_user_namespace;
  uint32_t page_flags;               // 1: steps carry pagemap/kpageflags bytes
  char page_flags_reason[kMaxMessage];  // why not, when 0
  int32_t secretmem_err;             // errno of memfd_secret(0), 0 if it works
  uint32_t noexec_files;             // bit f: file f (oracles/files.h) lies on a noexec mount
  int32_t tmpfile_err;               // errno of open(/dev/shm, O_TMPFILE), 0 if it works
  // The break every child starts with: page aligned, just above a PROT_NONE
  // guard page that ends the executor's own heap (Model heap_base).
  uint64_t heap_base;
  int32_t pagemap_scan_err;          // --thp: errno of ioctl(PAGEMAP_SCAN), 0 if it works
  uint32_t thp;                      // --thp was given
  // /proc/meminfo: Hugepagesize (bytes; 0 without hugetlbfs), HugePages_Free
  // and HugePages_Rsvd when the executor started.
  uint64_t huge_page_size;
  uint64_t huge_pages_free;
  uint64_t huge_pages_rsvd;
  // The child's own memory cgroup (OpKind::kReclaim): 1 when every child
  // joins `memcg_path` and can write its memory.reclaim; else why not.
  uint32_t memcg_reclaim;
  char memcg_path[kMaxMessage];
  char memcg_reason[kMaxMessage];
  // NUMA (OpKind::kMovePages): bit n = node n has memory; 1 when
  // move_pages() is generated (two such nodes, the syscall works), else
  // `migration_reason`; /proc/sys/kernel/numa_balancing (nonzero: pages may
  // move by themselves, so their node is not observed).
  uint64_t numa_memory_nodes;
  uint32_t migration;
  uint32_t numa_balancing;
  char migration_reason[kMaxMessage];
  // --system-counters: 1 when every step carries /proc/meminfo's Mlocked
  // and Unevictable; else why not.
  uint32_t system_counters;
  uint32_t unevictable_events;  // ... with /proc/vmstat's unevictable_pgs_* too
  char system_counters_reason[kMaxMessage];
  // --compaction: 1 when compact() steps can run (root, page flags for the
  // PFNs, CONFIG_COMPACTION); else why not.
  uint32_t compaction;
  char compaction_reason[kMaxMessage];
};

struct StartedRecord {
  RecordHeader header;  // header.pid: the child that took the request
};

struct WireVma {
  uint32_t first_page;
  uint32_t pages;
  uint32_t bits;  // oracles/observation.h PageBit, plus kVmaMsyncBusy
};
// msync(start, len, MS_INVALIDATE) over the VMA returned EBUSY.
constexpr uint32_t kVmaMsyncBusy = 1u << 8;

// Followed by `vma_count` WireVma, then ceil(arena_pages / 8) bytes of
// mincore residency, one bit per arena page (LSB first), then
// `page_flag_bytes` bytes: one oracles/observation.h PageFlagBit byte per
// page of the VMAs, in their order (0 when page flags are not observed),
// then `heap_vma_count` WireVma of the heap region (first_page counted from
// the initial break) and kHeapPages / 8 bytes of its mincore residency.
struct StepRecord {
  RecordHeader header;
  uint32_t step;
  uint32_t vma_count;
  int64_t ret;
  int32_t err;
  int32_t signal;
  uint64_t rss_kb;
  uint64_t locked_kb;
  uint64_t vmlck_kb;
  uint64_t lo_vma_kb;
  uint32_t page_flag_bytes;
  uint32_t heap_vma_count;
  uint64_t heap_rss_kb;
  uint64_t heap_locked_kb;
  // After the heap's residency: `node_bytes` bytes, the NUMA node of each
  // page of the arena's VMAs in their order (-1: no page), when nodes are
  // observed; then `move_status_count` int32s, a move_pages() step's
  // status[].
  uint32_t node_bytes;
  uint32_t move_status_count;
  // --system-counters: bit 0 when the two differences below were read:
  // /proc/meminfo Mlocked and Unevictable (kB) less their values when the
  // sequence started; bit 1 when the events after them were too.
  uint32_t counters;
  int64_t mlocked_delta_kb;
  int64_t unevictable_delta_kb;
  // ... and /proc/vmstat's unevictable_pgs_mlocked, _munlocked, _stranded
  // and _cleared (pages) less theirs.
  int64_t unevictable_events_delta[kUnevictableEvents];
  // A compact() step: `compact_bytes` bytes after the move status, one per
  // arena page, 1 where its page frame changed during the compaction.
  uint32_t compact_bytes;
  uint32_t reserved_after_compact;
  // --thp: bit r = PMD-sized range r of the arena is PMD-mapped
  // (PAGEMAP_SCAN PAGE_IS_HUGE), with the huge zero page (PAGE_IS_PFNZERO,
  // or pagemap PM_FILE on a private anonymous PMD); smaps AnonHugePages
  // summed over the arena.
  uint64_t thp_pmd_mask;
  uint64_t thp_zero_mask;
  uint64_t anon_huge_kb;
  uint64_t hugetlb_kb;  // smaps Private_Hugetlb + Shared_Hugetlb over the arena
};

struct DoneRecord {
  RecordHeader header;
  uint32_t steps;
  uint32_t reserved;
  uint64_t kernel_ns;  // inside the calls under test and the observation reads
  uint64_t child_ns;   // from the first step's start to the last step's end
};

struct ExitRecord {
  RecordHeader header;
  int32_t wait_status;
  uint32_t reserved;
  uint64_t max_rss_kb;  // the executor's children, ru_maxrss
};

struct SeccompRecord {
  RecordHeader header;
  int32_t syscall_nr;
  uint32_t step;
};

struct ChildErrorRecord {
  RecordHeader header;
  uint32_t step;
  int32_t err;
  char message[kMaxMessage];
};

struct ProbeRecord {
  RecordHeader header;
  int32_t mlock2_err;        // errno of mlock2(0, 0, ~0): EINVAL if it exists
  int32_t mcl_onfault_err;   // errno of mlockall(MCL_FUTURE|MCL_ONFAULT), 0 if supported
};

}  // namespace mlc::wire
