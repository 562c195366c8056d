// The probes (see probe.h). The server's run once, in Main(), before the
// first fork; MeasureAddressSpace() comes last, as nothing may be mapped
// after it. ProbeChild() runs in a waiting child that received a probe
// request, under the same filter as a run.
#include "runners/executor/probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <cstdint>
#include <optional>
#include <string_view>

#include "oracles/vm_flags.h"
#include "runners/arena_guard.h"
#include "runners/executor/child.h"
#include "runners/executor/observe.h"
#include "runners/executor/state.h"
#include "runners/executor/wire_io.h"
#include "runners/raw_syscalls.h"
#include "runners/smaps_parser.h"

namespace mlc::executor {

// Feature detection under the same filter as a run: mlock2 with an invalid
// flag is EINVAL where it exists (the flag check comes first, mm/mlock.c) and
// ENOSYS where it does not; MCL_ONFAULT is EINVAL before 4.4.
[[noreturn]] void ProbeChild() {
  wire::ProbeRecord r{};
  r.header = {wire::RecordType::kProbe, sizeof r, g_run, g_pid};
  r.mlock2_err = raw::Mlock2(0, 0, ~0).err;
  const Outcome future = raw::Mlockall(uapi::kMclFuture | uapi::kMclOnfault);
  r.mcl_onfault_err = future.err;
  if (future.ret == 0) raw::Munlockall();
  WriteAll(kRecordFd, &r, sizeof r);
  raw::ExitGroup(kExitOk);
}

// The initial user namespace is the one capable() checks (IsInitialUserNamespace).
bool InInitialUserNamespace() {
  auto read = [](const char* path, char* buf, size_t cap) -> const char* {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    const long n = ReadProcFile(fd, buf, cap - 1);
    close(fd);
    if (n < 0) return nullptr;
    buf[n] = '\0';
    return buf;
  };
  char uid_map[256], setgroups[64];
  return IsInitialUserNamespace(read("/proc/self/uid_map", uid_map, sizeof uid_map),
                                read("/proc/self/setgroups", setgroups, sizeof setgroups));
}

namespace {
// "0-1,3\n" (Documentation/ABI/stable/sysfs-devices-node, a node list) as a
// mask of nodes below 64; 0 when malformed.
uint64_t ParseNodeList(std::string_view text) {
  uint64_t mask = 0;
  size_t i = 0;
  const auto number = [&](uint64_t* n) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    *n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') *n = *n * 10 + static_cast<uint64_t>(text[i++] - '0');
    return true;
  };
  while (i < text.size() && text[i] != '\n') {
    uint64_t lo = 0, hi = 0;
    if (!number(&lo)) return 0;
    hi = lo;
    if (i < text.size() && text[i] == '-') {
      ++i;
      if (!number(&hi) || hi < lo) return 0;
    }
    for (uint64_t n = lo; n <= hi && n < 64; ++n) mask |= uint64_t{1} << n;
    if (i < text.size() && text[i] == ',') ++i;
  }
  return mask;
}
}  // namespace

bool ProbeNuma(wire::HelloRecord* hello) {
  hello->numa_memory_nodes = 1;
  char buf[256];
  const int fd = open("/sys/devices/system/node/has_memory", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CopyMessage(hello->migration_reason, "no /sys/devices/system/node/has_memory (a kernel without CONFIG_NUMA)");
    return false;
  }
  const long n = ReadProcFile(fd, buf, sizeof buf - 1);
  close(fd);
  const uint64_t mask = n > 0 ? ParseNodeList(std::string_view(buf, static_cast<size_t>(n))) : 0;
  if (mask == 0) {
    CopyMessage(hello->migration_reason, "cannot parse /sys/devices/system/node/has_memory");
    return false;
  }
  hello->numa_memory_nodes = g_numa_memory_nodes = mask;
  const int balancing = open("/proc/sys/kernel/numa_balancing", O_RDONLY | O_CLOEXEC);
  if (balancing >= 0) {
    const long m = ReadProcFile(balancing, buf, sizeof buf - 1);
    close(balancing);
    hello->numa_balancing = m > 0 && buf[0] != '0';
  }
  if (__builtin_popcountll(mask) < 2) {
    CopyMessage(hello->migration_reason, "one NUMA node with memory: nothing to migrate to");
    return false;
  }
  // The syscall itself: ENOSYS without CONFIG_MIGRATION. Asked where the
  // record buffer's first page is (nodes NULL moves nothing).
  uint64_t page = reinterpret_cast<uintptr_t>(g_record) & ~(g_page_size - 1);
  int status = 0;
  const Outcome where = raw::MovePages(1, &page, nullptr, &status, 0);
  if (where.ret != 0) {
    char why[wire::kMaxMessage];
    std::snprintf(why, sizeof why, "move_pages(2) fails: %s", std::strerror(where.err));
    CopyMessage(hello->migration_reason, why);
    return false;
  }
  return true;
}

