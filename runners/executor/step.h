// The child's step loop: each op of the request executed, then observed
// (runners/executor/observe.h) and reported, with the signal handlers the
// steps need.
#pragma once

#include <signal.h>

#include <cstdint>

namespace mlc::executor {

// The SIGSYS handler: reports the trapped call (kSeccomp) and exits.
void OnSeccompTrap(int, siginfo_t* info, void*);
// Installs the one-shot SIGSEGV/SIGBUS handlers of the touches.
void ArmTouchHandlers();
// Runs the request's `op_count` ops (g_ops), each observed and reported,
// then reports kDone and exits.
[[noreturn]] void RunChild(uint32_t op_count);

}  // namespace mlc::executor
