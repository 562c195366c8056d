// The executor's side of the wire protocol (runners/wire.h): whole reads and
// writes of the pipes, the records a child writes when it fails or starts,
// the request a waiting child reads, and the exit records the server writes.
// Allocation-free: the child calls them between acting and observing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runners/wire.h"

namespace mlc::executor {

bool WriteAll(int fd, const void* data, size_t size);
bool ReadAll(int fd, void* data, size_t size);
// Copies a message into a record's fixed-size, NUL-terminated field.
void CopyMessage(char* dst, const char* src);
// Reports a child's failure at its current step (kChildError) and exits.
[[noreturn]] void ChildFail(const char* message, int err);
// Waits for this child's request straight from the runner, then announces
// itself (kStarted).
wire::RequestHeader ReceiveRequest();
// Reports the exit of a child that took a request on the control pipe.
bool ReportExit(uint32_t run, int status);

}  // namespace mlc::executor