namespace {

bool OpenSystemCounters(wire::HelloRecord* hello) {
  g_counters_meminfo_fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  g_counters_vmstat_fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
  g_stat_refresh_fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
  if (g_counters_meminfo_fd < 0 || g_counters_vmstat_fd < 0 || g_stat_refresh_fd < 0) {
    char why[wire::kMaxMessage];
    std::snprintf(why, sizeof why, "cannot open %s: %s",
                  g_counters_meminfo_fd < 0   ? "/proc/meminfo"
                  : g_counters_vmstat_fd < 0 ? "/proc/vmstat"
                                             : "/proc/sys/vm/stat_refresh (needs root)",
                  std::strerror(errno));
    CopyMessage(hello->system_counters_reason, why);
    return false;
  }
  int node = 0, status = 0;
  uint64_t page = 0;
  if (raw::MovePages(0, &page, &node, &status, 0).ret != 0) {
    CopyMessage(hello->system_counters_reason,
                "move_pages(2) fails (CONFIG_MIGRATION): nothing else drains every CPU's mlock and LRU batches");
    return false;
  }
  SystemCounterValues values;
  if (!ReadSystemCounters(&values)) {
    CopyMessage(hello->system_counters_reason, "no Mlocked or Unevictable in /proc/meminfo");
    return false;
  }
  hello->unevictable_events = values.has_events;
  return true;
}

}  // namespace

