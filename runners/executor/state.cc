// The definitions of runners/executor/state.h's globals, with their
// initial values (the comments are at the declarations).
#include "runners/executor/state.h"

namespace mlc::executor {

Config g_config;
uint64_t g_page_size = 4096;
uint64_t g_huge_page_size = 0;
SmapsDialect g_dialect;
sock_filter g_filter[kMaxFilter];
sock_fprog g_program;
char* g_smaps_buf = nullptr;
size_t g_smaps_cap = 0;
char* g_status_buf = nullptr;
unsigned char* g_mincore = nullptr;
char* g_record = nullptr;
size_t g_record_cap = 0;
wire::WireOp* g_ops = nullptr;
int g_smaps_fd = -1;
int g_status_fd = -1;
raw::CapSets g_caps{};
bool g_page_flags = false;
bool g_has_secretmem = false;
bool g_has_tmpfile = false;
int g_kpageflags_fd = -1;
int g_pagemap_fd = -1;
uint64_t* g_pagemap = nullptr;
uint64_t* g_pagemap_again = nullptr;
PfnPage* g_pfns = nullptr;
uint64_t* g_kpf = nullptr;
int g_pid = 0;
uint64_t g_heap_base = 0;
wire::WireVma g_heap_vmas[kHeapPages];
raw::PageRegion g_regions[64];
int g_meminfo_fd = -1;
int g_memcg_dir_fd = -1;
bool g_migration = false;
uint64_t g_numa_memory_nodes = 1;
bool g_observe_nodes = false;
uint64_t* g_move_pages = nullptr;
int* g_move_nodes = nullptr;
int* g_move_status = nullptr;
uint32_t g_move_status_count = 0;
int g_counters_meminfo_fd = -1;
int g_counters_vmstat_fd = -1;
int g_stat_refresh_fd = -1;
SystemCounterValues g_base_counters;
bool g_compaction = false;
char g_compact_unevictable_before[8] = "";
uint64_t* g_compact_pfn_before = nullptr;
uint64_t* g_compact_pfn_after = nullptr;
uint8_t* g_compact_moved = nullptr;
uint32_t g_compact_bytes = 0;
uint64_t* g_node_pages = nullptr;
int* g_node_status = nullptr;
char g_memcg_path[256] = {};
HugetlbPool g_huge_pool;

volatile uint32_t g_step = 0;
uint32_t g_run = 0;
const char* g_setup_error = nullptr;
int g_setup_errno = 0;

}  // namespace mlc::executor
