#include "suite/lib/report_dir.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oracles/page_map.h"
#include "oracles/rule_citations.h"
#include "oracles/sequence_text.h"
#include "runners/kernel_config.h"
#include "suite/lib/repro.h"

namespace mlc {

namespace {

// The model up to the diverging step: its prediction there and that step's events.
struct AtDivergence {
  Model model;
  Outcome predicted;
  StepEffects effects;
  explicit AtDivergence(const ReportInputs& in) : model(in.config) {
    for (size_t i = 0; i <= in.result.diverging_step && i < in.ops.size(); ++i) {
      effects = StepEffects{};
      predicted = model.Apply(in.ops[i], &effects);
      if (in.config.thp && i < in.result.thp_seen.size()) model.AdoptThp(in.result.thp_seen[i], &effects);
    }
  }
};

}  // namespace

std::string FormatReportText(const ReportInputs& in) {
  std::ostringstream os;
  const SequenceResult& r = in.result;
  const size_t step = r.diverging_step;
  const AtDivergence at(in);
  const Outcome& predicted = at.predicted;
  const StepEffects& effects = at.effects;
  Observation expected;
  Predict(at.model, predicted, &expected);
  const Op& op = in.ops.at(step);

  os << "mlockcheck divergence report\n\n";
  os << "kernel:  " << in.release << "\n";
  os << "profile: " << in.config.profile.Describe().substr(std::string("profile ").size()) << "\n";
  if (in.mutant != nullptr) {
    os << "mutant:  " << in.mutant->name << ": " << in.mutant->what << "\n"
       << "         modelled on " << in.mutant->source << "\n";
  } else {
    os << "config hints:\n";
    for (const std::string& hint : KernelConfigHints(in.release)) os << "  " << hint << "\n";
  }
  os << "arena A = " << HexString(in.config.arena_base) << ", " << in.config.arena_pages << " pages of "
     << in.config.page_size << " bytes; "
     << (in.config.thp ? "THP profile (--thp): private anonymous mappings MADV_HUGEPAGE, the kernel's PMD mappings "
                         "adopted after every step; repro.c runs with THP off and cannot reproduce them\n\n"
                       : "transparent huge pages off for the process (PR_SET_THP_DISABLE)\n\n");

  os << "first diverging step: " << step << " of " << in.ops.size() << ": " << FormatCall(op, false) << "\n";
  os << "rule the kernel broke:\n";
  for (const ChannelDiff& d : r.diffs) {
    os << "  " << ChannelName(d.channel) << ": " << CiteRule(op, d.channel, predicted, effects) << "\n";
  }
  os << "\nexpected vs observed after step " << step << ":\n";
  for (const ChannelDiff& d : r.diffs) {
    os << "  " << ChannelName(d.channel) << ":";
    if (!d.expected.empty() || !d.observed.empty()) os << " expected " << d.expected << ", observed " << d.observed;
    os << "\n";
    std::istringstream lines(d.detail);
    for (std::string line; std::getline(lines, line);) os << "  " << line << "\n";
  }
  const PageWindow window = WindowOf(in.ops, in.config.page_size, in.config.arena_pages);
  if (window.end > window.first && !r.observed.page_bits.empty()) {
    os << "\npage map at step " << step << ", pages " << window.first << "-" << window.end - 1 << " (A+"
       << HexString(window.first * in.config.page_size) << "..A+" << HexString(window.end * in.config.page_size)
       << "):\n  " << kPageMapLegend << "\n"
       << "  expected  " << PageMap(expected, window.first, window.end) << "\n"
       << "  observed  " << PageMap(r.observed, window.first, window.end) << "\n";
  }
  os << "\nsequence (sequence.txt; ./mlockcheck replay sequence.txt runs it step by step):\n";
  Model replay(in.config);
  for (size_t i = 0; i < in.ops.size(); ++i) {
    const Outcome want = replay.Apply(in.ops[i]);
    os << (i == step ? ">> " : "   ") << i << "  " << FormatCall(in.ops[i], false);
    if (i < r.outcomes.size()) {
      os << "  = " << OutcomeString(r.outcomes[i], in.ops[i], in.config.arena_base);
      if (r.outcomes[i] != want) os << "  (expected " << OutcomeString(want, in.ops[i], in.config.arena_base) << ")";
    }
    os << "\n";
  }
  os << "\nrerun the property: " << in.rerun << "\n"
     << "standalone reproducer: cc -static -o repro repro.c && ./repro  (exit 1: bug present)\n";
  return os.str();
}

bool WriteReportDir(const std::string& dir, const ReportInputs& in, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create report directory " + dir + ": " + ec.message();
    return false;
  }
  ReproCheck check = ReproCheck::ForDivergence(in.result);
  check.why = in.mutant ? std::string("Found against mutant ") + in.mutant->name +
                              " (a simulated kernel bug): a correct kernel exits 0."
                        : "Found on kernel " + in.release + ".";
  // The header makes the file ready for the regression corpus: its rule is
  // the one the first diverging channel broke.
  std::string rule = "see report.txt";
  if (!in.result.diffs.empty()) {
    const AtDivergence at(in);
    rule = CiteRule(in.ops.at(in.result.diverging_step), in.result.diffs.front().channel, at.predicted, at.effects);
  }
  const std::vector<std::pair<std::string, std::string>> header = {
      {"rule", rule},
      {"found", in.release},
      {"diverging-step", std::to_string(in.result.diverging_step)},
      {"rerun", in.rerun}};
  const std::pair<const char*, std::string> files[] = {
      {"sequence.txt", FormatSequence(in.ops, header)},
      {"report.txt", FormatReportText(in)},
      {"repro.c", WriteReproducer(in.ops, in.config, check, in.mutant ? "mutant finding" : "divergence on " + in.release)},
  };
  for (const auto& [name, text] : files) {
    std::ofstream out(dir + "/" + name);
    out << text;
    if (!out) {
      *error = "cannot write " + dir + "/" + name;
      return false;
    }
  }
  return true;
}

std::string DefaultReportDir(const std::string& release) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  return "mlockcheck-reports/" + release + "-" + stamp;
}

}  // namespace mlc
