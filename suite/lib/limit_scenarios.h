// Hand-written sequences for the RLIMIT_MEMLOCK and CAP_IPC_LOCK rules. Each
// drops CAP_IPC_LOCK and lowers RLIMIT_MEMLOCK (soft and hard: lowering
// needs no privilege) before its calls, so it means the same as root and as
// an ordinary user whose hard limit is at least the scenario's. The oracle
// tests assert the model's outcome at every step (limits_oracle_test.cc);
// the conformance run replays each on the kernel every time, so each limit
// errno appears in every run's coverage.
#pragma once

#include <vector>

#include "suite/lib/scenarios.h"

namespace mlc {

std::vector<Scenario> LimitScenarios();

}  // namespace mlc
