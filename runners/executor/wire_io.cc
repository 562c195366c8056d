// The executor's side of the wire protocol (see wire_io.h): the pipes'
// fixed-size records of runners/wire.h read and written whole, with no
// allocation, so that the child can report from anywhere, also from a
// signal handler.
#include "runners/executor/wire_io.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runners/executor/state.h"
#include "runners/raw_syscalls.h"

namespace mlc::executor {

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const long n = raw::Write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void CopyMessage(char* dst, const char* src) {
  std::strncpy(dst, src, wire::kMaxMessage - 1);
  dst[wire::kMaxMessage - 1] = '\0';
}

[[noreturn]] void ChildFail(const char* message, int err) {
  wire::ChildErrorRecord r{};
  r.header = {wire::RecordType::kChildError, sizeof r, g_run, g_pid};
  r.step = g_step;
  r.err = err;
  CopyMessage(r.message, message);
  WriteAll(kRecordFd, &r, sizeof r);
  raw::ExitGroup(kExitChildError);
}

// Waits for this child's request straight from the runner, then announces
// itself. The runner, not the child, tells the server that the waiting
// child is taken (wire::kTakenFd), so the child's start wakes nobody.
wire::RequestHeader ReceiveRequest() {
  wire::RequestHeader req;
  if (!ReadAll(kRequestFd, &req, sizeof req) || req.magic != wire::kMagic ||
      req.type == wire::RequestType::kQuit) {
    raw::ExitGroup(kExitNoRequest);
  }
  g_run = req.run;
  if (req.op_count > g_config.max_steps) ChildFail("request longer than --max-steps", 0);
  if (req.type == wire::RequestType::kRun &&
      !ReadAll(kRequestFd, g_ops, req.op_count * sizeof(wire::WireOp))) {
    ChildFail("short request", 0);
  }
  if (g_setup_error != nullptr) ChildFail(g_setup_error, g_setup_errno);
  wire::StartedRecord started{};
  started.header = {wire::RecordType::kStarted, sizeof started, g_run, g_pid};
  if (!WriteAll(kRecordFd, &started, sizeof started)) raw::ExitGroup(kExitChildError);
  return req;
}

// Reports the exit of a child that took a request on the control pipe.
bool ReportExit(uint32_t run, int status) {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  wire::ExitRecord exit_record{};
  exit_record.header = {wire::RecordType::kExit, sizeof exit_record, run, 0};
  exit_record.wait_status = status;
  exit_record.max_rss_kb = static_cast<uint64_t>(usage.ru_maxrss);
  return WriteAll(kControlFd, &exit_record, sizeof exit_record);
}

}  // namespace mlc::executor
