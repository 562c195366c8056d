#include "suite/lib/coverage.h"

#include <iomanip>

namespace mlc {
namespace {

std::string OutcomeKey(const Op& op, const Outcome& outcome) {
  std::string key = std::string(OpKindName(op.kind)) + " -> ";
  if (outcome.signal != 0) {
    return key + (outcome.signal == uapi::kSigsegv  ? "SIGSEGV"
                  : outcome.signal == uapi::kSigbus ? "SIGBUS"
                                                    : "signal");
  }
  if (outcome.ret == -1) return key + ErrnoName(outcome.err);
  return key + "ok";
}

}  // namespace

void Coverage::Add(const Op& op, const Outcome& outcome, const StepEffects& effects) {
  ++steps_;
  ++ops_[static_cast<size_t>(op.kind)];
  ++outcomes_[OutcomeKey(op, outcome)];
  for (size_t from = 0; from < 3; ++from) {
    for (size_t to = 0; to < 3; ++to) {
      if (from != to) transitions_[from][to] += effects.lock_transitions[from][to];
    }
  }
  for (size_t e = 0; e < events_.size(); ++e) {
    events_[e] += effects.events[e];
    in_sequence_[e] = in_sequence_[e] || effects.events[e] > 0;
  }
}

void Coverage::EndSequence() {
  for (size_t e = 0; e < reach_.size(); ++e) {
    reach_[e] += in_sequence_[e];
    in_sequence_[e] = false;
  }
}

uint64_t Coverage::OutcomeCount(const std::string& key) const {
  const auto it = outcomes_.find(key);
  return it == outcomes_.end() ? 0 : it->second;
}

uint64_t Coverage::TransitionCount(Lock from, Lock to) const {
  return transitions_[static_cast<size_t>(from)][static_cast<size_t>(to)];
}

void Coverage::Print(std::ostream& os, const char* p) const {
  os << p << "coverage over " << steps_ << " steps\n";
  os << p << "  operations:\n";
  for (int k = 0; k < kOpKindCount; ++k) {
    os << p << "    " << std::left << std::setw(34) << OpKindName(static_cast<OpKind>(k))
       << std::right << std::setw(9) << ops_[static_cast<size_t>(k)] << "\n";
  }
  os << p << "  outcomes:\n";
  for (const auto& [key, count] : outcomes_) {
    os << p << "    " << std::left << std::setw(34) << key << std::right << std::setw(9) << count
       << "\n";
  }
  os << p << "  lock transitions (pages):\n";
  for (size_t from = 0; from < 3; ++from) {
    for (size_t to = 0; to < 3; ++to) {
      if (from == to) continue;
      const std::string name = std::string(LockName(static_cast<Lock>(from))) + " -> " +
                               LockName(static_cast<Lock>(to));
      os << p << "    " << std::left << std::setw(34) << name << std::right << std::setw(9)
         << transitions_[from][to] << "\n";
    }
  }
  os << p << "  events, by rule family (oracles/events.h has each one's source); steps, and the sequences\n"
     << p << "  that reached the rule:\n";
  for (int f = 0; f <= static_cast<int>(Family::kCompaction); ++f) {
    os << p << "   " << FamilyName(static_cast<Family>(f)) << ":\n";
    for (size_t e = 0; e < events_.size(); ++e) {
      const Event event = static_cast<Event>(e);
      if (InfoOf(event).family != static_cast<Family>(f)) continue;
      os << p << "    " << std::left << std::setw(58) << EventName(event) << std::right << std::setw(9) << events_[e];
      const std::string* why = UnreachableReason(event);
      if (events_[e] == 0 && why != nullptr) os << "  (not possible here: " << *why << ")";
      if (reach_[e] > 0) os << "  in " << reach_[e] << (reach_[e] == 1 ? " sequence" : " sequences");
      os << "\n";
    }
  }
}

const std::string* Coverage::UnreachableReason(Event e) const {
  for (const auto& [gate, why] : closed_) {
    if (InfoOf(e).gates & gate) return &why;
  }
  return nullptr;
}

}  // namespace mlc
