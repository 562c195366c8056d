// What a run exercised: how often each operation, each outcome, each lock
// transition and each notable event occurred, so nobody has to guess.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "oracles/model.h"
#include "oracles/op.h"

namespace mlc {

class Coverage {
 public:
  void Add(const Op& op, const Outcome& outcome, const StepEffects& effects);
  // The sequence whose steps were just added ended: each event it reached
  // counts once more in EventReach().
  void EndSequence();
  // Lines of "name count", grouped, for the summary and for KTAP diagnostics.
  void Print(std::ostream& os, const char* line_prefix) const;
  uint64_t steps() const { return steps_; }
  uint64_t OpCount(OpKind kind) const { return ops_[static_cast<size_t>(kind)]; }
  uint64_t OutcomeCount(const std::string& key) const;
  uint64_t TransitionCount(Lock from, Lock to) const;
  uint64_t EventCount(Event e) const { return events_[static_cast<size_t>(e)]; }
  // Sequences that reached `e` at least once: the reach of its rule.
  uint64_t EventReach(Event e) const { return reach_[static_cast<size_t>(e)]; }
  // A gate this run has closed (the kernel lacks the feature, or the run
  // leaves it out): the 0 of every event that needs it (oracles/events.h)
  // is printed with the reason.
  void CloseGate(Gate gate, const std::string& why) { closed_[gate] = why; }
  // Why `e` cannot happen in this run, or nullptr.
  const std::string* UnreachableReason(Event e) const;

  // The counts as text, one "kind name<TAB>count[<TAB>reach]" line each, for
  // a run's results file (suite/lib/run_results.h); AddSaved() adds such a
  // text to these counts, so the parts of a run --jobs or of sharded runs
  // print one summary. False with *why for a line it does not know.
  std::string Save() const;
  bool AddSaved(const std::string& text, std::string* why);

 private:
  uint64_t steps_ = 0;
  std::array<uint64_t, kOpKindCount> ops_{};
  std::map<std::string, uint64_t> outcomes_;  // "mlock -> ENOMEM"
  std::array<std::array<uint64_t, 3>, 3> transitions_{};  // pages, [from][to]
  std::array<uint64_t, static_cast<size_t>(Event::kCount)> events_{};
  std::array<uint64_t, static_cast<size_t>(Event::kCount)> reach_{};
  std::array<bool, static_cast<size_t>(Event::kCount)> in_sequence_{};
  std::map<Gate, std::string> closed_;
};

}  // namespace mlc