// On failure nothing stays open: the children read the counters exactly
// where g_stat_refresh_fd is open.
bool ProbeSystemCounters(wire::HelloRecord* hello) {
  if (OpenSystemCounters(hello)) return true;
  for (int* fd : {&g_counters_meminfo_fd, &g_counters_vmstat_fd, &g_stat_refresh_fd}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  return false;
}

bool ProbeCompaction(wire::HelloRecord* hello) {
  if (!g_page_flags) {
    CopyMessage(hello->compaction_reason, "no page flags: the PFNs compaction may change are not observed");
    return false;
  }
  const int memory = open("/proc/sys/vm/compact_memory", O_WRONLY | O_CLOEXEC);
  const int allowed = open("/proc/sys/vm/compact_unevictable_allowed", O_RDWR | O_CLOEXEC);
  if (memory < 0 || allowed < 0) {
    char why[wire::kMaxMessage];
    std::snprintf(why, sizeof why, "cannot open /proc/sys/vm/%s: %s (CONFIG_COMPACTION, root)",
                  memory < 0 ? "compact_memory" : "compact_unevictable_allowed", std::strerror(errno));
    CopyMessage(hello->compaction_reason, why);
    if (memory >= 0) close(memory);
    if (allowed >= 0) close(allowed);
    return false;
  }
  const long n = raw::Pread(allowed, g_compact_unevictable_before, sizeof g_compact_unevictable_before - 1, 0);
  if (n <= 0 || dup3(memory, wire::kCompactMemoryFd, O_CLOEXEC) < 0 ||
      dup3(allowed, wire::kCompactUnevictableFd, O_CLOEXEC) < 0) {
    CopyMessage(hello->compaction_reason, "cannot read compact_unevictable_allowed");
    close(memory);
    close(allowed);
    return false;
  }
  g_compact_unevictable_before[n] = '\0';
  close(memory);
  close(allowed);
  return true;
}

void RestoreCompaction() {
  if (!g_compaction) return;
  const size_t len = std::strlen(g_compact_unevictable_before);
  if (pwrite(wire::kCompactUnevictableFd, g_compact_unevictable_before, len, 0) != static_cast<ssize_t>(len)) {
    std::perror("mlockcheck-executor: restoring /proc/sys/vm/compact_unevictable_allowed");
  }
}

// move_pages(2) of no page with a node array: do_pages_move() starts with
// lru_cache_disable(), whose __lru_add_drain_all() empties every CPU's LRU
// and mlock batches (mm/swap.c, need_mlock_drain()), before it looks at
// the (empty) array: a drain of all CPUs a child may call under its filter.
void DrainAllCpus() {
  int node = 0, status = 0;
  uint64_t page = 0;
  const Outcome drained = raw::MovePages(0, &page, &node, &status, 0);
  if (drained.ret != 0) ChildFail("move_pages(2) draining every CPU failed", drained.err);
}

// /proc/sys/vm/stat_refresh folds every CPU's vmstat differences into the
// global counters (mm/vmstat.c vmstat_refresh()), so that /proc/meminfo's
// Mlocked (NR_MLOCK) and Unevictable are exact.
bool ReadSystemCounters(SystemCounterValues* values) {
  if (raw::Write(g_stat_refresh_fd, "1", 1) != 1) return false;
  static char text[16384];
  long n = raw::Pread(g_counters_meminfo_fd, text, sizeof text - 1, 0);
  if (n <= 0) return false;
  std::string_view view(text, static_cast<size_t>(n));
  const auto mlocked = ParseStatusKb(view, "Mlocked");
  const auto unevictable = ParseStatusKb(view, "Unevictable");
  if (!mlocked || !unevictable) return false;
  values->mlocked_kb = *mlocked;
  values->unevictable_kb = *unevictable;
  // The event counters are per-CPU sums taken at the read
  // (all_vm_events()), exact without the refresh; a kernel without
  // CONFIG_VM_EVENT_COUNTERS (tinyconfig) prints none of them.
  n = raw::Pread(g_counters_vmstat_fd, text, sizeof text - 1, 0);
  if (n <= 0) return false;
  view = std::string_view(text, static_cast<size_t>(n));
  values->has_events = true;
  for (int e = 0; e < wire::kUnevictableEvents; ++e) {
    const auto count = ParseVmstatCount(view, wire::kUnevictableEventNames[e]);
    values->has_events = values->has_events && count.has_value();
    values->events[e] = count.value_or(0);
  }
  return true;
}

// Whether page flags can be observed: /proc/kpageflags opens (root,
// CONFIG_PROC_PAGE_MONITOR) and pagemap shows PFNs (CAP_SYS_ADMIN since
// 4.2, ref 50). Keeps /proc/kpageflags open for the children.
bool ProbePageFlags(wire::HelloRecord* hello) {
  g_kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
  if (g_kpageflags_fd < 0) {
    CopyMessage(hello->page_flags_reason,
                "cannot open /proc/kpageflags (needs root and CONFIG_PROC_PAGE_MONITOR)");
    return false;
  }
  const int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  uint64_t entry = 0;
  g_record[0] = 1;  // present
  const bool read = pagemap >= 0 && pread(pagemap, &entry, 8, reinterpret_cast<uintptr_t>(g_record) / g_page_size * 8) == 8;
  if (pagemap >= 0) close(pagemap);
  if (!read || (entry & ((uint64_t{1} << 55) - 1)) == 0) {
    CopyMessage(hello->page_flags_reason, "/proc/self/pagemap hides page frame numbers (needs CAP_SYS_ADMIN)");
    close(g_kpageflags_fd);
    g_kpageflags_fd = -1;
    return false;
  }
  return true;
}

// The children's memory cgroup, for reclaim steps: a group of the executor's
// own, /sys/fs/cgroup/mlockcheck-<pid>, directly below the cgroup v2 root of
// this namespace, which must already enable the memory controller for its
// children (cgroup.subtree_control): the executor changes no other group.
// Each child joins it before its filter (JoinMemcg()); the executor and the
// runner remove it (RemoveMemcg(), Executor::RemoveMemcg()). memory.reclaim
// came with 5.19 (94968384dde1).
bool ProbeMemcg(wire::HelloRecord* hello) {
  constexpr long kCgroup2Magic = 0x63677270;  // include/uapi/linux/magic.h CGROUP2_SUPER_MAGIC
  struct statfs fs {};
  if (statfs("/sys/fs/cgroup", &fs) != 0 || fs.f_type != kCgroup2Magic) {
    CopyMessage(hello->memcg_reason, "no cgroup v2 hierarchy at /sys/fs/cgroup");
    return false;
  }
  char controllers[256] = {};
  const int sc = open("/sys/fs/cgroup/cgroup.subtree_control", O_RDONLY | O_CLOEXEC);
  const long n = sc < 0 ? -1 : ReadProcFile(sc, controllers, sizeof controllers - 1);
  if (sc >= 0) close(sc);
  const std::string_view enabled(controllers, n > 0 ? static_cast<size_t>(n) : 0);
  bool memory = false;
  for (size_t pos = 0; pos < enabled.size();) {
    size_t end = enabled.find_first_of(" \n", pos);
    if (end == std::string_view::npos) end = enabled.size();
    memory = memory || enabled.substr(pos, end - pos) == "memory";
    pos = end + 1;
  }
  if (!memory) {
    CopyMessage(hello->memcg_reason,
                "the cgroup v2 root does not enable the memory controller for its children (cgroup.subtree_control)");
    return false;
  }
  std::snprintf(g_memcg_path, sizeof g_memcg_path, "/sys/fs/cgroup/mlockcheck-%d", static_cast<int>(getpid()));
  if (mkdir(g_memcg_path, 0700) != 0) {
    char why[wire::kMaxMessage + 300];
    std::snprintf(why, sizeof why, "cannot create the cgroup %s (%s)", g_memcg_path, strerror(errno));
    CopyMessage(hello->memcg_reason, why);
    g_memcg_path[0] = '\0';
    return false;
  }
  g_memcg_dir_fd = open(g_memcg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g_memcg_dir_fd < 0 || faccessat(g_memcg_dir_fd, "memory.reclaim", W_OK, 0) != 0) {
    CopyMessage(hello->memcg_reason, "the memory cgroup has no memory.reclaim (5.19+)");
    RemoveMemcg();
    return false;
  }
  CopyMessage(hello->memcg_path, g_memcg_path);
  return true;
}

// Removes the children's group once the last child left it (a child that
// was reaped may take a moment to leave its css_set).
void RemoveMemcg() {
  if (g_memcg_dir_fd >= 0) close(g_memcg_dir_fd);
  g_memcg_dir_fd = -1;
  if (g_memcg_path[0] == '\0') return;
  for (int i = 0; i < 100; ++i) {
    if (rmdir(g_memcg_path) == 0 || errno != EBUSY) break;
    usleep(10000);
  }
  g_memcg_path[0] = '\0';
}

// Measures the executor's own mappings once. Nothing may be mapped near the
// arena, and the lockable size of everything else is what mlockall(MCL_CURRENT)
// adds to VmLck.
bool MeasureAddressSpace(wire::HelloRecord* hello) {
  const int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CopyMessage(hello->message,
                "cannot open /proc/self/smaps (the kernel needs CONFIG_PROC_PAGE_MONITOR)");
    hello->status = wire::HelloStatus::kUnsupported;
    return false;
  }
  const long len = ReadProcFile(fd, g_smaps_buf, g_smaps_cap);
  close(fd);
  if (len < 0) {
    CopyMessage(hello->message, "cannot read /proc/self/smaps");
    return false;
  }
  const uint64_t guard_start = g_config.arena_base - kArenaGuardPages * g_page_size;
  const uint64_t guard_end = g_config.arena_base + (g_config.arena_pages + kArenaGuardPages) * g_page_size;
  bool overlaps = false;
  bool heap_blocked = false;
  const uint64_t heap_limit = g_heap_base + kHeapPages * g_page_size + (2u << 20);
  bool has_flags = true;
  uint64_t lockable = 0;
  uint32_t vmas = 0;
  const bool parsed = ParseSmaps(std::string_view(g_smaps_buf, static_cast<size_t>(len)), g_dialect,
                                 [&](const SmapsVma& vma) {
                                   ++vmas;
                                   has_flags = has_flags && vma.has_vm_flags;
                                   if (vma.start < guard_end && vma.end > guard_start) overlaps = true;
                                   // brk growth needs its pages free, and the
                                   // stack guard gap above (sys_brk()).
                                   if (vma.end > g_heap_base && vma.start < heap_limit) heap_blocked = true;
                                   if (VmaSupportsMlock(vma.vm_flags, vma.name == "[vsyscall]")) {
                                     lockable += (vma.end - vma.start) / g_page_size;
                                   }
                                 });
  if (!parsed || !has_flags) {
    CopyMessage(hello->message, "cannot parse /proc/self/smaps (no VmFlags lines: kernel older than 3.8?)");
    hello->status = wire::HelloStatus::kUnsupported;
    return false;
  }
  if (overlaps) {
    CopyMessage(hello->message, "the arena's address range is already in use; choose another --arena-base");
    return false;
  }
  if (heap_blocked) {
    CopyMessage(hello->message, "a mapping lies within 2 MiB above the heap region (brk could not grow)");
    return false;
  }
  hello->outside_lockable_pages = lockable;
  hello->outside_vmas = vmas;
  // mm->total_vm, which mlockall(MCL_CURRENT) compares against the limit,
  // is what status prints as VmSize (fs/proc/task_mmu.c task_mem()); a
  // forked child starts with the same (dup_mmap()).
  const int status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  const long status_len = status_fd < 0 ? -1 : ReadProcFile(status_fd, g_status_buf, kStatusCap);
  if (status_fd >= 0) close(status_fd);
  const auto vm_size =
      status_len < 0 ? std::nullopt
                     : ParseStatusKb(std::string_view(g_status_buf, static_cast<size_t>(status_len)), "VmSize");
  if (!vm_size) {
    CopyMessage(hello->message, "cannot read VmSize from /proc/self/status");
    return false;
  }
  hello->outside_total_pages = *vm_size * 1024 / g_page_size;
  return true;
}

}  // namespace mlc::executor
