#include "suite/lib/report.h"

#include <sstream>

#include "oracles/page_map.h"
#include "oracles/rule_citations.h"
#include "oracles/sequence_text.h"
#include "runners/kernel_config.h"
#include "suite/lib/stepper.h"

namespace mlc {
namespace {

// The model stepped through the whole sequence as the run stepped it (the
// kernel's PMD mappings adopted where they were recorded): each step's
// predicted outcome, and at the diverging step its events and every channel.
struct Replayed {
  std::vector<Outcome> predicted;
  StepEffects effects;
  Observation expected;
};

Replayed Replay(const ReportInputs& in) {
  Replayed out;
  Stepper stepper(in.config);
  const SequenceResult& r = in.result;
  for (size_t i = 0; i < in.ops.size(); ++i) {
    const std::vector<ThpState>* thp = i < r.thp_seen.size() ? &r.thp_seen[i] : nullptr;
    out.predicted.push_back(stepper.Step(in.ops[i], thp));
    if (r.verdict == Verdict::kDivergence && i == r.diverging_step) {
      out.effects = stepper.effects();
      out.expected = stepper.expected();
    }
  }
  return out;
}

void Diffs(std::ostream& os, const std::vector<ChannelDiff>& diffs) {
  for (const ChannelDiff& d : diffs) {
    os << "  " << ChannelName(d.channel) << ":";
    if (!d.expected.empty() || !d.observed.empty()) os << " expected " << d.expected << ", observed " << d.observed;
    os << "\n";
    std::istringstream lines(d.detail);
    for (std::string line; std::getline(lines, line);) os << "  " << line << "\n";
  }
}

}  // namespace

std::string BrokenRule(const ReportInputs& in) {
  const SequenceResult& r = in.result;
  if (r.verdict != Verdict::kDivergence || r.diffs.empty() || r.diverging_step >= in.ops.size()) {
    return "see report.txt";
  }
  const Replayed replayed = Replay(in);
  return CiteRule(in.ops[r.diverging_step], r.diffs.front().channel, replayed.predicted[r.diverging_step],
                  replayed.effects);
}

std::string RenderReport(const ReportInputs& in) {
  std::ostringstream os;
  const SequenceResult& r = in.result;
  const bool diverged = r.verdict == Verdict::kDivergence && r.diverging_step < in.ops.size();
  const size_t step = r.diverging_step;
  const Replayed replayed = Replay(in);

  if (diverged) {
    os << "DIVERGENCE: kernel " << in.release << " differs from the model at step " << step << " of "
       << in.ops.size() << "\n";
  } else {
    os << "HARNESS ERROR (" << RunStatusName(r.run.status) << "): " << r.run.detail << "\n";
  }
  if (in.not_repeated > 0) {
    os << "NOT REPEATED: the sequence ran " << in.not_repeated << " more times without this divergence (a known "
       << "kernel bug or none at all), so it is reported unshrunk as it first happened; what it hangs on (timing, "
       << "THP allocation, other processes) the sequence does not fix\n";
  }
  os << "kernel:  " << in.release << "\n"
     << in.config.profile.Describe() << "\n";
  if (in.mutant != nullptr) {
    os << "mutant:  " << in.mutant->name << ": " << in.mutant->what << "\n"
       << "         modelled on " << in.mutant->source << "\n";
  } else if (in.in_report_dir) {
    os << "config hints:\n";
    for (const std::string& hint : KernelConfigHints(in.release)) os << "  " << hint << "\n";
  }
  os << "arena A = " << HexString(in.config.arena_base) << ", " << in.config.arena_pages << " pages of "
     << in.config.page_size << " bytes; "
     << (in.config.thp ? "THP profile (--thp): private anonymous mappings MADV_HUGEPAGE, the kernel's PMD mappings "
                         "adopted after every step; repro.c runs with THP off and cannot reproduce them\n"
                       : "transparent huge pages off for the process (PR_SET_THP_DISABLE)\n");

  if (diverged) {
    const Op& op = in.ops[step];
    os << "\nfirst diverging step: " << step << " of " << in.ops.size() << ": " << FormatCall(op, false) << "\n";
    os << "rule the kernel broke:\n";
    for (const ChannelDiff& d : r.diffs) {
      os << "  " << ChannelName(d.channel) << ": " << CiteRule(op, d.channel, replayed.predicted[step], replayed.effects)
         << "\n";
    }
    os << "channels that differ after step " << step << ":\n";
    Diffs(os, r.diffs);
    const PageWindow window = WindowOf(in.ops, in.config.page_size, in.config.arena_pages);
    if (window.end > window.first && !r.observed.page_bits.empty()) {
      os << "page map at step " << step << ", pages " << window.first << "-" << window.end - 1 << " (A+"
         << HexString(window.first * in.config.page_size) << "..A+" << HexString(window.end * in.config.page_size)
         << "):\n  " << kPageMapLegend << "\n"
         << "  expected  " << PageMap(replayed.expected, window.first, window.end) << "\n"
         << "  observed  " << PageMap(r.observed, window.first, window.end) << "\n";
    }
  }

  const std::vector<std::string> calls = FormatCalls(in.ops);
  os << "\nsequence (" << in.ops.size() << (in.ops.size() == 1 ? " call" : " calls")
     << "; '=' observed, and expected where it differs; the lines paste into a sequence file):\n";
  for (size_t i = 0; i < in.ops.size(); ++i) {
    os << (diverged && i == step ? ">> " : "   ") << i << "  " << calls[i];
    if (i < r.outcomes.size()) {
      os << "  = " << OutcomeString(r.outcomes[i], in.ops[i], in.config.arena_base);
      if (r.outcomes[i] != replayed.predicted[i]) {
        os << "  (expected " << OutcomeString(replayed.predicted[i], in.ops[i], in.config.arena_base) << ")";
      }
    } else {
      os << "  = not run";
    }
    os << "\n";
  }
  os << "\nrerun: " << in.rerun << "\n";
  if (in.in_report_dir) {
    os << "replay: ./mlockcheck replay sequence.txt (step by step, every channel)\n"
       << "standalone reproducer: cc -static -o repro repro.c && ./repro  (exit 1: bug present)\n";
  }
  return os.str();
}

std::string RenderReport(const std::vector<Op>& ops, const SequenceResult& result, const ModelConfig& config,
                         const std::string& release, const std::string& rerun) {
  ReportInputs in;
  in.ops = ops;
  in.result = result;
  in.config = config;
  in.release = release;
  in.rerun = rerun;
  return RenderReport(in);
}

}  // namespace mlc
