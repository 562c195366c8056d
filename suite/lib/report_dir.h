// The report directory of a divergence: what a kernel developer needs to
// see the bug without mlockcheck.
//   sequence.txt  the shrunk sequence (oracles/sequence_text.h), replayable
//   report.txt    the report (suite/lib/report.h) with the kernel's config
//                 hints
//   repro.c       standalone C reproducer (suite/lib/repro.h)
#pragma once

#include <string>
#include <vector>

#include "suite/lib/report.h"

namespace mlc {

// Creates `dir` (and parents) and writes the three files.
bool WriteReportDir(const std::string& dir, const ReportInputs& in, std::string* error);

// mlockcheck-reports/<kernel>-<UTC time>, for --report-dir's default.
std::string DefaultReportDir(const std::string& release);

}  // namespace mlc
