// The runner's side of the executor: starts the fork server once, runs one
// sequence per fresh child, and turns its records into Observations.
//
//   std::string error;
//   auto executor = Executor::Start(ExecutorOptions{}, &error);
//   RunReport report = executor->Run(ops, [&](uint32_t step, const Observation& seen) {
//     return true;  // false stops reading (the child is killed)
//   });
//   // report.status: kCompleted, or how the child failed (crash, hang, seccomp)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "oracles/observation.h"
#include "oracles/op.h"
#include "runners/wire.h"

namespace mlc {

struct ExecutorOptions {
  std::string path;  // empty: mlockcheck-executor next to /proc/self/exe
  // 16 TiB: far from the non-PIE static executor (0x400000), its heap, the
  // mmap area and the stack near the top of the 47-bit address space.
  uint64_t arena_base = 0x100000000000;
  uint64_t arena_pages = 4096;
  uint32_t max_steps = 64;
  bool mlock2_enosys = false;  // seccomp makes mlock2 fail with ENOSYS
  bool thp = false;            // --thp: THP allowed, MADV_HUGEPAGE, PMD mappings observed
  // --system-counters: /proc/meminfo's Mlocked and Unevictable after every
  // step; each request waits until the previous child was reaped.
  bool system_counters = false;
  // --compaction: compact(allowed) steps (/proc/sys/vm/compact_memory).
  bool compaction = false;
  int run_timeout_ms = 20000;
};

struct ExecutorInfo {
  std::string release;
  std::string build;  // uname -v
  uint64_t page_size = 0;
  uint64_t arena_base = 0;
  uint64_t arena_pages = 0;
  uint64_t outside_lockable_pages = 0;
  uint32_t outside_vmas = 0;
  bool has_mlock2 = false;
  bool has_mcl_onfault = false;
  // What each child starts with (wire::HelloRecord).
  uint64_t outside_total_pages = 0;
  uint64_t memlock_cur = 0;
  uint64_t memlock_max = 0;
  bool cap_ipc_lock = false;
  bool cap_sys_nice = false;
  bool cap_sys_resource = false;
  bool initial_user_namespace = true;
  bool has_page_flags = false;     // pagemap PFNs and /proc/kpageflags readable
  std::string page_flags_reason;   // why not
  int secretmem_err = 0;           // errno of memfd_secret(), 0 if available
  uint32_t noexec_files = 0;       // bit f: file f is on a noexec mount (PROT_EXEC is EPERM)
  int tmpfile_err = 0;             // errno of creating the tmpfs file, 0 if available
  uint64_t heap_base = 0;          // every child's initial break (page aligned)
  bool thp = false;                // started with --thp
  int pagemap_scan_err = 0;        // --thp: errno of ioctl(PAGEMAP_SCAN), 0 if available
  uint64_t huge_page_size = 0;     // Hugepagesize in bytes, 0 without hugetlbfs
  uint64_t huge_pages_free = 0;    // HugePages_Free at start
  uint64_t huge_pages_rsvd = 0;    // HugePages_Rsvd at start
  bool memcg_reclaim = false;      // children run in their own memory cgroup (reclaim steps)
  std::string memcg_path;          // ... this one, created by the executor
  std::string memcg_reason;        // why not
  uint64_t numa_memory_nodes = 1;  // bit n: node n has memory
  bool migration = false;          // move_pages() steps run (two nodes with memory)
  bool numa_balancing = false;     // kernel.numa_balancing is on: nodes are not observed
  std::string migration_reason;    // why no migration
  bool system_counters = false;    // steps carry /proc/meminfo's Mlocked and Unevictable
  std::string system_counters_reason;  // why not, when asked for
  bool unevictable_events = false;     // ... and /proc/vmstat's unevictable_pgs_*
  bool compaction = false;             // compact() steps run
  std::string compaction_reason;       // why not, when asked for
};

enum class RunStatus {
  kCompleted,
  kStopped,        // the step sink asked to stop
  kCrashed,        // the child died by a signal
  kTimedOut,       // the child hung and was killed
  kSeccomp,        // the child made a syscall outside the allow-list
  kChildError,     // the child could not act or observe
  kExecutorLost,   // the fork server died or spoke nonsense
};
const char* RunStatusName(RunStatus status);

struct RunReport {
  RunStatus status = RunStatus::kCompleted;
  std::string detail;       // for every status but kCompleted/kStopped
  uint32_t steps_observed = 0;
  uint64_t kernel_ns = 0;   // child time inside the calls and observation reads
  uint64_t child_ns = 0;    // child time from first step to last
  uint64_t max_rss_kb = 0;  // largest executor child so far
};

// Why Start() failed: the harness itself, or nothing could run on this kernel.
enum class StartFailure { kNone, kHarness, kUnsupported };

class Executor {
 public:
  using StepSink = std::function<bool(uint32_t step, const Observation& observed)>;

  static std::unique_ptr<Executor> Start(const ExecutorOptions& options, std::string* error,
                                         StartFailure* failure = nullptr);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const ExecutorInfo& info() const { return info_; }
  const ExecutorOptions& options() const { return options_; }
  int pid() const { return pid_; }

  RunReport Run(const std::vector<wire::WireOp>& ops, const StepSink& sink);

 private:
  Executor() = default;
  enum class ReadResult { kOk, kTimeout, kClosed };
  // Reads the next record from either pipe into record_.
  ReadResult ReadRecord(int timeout_ms);
  ReadResult ReadFrom(int fd, int timeout_ms);
  bool Submit(const std::vector<wire::WireOp>& ops, RunReport* report);
  bool SendRequest(wire::RequestType type, const std::vector<wire::WireOp>& ops);
  void ReportTaken(int pid);
  RunReport Collect(const StepSink& sink);
  bool Send(const void* data, size_t size);
  void DecodeStep(Observation* out) const;
  RunReport Finish(RunReport report);
  void NoteExit(const wire::ExitRecord& exit_record);
  std::string ExecutorExitStatus();

  ExecutorOptions options_;
  ExecutorInfo info_;
  void RemoveMemcg();
  int pid_ = -1;
  int request_fd_ = -1;
  int record_fd_ = -1;   // children's run records
  int control_fd_ = -1;  // the executor's hello and exit records
  int taken_fd_ = -1;    // tells the executor which child took a request
  bool taken_reported_ = false;
  int child_pid_ = -1;
  uint32_t run_ = 0;     // the current request's id
  size_t run_steps_ = 0; // and its length
  uint64_t max_rss_kb_ = 0;
  std::vector<char> record_;
  std::vector<char> request_;
};

std::vector<wire::WireOp> ToWire(const std::vector<Op>& ops, uint64_t arena_base);

}  // namespace mlc
