// Known kernel bugs (errata): divergences the project has shown to be the
// kernel's fault, with the evidence DEVELOPERS.md asks for. A divergence on
// a kernel inside an erratum's range whose fingerprint matches the erratum is
// reported as that known bug instead of a new divergence (exit 0, or 1 with
// --strict); on every other kernel the rule is checked as usual.
//
// The registry is suite/errata/known-kernel-bugs.txt, built into the binary.
// Its format, one block per erratum:
//
//   [mlock-onfault-keeps-lo]             an identifier: [a-z0-9-]+
//   rule: ref 18: mlock2(MLOCK_ONFAULT) over lo pages sets lf
//   op: mlock2                           the call at the diverging step (one or more:
//                                        a bug that several calls' faults reach)
//   channels: vma-flags                  every channel that differs there
//   result: expected 0, observed -1 EINVAL   (optional) the result channel's diff
//   kernels: 5.18 - 6.1.3                first affected - first fixed ("5.18 -": not fixed)
//   fixed-in-stable: 6.1.191 6.12.114    (optional) stable releases that carry the fix:
//                                        unaffected from there on within their x.y
//   reproducer: suite/errata/mlock-onfault-keeps-lo.seq
//   fix: 0123456789ab ("subject") or "unknown"; one line per commit
//
// Lines starting with '#' and blank lines are ignored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oracles/kernel_profile.h"
#include "oracles/observation.h"
#include "oracles/op.h"

namespace mlc {

struct Erratum {
  std::string id;
  std::string rule;
  OpKind op = OpKind::kMmap;  // the first of `ops`
  std::vector<OpKind> ops;
  std::vector<Channel> channels;
  std::string result;  // "expected X, observed Y", or empty: any result diff
  KernelVersion first_affected;
  std::optional<KernelVersion> first_fixed;  // none: not fixed yet
  std::vector<KernelVersion> fixed_in_stable;  // x.y.z: the fix is in x.y from z on
  std::string reproducer;                    // a sequence file, relative to the repository
  std::string fix;                           // commits and subjects ("; "), or "unknown"

  // Unaffected: older than the first affected version, at or after the
  // first fixed one, or a stable release at or after one that carries the
  // fix (the version as StableVersion() reads it).

  bool AffectsKernel(const KernelVersion& version) const;
  // "5.18 - 6.1.3", "5.18 - (not fixed)", "5.7 - 7.3 (stable fixes: 6.1.191, 6.12.114)"
  std::string KernelRange() const;
};

// Parses a registry; on error returns nullopt with "line N: why" in *error.
std::optional<std::vector<Erratum>> ParseErrata(const std::string& text, std::string* error);

// The registry built from suite/errata/known-kernel-bugs.txt.
const char* BuiltinErrataText();

// The erratum that explains a divergence on `kernel`: the call at the
// diverging step is the erratum's op, every channel that differs is one of
// its channels, and the result diff (if the erratum names one) is the same.
// A divergence with one unexplained channel is not matched.
const Erratum* MatchErratum(const std::vector<Erratum>& errata, const KernelVersion& kernel, const Op& op,
                            const std::vector<ChannelDiff>& diffs);

}  // namespace mlc
