#include "suite/lib/report_dir.h"

#include <ctime>
#include <filesystem>
#include <fstream>

#include "oracles/sequence_text.h"
#include "suite/lib/repro.h"

namespace mlc {

bool WriteReportDir(const std::string& dir, const ReportInputs& in, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create report directory " + dir + ": " + ec.message();
    return false;
  }
  ReportInputs report_txt = in;
  report_txt.in_report_dir = true;
  ReproCheck check = ReproCheck::ForDivergence(in.result);
  check.why = in.mutant ? std::string("Found against mutant ") + in.mutant->name +
                              " (a simulated kernel bug): a correct kernel exits 0."
                        : "Found on kernel " + in.release + ".";
  // The header makes the file ready for the regression corpus: its rule is
  // the one the first diverging channel broke.
  const std::string rule = BrokenRule(in);
  std::vector<std::pair<std::string, std::string>> header = {
      {"rule", rule},
      {"found", in.release},
      {"diverging-step", std::to_string(in.result.diverging_step)},
      {"rerun", in.rerun}};
  if (in.config.thp) header.emplace_back("profile", "thp");  // replay runs it under --thp too
  const std::pair<const char*, std::string> files[] = {
      {"sequence.txt", FormatSequence(in.ops, header)},
      {"report.txt", RenderReport(report_txt)},
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
