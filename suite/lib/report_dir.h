// The report directory of a divergence: what a kernel developer needs to
// see the bug without mlockcheck.
//   sequence.txt  the shrunk sequence (oracles/sequence_text.h), replayable
//   report.txt    kernel and config hints, the broken rule and its source,
//                 the first diverging step, expected vs observed per
//                 channel, page maps, how to rerun
//   repro.c       standalone C reproducer (suite/lib/repro.h)
#pragma once

#include <string>
#include <vector>

#include "oracles/mutants.h"
#include "suite/lib/verify.h"

namespace mlc {

struct ReportInputs {
  std::vector<Op> ops;
  SequenceResult result;  // a divergence
  ModelConfig config;
  std::string release;    // the kernel, or "simulated kernel with mutant ..."
  std::string rerun;      // the command line that reruns the property
  const MutantInfo* mutant = nullptr;  // set for a mutant finding
};

// report.txt's text.
std::string FormatReportText(const ReportInputs& in);

// Creates `dir` (and parents) and writes the three files.
bool WriteReportDir(const std::string& dir, const ReportInputs& in, std::string* error);

// mlockcheck-reports/<kernel>-<UTC time>, for --report-dir's default.
std::string DefaultReportDir(const std::string& release);

}  // namespace mlc
