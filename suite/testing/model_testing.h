// Shared scaffolding of mlockcheck's own tests: the arena every oracle test
// uses, outcome constructors, GoogleTest printers for the oracle's records
// (so a failed EXPECT_EQ shows "{ret -1, ENOMEM, signal 0}", not "16-byte
// object"), a ModelConfig builder and a few matchers.
#pragma once

#include <gmock/gmock.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"

namespace mlc {

// GoogleTest finds printers by argument-dependent lookup: namespace mlc.
void PrintTo(const Outcome& outcome, std::ostream* os);
void PrintTo(Lock lock, std::ostream* os);
void PrintTo(Residency residency, std::ostream* os);
void PrintTo(const PageState& page, std::ostream* os);
void PrintTo(ThpState state, std::ostream* os);

namespace test {

constexpr uint64_t kPage = 4096;
// Where the oracle tests' arena lies (any page-aligned address would do).
constexpr uint64_t kBase = 0x100000000000;

inline Outcome Ok() { return {0, 0, 0}; }
inline Outcome Fails(int err) { return {-1, err, 0}; }
inline Outcome Signal(int sig) { return {0, 0, sig}; }
// The address mmap/mremap return for arena page `page`.
inline Outcome AtPage(uint64_t page) { return {static_cast<int64_t>(kBase + page * kPage), 0, 0}; }

// A simulated kernel of release `release` (its KernelProfile) with an arena
// of `arena_pages` 4 KiB pages at kBase and nothing else set: the base each
// test file's own configuration starts from.
ModelConfig BaseConfig(uint64_t arena_pages = 64, const char* release = "6.18.0");

// What every channel should show now (the last call taken to return 0).
Observation Predicted(const Model& model);

// How often `e` happened in one step.
inline uint32_t Count(const StepEffects& fx, Event e) { return fx.events[static_cast<size_t>(e)]; }

// Arena pages [first, first + count) of `model`, for matchers.
std::vector<PageState> Pages(const Model& model, uint64_t first, uint64_t count);

MATCHER_P(HasLock, lock, "") { return arg.mapped && arg.lock == lock; }
MATCHER_P(HasResidency, residency, "") { return arg.residency == residency; }
MATCHER(IsUnmapped, "") { return !arg.mapped; }

}  // namespace test
}  // namespace mlc
