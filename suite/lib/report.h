// The one report renderer: what the terminal shows for a failed sequence and
// what report.txt holds (suite/lib/report_dir.h) are the same text.
//
//   DIVERGENCE: kernel K differs from the model at step N of M
//   kernel, profile, mutant or config hints, arena
//   first diverging step: N of M: <call>
//   rule the kernel broke:        per channel, the cited rule (oracles/rule_citations.h)
//   channels that differ after step N:   expected vs observed, page by page
//   page map at step N:           expected and observed, one character a page
//   sequence (...):               every call with its result; the lines paste
//                                 into a sequence file and replay
//   rerun: ...
#pragma once

#include <string>
#include <vector>

#include "oracles/mutants.h"
#include "suite/lib/verify.h"

namespace mlc {

struct ReportInputs {
  std::vector<Op> ops;
  SequenceResult result;  // a divergence or a harness error
  ModelConfig config;
  std::string release;    // the kernel, or "simulated kernel with mutant ..."
  std::string rerun;      // the command line that reruns the property
  const MutantInfo* mutant = nullptr;  // set for a mutant finding
  // report.txt: the kernel's config hints (read from /boot or
  // /proc/config.gz) and the pointer to repro.c beside it.
  bool in_report_dir = false;
  // Nonzero: the sequence ran this many times more without the divergence
  // (the kernel's behaviour here hangs on something the sequence does not
  // fix); the report is of the run that diverged, unshrunk.
  int not_repeated = 0;
};

std::string RenderReport(const ReportInputs& in);
// The same, for a kernel run (tests, the terminal).
std::string RenderReport(const std::vector<Op>& ops, const SequenceResult& result, const ModelConfig& config,
                         const std::string& release, const std::string& rerun);

// The cited rule of the first channel that differs at the diverging step
// (sequence.txt's "# rule:" header); "see report.txt" without one.
std::string BrokenRule(const ReportInputs& in);

}  // namespace mlc
