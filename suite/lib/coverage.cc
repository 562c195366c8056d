#include "suite/lib/coverage.h"

#include <iomanip>
#include <sstream>
#include <vector>

#include "suite/lib/cli_args.h"

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

std::string Coverage::Save() const {
  std::ostringstream os;
  os << "steps\t\t" << steps_ << "\n";
  for (int k = 0; k < kOpKindCount; ++k) os << "op\t" << OpKindName(static_cast<OpKind>(k)) << "\t" << ops_[k] << "\n";
  for (const auto& [key, count] : outcomes_) os << "outcome\t" << key << "\t" << count << "\n";
  for (size_t from = 0; from < 3; ++from) {
    for (size_t to = 0; to < 3; ++to) {
      if (from == to) continue;
      os << "transition\t" << LockName(static_cast<Lock>(from)) << " -> " << LockName(static_cast<Lock>(to)) << "\t"
         << transitions_[from][to] << "\n";
    }
  }
  for (size_t e = 0; e < events_.size(); ++e) {
    os << "event\t" << EventName(static_cast<Event>(e)) << "\t" << events_[e] << "\t" << reach_[e] << "\n";
  }
  for (const auto& [gate, why] : closed_) os << "gate\t" << static_cast<uint32_t>(gate) << "\t" << why << "\n";
  return os.str();
}

bool Coverage::AddSaved(const std::string& text, std::string* why) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    for (size_t from = 0;;) {
      const size_t tab = line.find('\t', from);
      f.push_back(line.substr(from, tab - from));
      if (tab == std::string::npos) break;
      from = tab + 1;
    }
    auto number = [&](size_t i, uint64_t* n) {
      if (i >= f.size() || f[i].empty() || f[i].find_first_not_of("0123456789") != std::string::npos) return false;
      return ParseCount(f[i].c_str(), n);
    };
    uint64_t n = 0, reach = 0;
    bool known = f.size() >= 3;
    if (known && f[0] == "gate") {
      uint64_t gate = 0;
      known = number(1, &gate) && gate != 0 && (gate & (gate - 1)) == 0 && gate < (1ull << kGateCount);
      if (known) closed_.emplace(static_cast<Gate>(gate), f[2]);
    } else if (known && !number(2, &n)) {
      known = false;
    } else if (known && f[0] == "steps") {
      steps_ += n;
    } else if (known && f[0] == "outcome") {
      outcomes_[f[1]] += n;
    } else if (known && f[0] == "op") {
      known = false;
      for (int k = 0; k < kOpKindCount && !known; ++k) {
        if (f[1] == OpKindName(static_cast<OpKind>(k))) ops_[k] += n, known = true;
      }
    } else if (known && f[0] == "transition") {
      known = false;
      for (size_t from = 0; from < 3 && !known; ++from) {
        for (size_t to = 0; to < 3 && !known; ++to) {
          if (from == to) continue;
          if (f[1] == std::string(LockName(static_cast<Lock>(from))) + " -> " + LockName(static_cast<Lock>(to))) {
            transitions_[from][to] += n, known = true;
          }
        }
      }
    } else if (known && f[0] == "event") {
      const bool counted = number(3, &reach);
      known = false;
      for (size_t e = 0; e < events_.size() && counted && !known; ++e) {
        if (f[1] == EventName(static_cast<Event>(e))) events_[e] += n, reach_[e] += reach, known = true;
      }
    } else {
      known = false;
    }
    if (!known) {
      *why = "coverage line not understood: '" + line + "'";
      return false;
    }
  }
  return true;
}

const std::string* Coverage::UnreachableReason(Event e) const {
  for (const auto& [gate, why] : closed_) {
    if (InfoOf(e).gates & gate) return &why;
  }
  return nullptr;
}

}  // namespace mlc
