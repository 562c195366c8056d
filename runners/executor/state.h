// The executor's configuration and the state every part of it shares: the
// globals set up by Main() before the first fork (buffers, descriptors, the
// seccomp program, the heap region) and the few a child sets for itself (its
// run, its step, a set-up error). They are globals, not objects passed
// around, because the child must not allocate between acting and observing
// and the signal handlers (runners/executor/step.cc) reach them too; each
// child inherits them by fork. Defined in runners/executor/state.cc.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>

#include "oracles/vm_flags.h"
#include "runners/raw_syscalls.h"
#include "runners/smaps_parser.h"
#include "runners/wire.h"

namespace mlc::executor {

using wire::kControlFd;
using wire::kRecordFd;
using wire::kRequestFd;
using wire::kTakenFd;
constexpr size_t kMaxFilter = 512;
constexpr size_t kStackReserve = 256 * 1024;

// Child exit codes (the runner reads the record stream first; these only
// matter when a record could not be written).
constexpr int kExitOk = 0;
constexpr int kExitChildError = 3;
constexpr int kExitSeccomp = 5;
constexpr int kExitNoRequest = 6;  // the runner closed the request pipe

struct Config {
  uint64_t arena_base = 0x100000000000;
  uint64_t arena_pages = 4096;
  uint64_t max_steps = 64;
  bool mlock2_enosys = false;
  bool thp = false;  // --thp: THP allowed, private anonymous mmaps MADV_HUGEPAGE
  // --system-counters: /proc/meminfo Mlocked and Unevictable after every
  // step, from each sequence's start (a machine the runner has alone).
  bool system_counters = false;
  bool compaction = false;  // --compaction: compact() steps (ProbeCompaction())
};

// Everything below is set up before the first fork and never reallocated.
extern Config g_config;
extern uint64_t g_page_size;
extern uint64_t g_huge_page_size;  // /proc/meminfo Hugepagesize in bytes (0: no hugetlbfs)
extern SmapsDialect g_dialect;
extern sock_filter g_filter[kMaxFilter];
extern sock_fprog g_program;
extern char* g_smaps_buf;
extern size_t g_smaps_cap;
extern char* g_status_buf;
constexpr size_t kStatusCap = 8192;
extern unsigned char* g_mincore;
extern char* g_record;
extern size_t g_record_cap;
extern wire::WireOp* g_ops;
extern int g_smaps_fd;
extern int g_status_fd;
extern raw::CapSets g_caps;  // read before the filter, for capset()
// Page flags: /proc/kpageflags opened by the server (children inherit it),
// each child's own /proc/self/pagemap, and their buffers.
extern bool g_page_flags;
extern bool g_has_secretmem;
extern bool g_has_tmpfile;
extern int g_kpageflags_fd;
extern int g_pagemap_fd;
extern uint64_t* g_pagemap;  // one entry per arena page
extern uint64_t* g_pagemap_again;  // the same, read after kpageflags (ObservePageFlags())
struct PfnPage {
  uint64_t pfn;
  uint64_t page;
};
extern PfnPage* g_pfns;            // present arena pages by PFN
constexpr size_t kKpfBatch = 512;  // PFNs read by one pread of /proc/kpageflags
extern uint64_t* g_kpf;
extern int g_pid;
// The heap region (OpKind::kBrk): every child's initial break, and the
// VMAs found there by the last observation.
extern uint64_t g_heap_base;
extern wire::WireVma g_heap_vmas[kHeapPages];
// --thp: PAGEMAP_SCAN's output (ObserveThp(), and Main()'s probe for it).
extern raw::PageRegion g_regions[64];
// The pool as the executor found it; every sequence's model starts there.
extern int g_meminfo_fd;
// The children's memory cgroup (ProbeMemcg()): its directory, open, or -1.
extern int g_memcg_dir_fd;
extern char g_memcg_path[256];
extern HugetlbPool g_huge_pool;
// NUMA (ProbeNuma()): whether move_pages() runs and the nodes are observed,
// and its arrays (one entry per arena page).
extern bool g_migration;
extern uint64_t g_numa_memory_nodes;  // bit n: node n has memory (ProbeNuma())
extern bool g_observe_nodes;
extern uint64_t* g_move_pages;
extern int* g_move_nodes;
extern int* g_move_status;
extern uint32_t g_move_status_count;  // of the step just executed
// --system-counters (ProbeSystemCounters()): /proc/meminfo and
// /proc/sys/vm/stat_refresh, open for the children, or -1; a child's
// counters when its sequence started.
extern int g_counters_meminfo_fd;
extern int g_counters_vmstat_fd;
extern int g_stat_refresh_fd;
// /proc/meminfo Mlocked and Unevictable (kB) and /proc/vmstat's
// wire::kUnevictableEventNames (pages): what a child's sequence started from.
struct SystemCounterValues {
  uint64_t mlocked_kb = 0;
  uint64_t unevictable_kb = 0;
  uint64_t events[wire::kUnevictableEvents] = {};
  bool has_events = false;  // /proc/vmstat has them (CONFIG_VM_EVENT_COUNTERS)
};
extern SystemCounterValues g_base_counters;
// compact() (ProbeCompaction()): whether it runs, compact_unevictable_allowed
// as the executor found it (restored at its end), and the PFNs of the arena
// before and after, with the pages that moved.
extern bool g_compaction;
extern char g_compact_unevictable_before[8];
extern uint64_t* g_compact_pfn_before;
extern uint64_t* g_compact_pfn_after;
extern uint8_t* g_compact_moved;
extern uint32_t g_compact_bytes;  // of the step just executed
extern uint64_t* g_node_pages;  // ObserveNodes()'s own arrays
extern int* g_node_status;

// The child's own: set once it runs.
extern volatile uint32_t g_step;
extern uint32_t g_run;  // the request a child serves
extern const char* g_setup_error;  // reported once the child knows its run
extern int g_setup_errno;

}  // namespace mlc::executor
