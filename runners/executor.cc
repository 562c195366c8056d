#include "runners/executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "runners/seccomp_policy.h"

namespace mlc {
namespace {

constexpr int kHelloTimeoutMs = 10000;

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

std::vector<wire::WireOp> ToWire(const std::vector<Op>& ops, uint64_t arena_base) {
  std::vector<wire::WireOp> out;
  out.reserve(ops.size());
  for (const Op& op : ops) {
    wire::WireOp w;
    w.kind = static_cast<uint32_t>(op.kind);
    w.prot = op.prot;
    w.flags = op.flags;
    w.addr = AbsoluteAddress(op, arena_base);
    w.len = op.len;
    out.push_back(w);
  }
  return out;
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
  int request[2], record[2];
  // A dead executor must show up as an error from write(), not kill us.
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(request, O_CLOEXEC) != 0 || pipe2(record, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  const std::string base = std::to_string(options.arena_base);
  const std::string pages = std::to_string(options.arena_pages);
  const std::string steps = std::to_string(options.max_steps);
  std::vector<const char*> argv = {path.c_str(),    "--arena-base", base.c_str(), "--arena-pages",
                                   pages.c_str(),   "--max-steps",  steps.c_str()};
  if (options.mlock2_enosys) argv.push_back("--mlock2-enosys");
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    // dup2 clears FD_CLOEXEC on the target, but dup2(fd, fd) changes
    // nothing, so move both ends out of the way first.
    const int req = fcntl(request[0], F_DUPFD_CLOEXEC, 10);
    const int rec = fcntl(record[1], F_DUPFD_CLOEXEC, 10);
    if (req < 0 || rec < 0 || dup2(req, 3) < 0 || dup2(rec, 4) < 0) _exit(127);
    execv(path.c_str(), const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(request[0]);
  close(record[1]);
  ex->pid_ = pid;
  ex->request_fd_ = request[1];
  ex->record_fd_ = record[0];

  if (ex->ReadRecord(kHelloTimeoutMs) != ReadResult::kOk) {
    *error = "the executor did not start (" + path + ")";
    return nullptr;
  }
  const auto* hello = reinterpret_cast<const wire::HelloRecord*>(ex->record_.data());
  if (hello->header.type != wire::RecordType::kHello) {
    *error = "the executor sent no greeting";
    return nullptr;
  }
  if (!hello->ok) {
    *error = hello->message;
    // A kernel without smaps cannot be observed at all (kselftest skip).
    if (std::strstr(hello->message, "smaps") != nullptr) *failure = StartFailure::kUnsupported;
    return nullptr;
  }
  ExecutorInfo& info = ex->info_;
  info.release = hello->release;
  info.page_size = hello->page_size;
  info.arena_base = hello->arena_base;
  info.arena_pages = hello->arena_pages;
  info.outside_lockable_pages = hello->outside_lockable_pages;
  info.outside_vmas = hello->outside_vmas;

  // Feature probe, in a child under the same filter as every run.
  wire::RequestHeader probe;
  probe.type = wire::RequestType::kProbe;
  if (!ex->Send(&probe, sizeof probe)) {
    *error = "cannot talk to the executor";
    return nullptr;
  }
  bool probed = false;
  for (;;) {
    if (ex->ReadRecord(kHelloTimeoutMs) != ReadResult::kOk) {
      *error = "the executor's feature probe did not finish";
      return nullptr;
    }
    const auto* header = reinterpret_cast<const wire::RecordHeader*>(ex->record_.data());
    if (header->type == wire::RecordType::kProbe) {
      const auto* p = reinterpret_cast<const wire::ProbeRecord*>(ex->record_.data());
      info.has_mlock2 = p->mlock2_err != ENOSYS;
      info.has_mcl_onfault = p->mcl_onfault_err == 0;
      probed = true;
    } else if (header->type == wire::RecordType::kChildError) {
      *error = std::string("feature probe: ") +
               reinterpret_cast<const wire::ChildErrorRecord*>(ex->record_.data())->message;
      return nullptr;
    } else if (header->type == wire::RecordType::kExit) {
      break;
    }
  }
  if (!probed) {
    *error = "the executor's feature probe reported nothing";
    return nullptr;
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
  if (pid_ > 0) {
    int status;
    // The server exits on quit or EOF; do not leave it behind either way.
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) return;
      usleep(10000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
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

Executor::ReadResult Executor::ReadRecord(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto read_exact = [&](char* dst, size_t size) -> ReadResult {
    while (size > 0) {
      pollfd pfd{record_fd_, POLLIN, 0};
      const int64_t left = MillisecondsLeft(deadline);
      if (left <= 0) return ReadResult::kTimeout;
      const int ready = poll(&pfd, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return ReadResult::kTimeout;
      const ssize_t n = read(record_fd_, dst, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ReadResult::kClosed;
      dst += n;
      size -= static_cast<size_t>(n);
    }
    return ReadResult::kOk;
  };
  wire::RecordHeader header;
  ReadResult r = read_exact(reinterpret_cast<char*>(&header), sizeof header);
  if (r != ReadResult::kOk) return r;
  if (header.size < sizeof header || header.size > (64u << 20)) return ReadResult::kClosed;
  if (record_.size() < header.size) record_.resize(header.size);
  std::memcpy(record_.data(), &header, sizeof header);
  return read_exact(record_.data() + sizeof header, header.size - sizeof header);
}

void Executor::DecodeStep(Observation* out) const {
  const auto* rec = reinterpret_cast<const wire::StepRecord*>(record_.data());
  const auto* vmas = reinterpret_cast<const wire::WireVma*>(record_.data() + sizeof(wire::StepRecord));
  const auto* bitmap = reinterpret_cast<const unsigned char*>(vmas + rec->vma_count);
  const size_t pages = info_.arena_pages;
  out->outcome = {rec->ret, rec->err, rec->signal};
  out->page_bits.assign(pages, 0);
  out->resident.resize(pages);
  for (uint32_t i = 0; i < rec->vma_count; ++i) {
    const size_t end = std::min<size_t>(pages, size_t{vmas[i].first_page} + vmas[i].pages);
    for (size_t p = vmas[i].first_page; p < end; ++p) out->page_bits[p] = static_cast<uint8_t>(vmas[i].bits);
  }
  for (size_t p = 0; p < pages; ++p) out->resident[p] = (bitmap[p / 8] >> (p % 8)) & 1;
  out->rss_kb = rec->rss_kb;
  out->locked_kb = rec->locked_kb;
  out->vmlck_kb = rec->vmlck_kb;
  out->lo_vma_kb = rec->lo_vma_kb;
}

RunReport Executor::Run(const std::vector<wire::WireOp>& ops, const StepSink& sink) {
  RunReport report;
  if (ops.size() > options_.max_steps) {
    report.status = RunStatus::kChildError;
    report.detail = "sequence longer than the executor's --max-steps";
    return report;
  }
  wire::RequestHeader req;
  req.type = wire::RequestType::kRun;
  req.op_count = static_cast<uint32_t>(ops.size());
  if (!Send(&req, sizeof req) || !Send(ops.data(), ops.size() * sizeof(wire::WireOp))) {
    report.status = RunStatus::kExecutorLost;
    report.detail = "cannot send the sequence to the executor";
    return report;
  }
  child_pid_ = -1;
  Observation observed;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.run_timeout_ms);
  for (;;) {
    const int64_t left = MillisecondsLeft(deadline);
    const ReadResult r = ReadRecord(static_cast<int>(std::max<int64_t>(left, 0)));
    if (r == ReadResult::kTimeout) {
      report.status = RunStatus::kTimedOut;
      report.detail = "no progress within " + std::to_string(options_.run_timeout_ms) +
                      " ms after step " + std::to_string(report.steps_observed);
      if (child_pid_ > 0) kill(child_pid_, SIGKILL);
      return Finish(report, kHelloTimeoutMs);
    }
    if (r == ReadResult::kClosed) {
      report.status = RunStatus::kExecutorLost;
      report.detail = "the executor closed its pipe";
      return report;
    }
    const auto* header = reinterpret_cast<const wire::RecordHeader*>(record_.data());
    switch (header->type) {
      case wire::RecordType::kStarted:
        child_pid_ = reinterpret_cast<const wire::StartedRecord*>(record_.data())->pid;
        break;
      case wire::RecordType::kStep:
        DecodeStep(&observed);
        ++report.steps_observed;
        if (report.status == RunStatus::kCompleted && !sink(report.steps_observed - 1, observed)) {
          report.status = RunStatus::kStopped;
          if (child_pid_ > 0) kill(child_pid_, SIGKILL);
        }
        break;
      case wire::RecordType::kDone: {
        const auto* done = reinterpret_cast<const wire::DoneRecord*>(record_.data());
        report.kernel_ns = done->kernel_ns;
        report.child_ns = done->child_ns;
        break;
      }
      case wire::RecordType::kSeccomp: {
        const auto* s = reinterpret_cast<const wire::SeccompRecord*>(record_.data());
        report.status = RunStatus::kSeccomp;
        report.detail = "executor made syscall " + SyscallName(s->syscall_nr) + " at step " +
                        std::to_string(s->step);
        break;
      }
      case wire::RecordType::kChildError: {
        const auto* e = reinterpret_cast<const wire::ChildErrorRecord*>(record_.data());
        report.status = RunStatus::kChildError;
        report.detail = std::string(e->message) + " at step " + std::to_string(e->step) +
                        (e->err ? std::string(" (") + std::strerror(e->err) + ")" : "");
        break;
      }
      case wire::RecordType::kExit: {
        const auto* x = reinterpret_cast<const wire::ExitRecord*>(record_.data());
        report.max_rss_kb = x->max_rss_kb;
        const int status = x->wait_status;
        if (report.status == RunStatus::kCompleted || report.status == RunStatus::kStopped) {
          if (WIFSIGNALED(status) && report.status != RunStatus::kStopped) {
            report.status = RunStatus::kCrashed;
            report.detail = "executor child killed by " + SignalName(WTERMSIG(status)) +
                            " after step " + std::to_string(report.steps_observed);
          } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
            report.status = RunStatus::kChildError;
            report.detail = "executor child exited with status " + std::to_string(WEXITSTATUS(status));
          } else if (report.status == RunStatus::kCompleted && report.steps_observed != ops.size()) {
            report.status = RunStatus::kChildError;
            report.detail = "executor child reported " + std::to_string(report.steps_observed) +
                            " of " + std::to_string(ops.size()) + " steps";
          }
        }
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

// After killing a hung child, waits for the server's exit record so the next
// run starts clean.
RunReport Executor::Finish(RunReport report, int timeout_ms) {
  for (;;) {
    if (ReadRecord(timeout_ms) != ReadResult::kOk) {
      report.detail += "; the executor did not reap the child";
      return report;
    }
    if (reinterpret_cast<const wire::RecordHeader*>(record_.data())->type == wire::RecordType::kExit) {
      child_pid_ = -1;
      return report;
    }
  }
}

}  // namespace mlc
