#include "suite/lib/errata.h"

#include <algorithm>
#include <sstream>

namespace mlc {
namespace {

std::string Trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string VersionString(const KernelVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) +
         (v.patch ? "." + std::to_string(v.patch) : "");
}

std::optional<KernelVersion> ParseVersion(const std::string& text) {
  const std::string t = Trim(text);
  if (t.empty() || t.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  return ParseKernelRelease(t);
}

std::optional<OpKind> OpKindNamed(const std::string& name) {
  for (int k = 0; k < kOpKindCount; ++k) {
    if (name == OpKindName(static_cast<OpKind>(k))) return static_cast<OpKind>(k);
  }
  return std::nullopt;
}

std::optional<Channel> ChannelNamed(const std::string& name) {
  for (int c = 0; c < static_cast<int>(Channel::kCount); ++c) {
    if (name == ChannelName(static_cast<Channel>(c))) return static_cast<Channel>(c);
  }
  return std::nullopt;
}

bool ValidId(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Fills one field of `e`; returns the reason it is invalid, or "".
std::string SetField(Erratum& e, const std::string& key, const std::string& value, bool* has_op,
                     bool* has_kernels) {
  if (value.empty()) return "empty value for '" + key + "'";
  if (key == "rule") {
    e.rule = value;
  } else if (key == "op") {
    std::istringstream words(value);
    for (std::string word; words >> word;) {
      const auto op = OpKindNamed(word);
      if (!op) return "unknown op '" + word + "'";
      e.ops.push_back(*op);
    }
    e.op = e.ops.front();
    *has_op = true;
  } else if (key == "channels") {
    std::istringstream words(value);
    for (std::string word; words >> word;) {
      const auto channel = ChannelNamed(word);
      if (!channel) return "unknown channel '" + word + "'";
      e.channels.push_back(*channel);
    }
  } else if (key == "result") {
    e.result = value;
  } else if (key == "kernels") {
    const size_t dash = value.find('-');
    if (dash == std::string::npos) return "kernels needs 'FIRST - FIXED' or 'FIRST -'";
    const auto first = ParseVersion(value.substr(0, dash));
    const std::string fixed = Trim(value.substr(dash + 1));
    if (!first) return "bad kernel version '" + Trim(value.substr(0, dash)) + "'";
    e.first_affected = *first;
    if (!fixed.empty()) {
      e.first_fixed = ParseVersion(fixed);
      if (!e.first_fixed) return "bad kernel version '" + fixed + "'";
      if (!(e.first_affected < *e.first_fixed)) return "the fixed version is not after the first affected one";
    }
    *has_kernels = true;
  } else if (key == "fixed-in-stable") {
    std::istringstream words(value);
    for (std::string word; words >> word;) {
      const auto version = ParseVersion(word);
      if (!version || word.find('.') == word.rfind('.')) return "bad stable version '" + word + "' (want x.y.z)";
      e.fixed_in_stable.push_back(*version);
    }
  } else if (key == "reproducer") {
    e.reproducer = value;
  } else if (key == "fix") {
    e.fix += (e.fix.empty() ? "" : "; ") + value;
  } else {
    return "unknown field '" + key + "'";
  }
  return "";
}

}  // namespace

bool Erratum::AffectsKernel(const KernelVersion& version) const {
  if (version < first_affected) return false;
  for (const KernelVersion& stable : fixed_in_stable) {
    if (stable.major == version.major && stable.minor == version.minor && !(version < stable)) return false;
  }
  return !first_fixed || version < *first_fixed;
}

std::string Erratum::KernelRange() const {
  std::string range =
      VersionString(first_affected) + " - " + (first_fixed ? VersionString(*first_fixed) : "(not fixed)");
  for (size_t i = 0; i < fixed_in_stable.size(); ++i) {
    range += (i == 0 ? " (stable fixes: " : ", ") + VersionString(fixed_in_stable[i]);
  }
  return fixed_in_stable.empty() ? range : range + ")";
}

std::optional<std::vector<Erratum>> ParseErrata(const std::string& text, std::string* error) {
  std::vector<Erratum> errata;
  bool has_op = false, has_kernels = false;
  int block_line = 0;
  // Every field but `result` is required: an erratum without its evidence
  // (range, reproducer, fix or "unknown") does not get in.
  auto finish = [&]() -> bool {
    if (errata.empty()) return true;
    const Erratum& e = errata.back();
    std::string missing;
    if (e.rule.empty()) missing = "rule";
    if (!has_op) missing = "op";
    if (e.channels.empty()) missing = "channels";
    if (!has_kernels) missing = "kernels";
    if (e.reproducer.empty()) missing = "reproducer";
    if (e.fix.empty()) missing = "fix";
    for (const KernelVersion& stable : e.fixed_in_stable) {
      if (has_kernels && stable < e.first_affected) {
        *error = "line " + std::to_string(block_line) + ": erratum '" + e.id + "': stable fix " +
                 VersionString(stable) + " is before the first affected version";
        return false;
      }
    }
    if (missing.empty()) return true;
    *error = "line " + std::to_string(block_line) + ": erratum '" + e.id + "' has no '" + missing + "'";
    return false;
  };
  std::istringstream in(text);
  int number = 0;
  for (std::string raw; std::getline(in, raw);) {
    ++number;
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      if (!finish()) return std::nullopt;
      const std::string id = line.back() == ']' ? line.substr(1, line.size() - 2) : "";
      if (!ValidId(id)) {
        *error = "line " + std::to_string(number) + ": bad erratum header '" + line + "' (want [a-z0-9-]+)";
        return std::nullopt;
      }
      for (const Erratum& e : errata) {
        if (e.id == id) {
          *error = "line " + std::to_string(number) + ": erratum '" + id + "' appears twice";
          return std::nullopt;
        }
      }
      errata.push_back({});
      errata.back().id = id;
      has_op = has_kernels = false;
      block_line = number;
      continue;
    }
    const size_t colon = line.find(':');
    if (errata.empty() || colon == std::string::npos) {
      *error = "line " + std::to_string(number) + ": expected '[id]' or 'field: value'";
      return std::nullopt;
    }
    const std::string why = SetField(errata.back(), Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)),
                                     &has_op, &has_kernels);
    if (!why.empty()) {
      *error = "line " + std::to_string(number) + ": " + why;
      return std::nullopt;
    }
  }
  if (!finish()) return std::nullopt;
  return errata;
}

const Erratum* MatchErratum(const std::vector<Erratum>& errata, const KernelVersion& kernel, const Op& op,
                            const std::vector<ChannelDiff>& diffs) {
  if (diffs.empty()) return nullptr;
  for (const Erratum& e : errata) {
    if (!e.AffectsKernel(kernel) || std::find(e.ops.begin(), e.ops.end(), op.kind) == e.ops.end()) continue;
    const bool explained = std::all_of(diffs.begin(), diffs.end(), [&](const ChannelDiff& d) {
      if (std::find(e.channels.begin(), e.channels.end(), d.channel) == e.channels.end()) return false;
      return d.channel != Channel::kResult || e.result.empty() ||
             e.result == "expected " + d.expected + ", observed " + d.observed;
    });
    if (explained) return &e;
  }
  return nullptr;
}

}  // namespace mlc
