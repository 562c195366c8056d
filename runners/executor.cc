#include "runners/executor.h"
#include "runners/host.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "runners/seccomp_policy.h"

namespace mlc {
namespace {

constexpr int kStartTimeoutMs = 10000;
constexpr int kSpinMicroseconds = 2000;

std::string DefaultExecutorPath() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "mlockcheck-executor";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "mlockcheck-executor";
}

std::string SignalName(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

int64_t MillisecondsLeft(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::steady_clock::now())
      .count();
}

const wire::RecordHeader& HeaderOf(const std::vector<char>& record) {
  return *reinterpret_cast<const wire::RecordHeader*>(record.data());
}

template <typename Record>
const Record& As(const std::vector<char>& record) {
  return *reinterpret_cast<const Record*>(record.data());
}

}  // namespace

const char* RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted: return "completed";
    case RunStatus::kStopped: return "stopped";
    case RunStatus::kCrashed: return "crashed";
    case RunStatus::kTimedOut: return "hang";
    case RunStatus::kSeccomp: return "seccomp violation";
    case RunStatus::kChildError: return "executor error";
    case RunStatus::kExecutorLost: return "executor lost";
  }
  return "?";
}

std::unique_ptr<Executor> Executor::Start(const ExecutorOptions& options, std::string* error,
                                          StartFailure* failure) {
  StartFailure ignored;
  if (failure == nullptr) failure = &ignored;
  *failure = StartFailure::kHarness;
  std::unique_ptr<Executor> ex(new Executor());
  ex->options_ = options;
  const std::string path = options.path.empty() ? DefaultExecutorPath() : options.path;
  if (access(path.c_str(), X_OK) != 0) {
    *error = "cannot find the executor at " + path;
    return nullptr;
  }
  // A dead executor must show up as an error from write(), not kill us.
  signal(SIGPIPE, SIG_IGN);
  int request[2], record[2], control[2], taken[2];
  if (pipe2(request, O_CLOEXEC) != 0 || pipe2(record, O_CLOEXEC) != 0 ||
      pipe2(control, O_CLOEXEC) != 0 || pipe2(taken, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  const std::string base = std::to_string(options.arena_base);
  const std::string pages = std::to_string(options.arena_pages);
  const std::string steps = std::to_string(options.max_steps);
  std::vector<const char*> argv = {path.c_str(),  "--arena-base", base.c_str(), "--arena-pages",
                                   pages.c_str(), "--max-steps",  steps.c_str()};
  if (options.mlock2_enosys) argv.push_back("--mlock2-enosys");
  if (options.thp) argv.push_back("--thp");
  if (options.system_counters) argv.push_back("--system-counters");
  if (options.compaction) argv.push_back("--compaction");
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    // dup2 clears FD_CLOEXEC on the target, but dup2(fd, fd) changes
    // nothing, so move the ends out of the way first.
    const int req = fcntl(request[0], F_DUPFD_CLOEXEC, 10);
    const int rec = fcntl(record[1], F_DUPFD_CLOEXEC, 10);
    const int ctl = fcntl(control[1], F_DUPFD_CLOEXEC, 10);
    const int tkn = fcntl(taken[0], F_DUPFD_CLOEXEC, 10);
    if (req < 0 || rec < 0 || ctl < 0 || tkn < 0 || dup2(req, wire::kRequestFd) < 0 ||
        dup2(rec, wire::kRecordFd) < 0 || dup2(ctl, wire::kControlFd) < 0 ||
        dup2(tkn, wire::kTakenFd) < 0) {
      _exit(127);
    }
    execv(path.c_str(), const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(request[0]);
  close(record[1]);
  close(control[1]);
  close(taken[0]);
  ex->taken_fd_ = taken[1];
  ex->pid_ = pid;
  ex->request_fd_ = request[1];
  ex->record_fd_ = record[0];
  ex->control_fd_ = control[0];

  if (ex->ReadFrom(ex->control_fd_, kStartTimeoutMs) != ReadResult::kOk ||
      HeaderOf(ex->record_).type != wire::RecordType::kHello) {
    *error = "the executor did not start (" + path + ")";
    return nullptr;
  }
  const auto& hello = As<wire::HelloRecord>(ex->record_);
  if (hello.status != wire::HelloStatus::kOk) {
    *error = hello.message;
    // A kernel without smaps cannot be observed at all (kselftest skip).
    if (hello.status == wire::HelloStatus::kUnsupported) *failure = StartFailure::kUnsupported;
    return nullptr;
  }
  ExecutorInfo& info = ex->info_;
  info.release = hello.release;
  info.build = hello.build;
  info.page_size = hello.page_size;
  info.arena_base = hello.arena_base;
  info.arena_pages = hello.arena_pages;
  info.outside_lockable_pages = hello.outside_lockable_pages;
  info.outside_vmas = hello.outside_vmas;
  info.outside_total_pages = hello.outside_total_pages;
  info.memlock_cur = hello.memlock_cur;
  info.memlock_max = hello.memlock_max;
  info.cap_ipc_lock = hello.cap_ipc_lock != 0;
  info.cap_sys_nice = hello.cap_sys_nice != 0;
  info.cap_sys_resource = hello.cap_sys_resource != 0;
  info.initial_user_namespace = hello.initial_user_namespace != 0;
  info.has_page_flags = hello.page_flags != 0;
  info.numa_memory_nodes = hello.numa_memory_nodes;
  info.migration = hello.migration != 0;
  info.numa_balancing = hello.numa_balancing != 0;
  info.migration_reason = hello.migration_reason;
  info.system_counters = hello.system_counters != 0;
  info.system_counters_reason = hello.system_counters_reason;
  info.unevictable_events = hello.unevictable_events != 0;
  info.compaction = hello.compaction != 0;
  info.compaction_reason = hello.compaction_reason;
  info.page_flags_reason = hello.page_flags_reason;
  info.secretmem_err = hello.secretmem_err;
  info.noexec_files = hello.noexec_files;
  info.tmpfile_err = hello.tmpfile_err;
  info.memcg_reclaim = hello.memcg_reclaim != 0;
  info.memcg_path = std::string(hello.memcg_path, strnlen(hello.memcg_path, sizeof hello.memcg_path));
  info.memcg_reason = std::string(hello.memcg_reason, strnlen(hello.memcg_reason, sizeof hello.memcg_reason));
  info.heap_base = hello.heap_base;
  info.thp = hello.thp != 0;
  info.pagemap_scan_err = hello.pagemap_scan_err;
  info.huge_page_size = hello.huge_page_size;
  info.huge_pages_free = hello.huge_pages_free;
  info.huge_pages_rsvd = hello.huge_pages_rsvd;

  // Feature probe, in a child under the same filter as every run.
  if (!ex->SendRequest(wire::RequestType::kProbe, {})) {
    *error = "cannot talk to the executor";
    return nullptr;
  }
  for (;;) {
    if (ex->ReadRecord(kStartTimeoutMs) != ReadResult::kOk) {
      *error = "the executor's feature probe did not finish";
      return nullptr;
    }
    const auto& header = HeaderOf(ex->record_);
    if (header.run == ex->run_) ex->ReportTaken(header.pid);
    if (header.type == wire::RecordType::kProbe) {
      const auto& p = As<wire::ProbeRecord>(ex->record_);
      info.has_mlock2 = p.mlock2_err != ENOSYS;
      // Without CAP_IPC_LOCK and a zero limit the valid flags get EPERM,
      // which mlockall() checks after the flags (mm/mlock.c).
      info.has_mcl_onfault = p.mcl_onfault_err == 0 || p.mcl_onfault_err == EPERM;
      break;
    }
    if (header.type == wire::RecordType::kChildError) {
      *error = std::string("feature probe: ") + As<wire::ChildErrorRecord>(ex->record_).message;
      return nullptr;
    }
    if (header.type == wire::RecordType::kExit) {
      *error = "the executor's feature probe reported nothing";
      return nullptr;
    }
  }
  *failure = StartFailure::kNone;
  return ex;
}

Executor::~Executor() {
  if (request_fd_ >= 0) {
    wire::RequestHeader quit;
    quit.type = wire::RequestType::kQuit;
    Send(&quit, sizeof quit);
    close(request_fd_);
  }

  if (record_fd_ >= 0) close(record_fd_);
  if (control_fd_ >= 0) close(control_fd_);
  if (taken_fd_ >= 0) close(taken_fd_);
  if (pid_ > 0) {
    int status;
    // The server exits on quit or EOF; do not leave it behind either way.
    bool exited = false;
    for (int i = 0; i < 100 && !exited; ++i) {
      exited = waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) usleep(10000);
    }
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  RemoveMemcg();
}

// The executor removes its cgroup as it ends; if it was killed first, the
// group is removed here, once its last child has left it.
void Executor::RemoveMemcg() {
  if (info_.memcg_path.empty()) return;
  for (int i = 0; i < 100; ++i) {
    if (rmdir(info_.memcg_path.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    usleep(10000);
  }
}

bool Executor::Send(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = write(request_fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads one whole record from `fd`. Records are written with one write()
// each, but a large one may arrive in pieces.
Executor::ReadResult Executor::ReadFrom(int fd, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto read_exact = [&](char* dst, size_t size) -> ReadResult {
    while (size > 0) {
      pollfd pfd{fd, POLLIN, 0};
      const int64_t left = MillisecondsLeft(deadline);
      if (left <= 0) return ReadResult::kTimeout;
      const int ready = poll(&pfd, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return ReadResult::kTimeout;
      const ssize_t n = read(fd, dst, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ReadResult::kClosed;
      dst += n;
      size -= static_cast<size_t>(n);
    }
    return ReadResult::kOk;
  };
  wire::RecordHeader header;
  const ReadResult r = read_exact(reinterpret_cast<char*>(&header), sizeof header);
  if (r != ReadResult::kOk) return r;
  if (header.size < sizeof header || header.size > (64u << 20)) return ReadResult::kClosed;
  if (record_.size() < header.size) record_.resize(header.size);
  std::memcpy(record_.data(), &header, sizeof header);
  return read_exact(record_.data() + sizeof header, header.size - sizeof header);
}

// The next record from whichever pipe has one; run records first, so that a
// child's last records are read before the executor's report of its exit.
//
// While a run is in flight the next record is usually microseconds away, so
// this polls without sleeping for a short while first: a child writing to a
// pipe nobody sleeps on wakes no one, and on virtual machines a cross-CPU
// wake-up costs more than the observation it reports.
Executor::ReadResult Executor::ReadRecord(int timeout_ms) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  // Only with a CPU to spare: a process pinned to one CPU (a job of run
  // --jobs, or of bench) would spin on the CPU its child needs.
  static const bool spare_cpu = AllowedCpus().size() > 1;
  const auto spin_until = start + std::chrono::microseconds(spare_cpu ? kSpinMicroseconds : 0);
  for (;;) {
    pollfd pfds[2] = {{record_fd_, POLLIN, 0}, {control_fd_, POLLIN, 0}};
    const auto now = std::chrono::steady_clock::now();
    const int64_t left = MillisecondsLeft(deadline);
    if (left <= 0) return ReadResult::kTimeout;
    const bool spin = now < spin_until;
    const int ready = poll(pfds, 2, spin ? 0 : static_cast<int>(left));
    if (ready == 0 && spin) {
      sched_yield();
      continue;
    }
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return ReadResult::kTimeout;
    if (ready < 0) return ReadResult::kClosed;
    if (pfds[0].revents & POLLIN) return ReadFrom(record_fd_, static_cast<int>(left));
    if (pfds[1].revents & POLLIN) {
      // poll() looks at the pipes one after the other (fs/select.c
      // do_poll()): between its look at the record pipe and its look at the
      // control pipe, a child on another CPU may have written its last
      // records and exited, and the server reported the exit. The exit
      // record was written after those records, so a second look now sees
      // them. (Seen with two CPUs under qemu TCG, where this process can
      // stall between the two looks: "executor child exited with status 0
      // after step 2" of a 3-step run that had completed.)
      pollfd again{record_fd_, POLLIN, 0};
      if (poll(&again, 1, 0) == 1 && (again.revents & POLLIN)) return ReadFrom(record_fd_, static_cast<int>(left));
      return ReadFrom(control_fd_, static_cast<int>(left));
    }
    return ReadResult::kClosed;  // both hung up: the executor is gone
  }
}

std::string Executor::ExecutorExitStatus() {
  int status = 0;
  if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return "";
  pid_ = -1;
  if (WIFSIGNALED(status)) return " (killed by " + SignalName(WTERMSIG(status)) + ")";
  return " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
}

void Executor::NoteExit(const wire::ExitRecord& exit_record) {
  max_rss_kb_ = std::max(max_rss_kb_, exit_record.max_rss_kb);
}

RunReport Executor::Run(const std::vector<wire::WireOp>& ops, const StepSink& sink) {
  RunReport report;
  if (!Submit(ops, &report)) return report;
  return Collect(sink);
}

bool Executor::Submit(const std::vector<wire::WireOp>& ops, RunReport* report) {
  if (ops.size() > options_.max_steps) {
    report->status = RunStatus::kChildError;
    report->detail = "sequence longer than the executor's --max-steps";
    return false;
  }
  if (!SendRequest(wire::RequestType::kRun, ops)) {
    report->status = RunStatus::kExecutorLost;
    report->detail = "cannot send the sequence to the executor" + ExecutorExitStatus();
    return false;
  }
  return true;
}

bool Executor::SendRequest(wire::RequestType type, const std::vector<wire::WireOp>& ops) {
  wire::RequestHeader req;
  req.type = type;
  req.op_count = static_cast<uint32_t>(ops.size());
  req.run = ++run_;
  run_steps_ = ops.size();
  child_pid_ = -1;
  taken_reported_ = false;
  // One write, so the waiting child usually wakes once and reads it all.
  request_.resize(sizeof req + ops.size() * sizeof(wire::WireOp));
  std::memcpy(request_.data(), &req, sizeof req);
  if (!ops.empty()) std::memcpy(request_.data() + sizeof req, ops.data(), ops.size() * sizeof(wire::WireOp));
  return Send(request_.data(), request_.size());
}

// Tells the executor that its waiting child `pid` took the current request,
// on the first record of the run: from here, where the wake-up costs nothing
// on the child's path.
void Executor::ReportTaken(int pid) {
  if (taken_reported_ || pid <= 0) return;
  const wire::TakenMessage message{run_, pid};
  taken_reported_ = write(taken_fd_, &message, sizeof message) == sizeof message;
}

RunReport Executor::Collect(const StepSink& sink) {
  RunReport report;
  Observation observed;
  std::shared_ptr<Observation> fork_child;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.run_timeout_ms);
  for (;;) {
    const ReadResult r = ReadRecord(static_cast<int>(std::max<int64_t>(MillisecondsLeft(deadline), 0)));
    if (r == ReadResult::kTimeout) {
      report.status = RunStatus::kTimedOut;
      report.detail = "no progress within " + std::to_string(options_.run_timeout_ms) +
                      " ms after step " + std::to_string(report.steps_observed);
      if (child_pid_ > 0) kill(child_pid_, SIGKILL);
      return Finish(report);
    }
    if (r == ReadResult::kClosed) {
      report.status = RunStatus::kExecutorLost;
      report.detail = "the executor closed its pipes" + ExecutorExitStatus();
      return report;
    }
    const auto& header = HeaderOf(record_);
    if (header.type == wire::RecordType::kExit) NoteExit(As<wire::ExitRecord>(record_));
    if (header.run != run_) continue;  // an earlier run's exit, reaped late
    ReportTaken(header.pid);
    switch (header.type) {
      case wire::RecordType::kStarted:
        child_pid_ = header.pid;
        break;
      case wire::RecordType::kForkChildStep:
        // The fork child's view comes first; the parent's step record, which
        // follows once it reaped the child, carries it.
        fork_child = std::make_shared<Observation>();
        DecodeStep(fork_child.get());
        break;
      case wire::RecordType::kStep:
        DecodeStep(&observed);
        observed.fork_child = std::move(fork_child);
        fork_child.reset();
        ++report.steps_observed;
        if (report.status == RunStatus::kCompleted && !sink(report.steps_observed - 1, observed)) {
          report.status = RunStatus::kStopped;
          if (child_pid_ > 0) kill(child_pid_, SIGKILL);
          return Finish(report);
        }
        break;
      case wire::RecordType::kDone: {
        // The child's last act is exit_group(0); its exit record can arrive
        // during the next run.
        const auto& done = As<wire::DoneRecord>(record_);
        report.kernel_ns = done.kernel_ns;
        report.child_ns = done.child_ns;
        report.max_rss_kb = max_rss_kb_;
        if (report.status == RunStatus::kCompleted && report.steps_observed != run_steps_) {
          report.status = RunStatus::kChildError;
          report.detail = "executor child reported " + std::to_string(report.steps_observed) + " of " +
                          std::to_string(run_steps_) + " steps";
        }
        // --system-counters: the next sequence starts from the counters
        // once this child's mm is gone (exit_mmap() runs before the
        // executor can reap it), so wait for its exit record.
        if (options_.system_counters && info_.system_counters) return Finish(report);
        return report;
      }
      case wire::RecordType::kSeccomp: {
        const auto& s = As<wire::SeccompRecord>(record_);
        report.status = RunStatus::kSeccomp;
        report.detail = "executor made syscall " + SyscallName(s.syscall_nr) + " at step " +
                        std::to_string(s.step);
        break;
      }
      case wire::RecordType::kChildError: {
        const auto& e = As<wire::ChildErrorRecord>(record_);
        report.status = RunStatus::kChildError;
        report.detail = std::string(e.message) + " at step " + std::to_string(e.step) +
                        (e.err ? std::string(" (") + std::strerror(e.err) + ")" : "");
        break;
      }
      case wire::RecordType::kExit: {
        // The child died without finishing.
        const int status = As<wire::ExitRecord>(record_).wait_status;
        if (report.status == RunStatus::kCompleted) {
          if (WIFSIGNALED(status)) {
            report.status = RunStatus::kCrashed;
            report.detail = "executor child killed by " + SignalName(WTERMSIG(status)) +
                            " after step " + std::to_string(report.steps_observed);
          } else {
            report.status = RunStatus::kChildError;
            report.detail = "executor child exited with status " +
                            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                            " after step " + std::to_string(report.steps_observed);
          }
        }
        report.max_rss_kb = max_rss_kb_;
        child_pid_ = -1;
        return report;
      }
      default:
        report.status = RunStatus::kExecutorLost;
        report.detail = "unexpected record from the executor";
        return report;
    }
  }
}

// After killing a child, waits for the executor to reap it so that the next
// run starts clean.
RunReport Executor::Finish(RunReport report) {
  for (;;) {
    if (ReadRecord(kStartTimeoutMs) != ReadResult::kOk) {
      report.detail += "; the executor did not reap the child";
      return report;
    }
    const auto& header = HeaderOf(record_);
    if (header.type == wire::RecordType::kExit) {
      NoteExit(As<wire::ExitRecord>(record_));
      if (header.run == run_) {
        child_pid_ = -1;
        report.max_rss_kb = max_rss_kb_;
        return report;
      }
    }
  }
}

}  // namespace mlc
