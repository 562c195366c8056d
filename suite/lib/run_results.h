// A run's results as a file, and the merge of several: the parts of one
// `run --jobs N` (N processes on this machine) or the shards of a run split
// over machines (`run --shard K/N --results-dir DIR` on each, then
// `./mlockcheck merge DIR...`). The merged results print as one run would:
// the same test lines, one coverage summary, the known kernel bugs once, one
// RESULT line and one exit code.
#ifndef MLOCKCHECK_SUITE_RUN_RESULTS_H_
#define MLOCKCHECK_SUITE_RUN_RESULTS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mlc {

// One GoogleTest case as the run printed it.
struct TestResult {
  enum Status { kOk, kSkip, kFail };
  std::string name;  // "Suite.Test", as on the KTAP line
  Status status = kOk;
  double ms = 0;
  std::string reason;   // a skip's first line
  std::string failure;  // a failure's text: the report, the shrunk sequence
};

// A known kernel bug (erratum) the run met.
struct KnownBugSummary {
  std::string id;
  uint64_t sequences = 0;  // sequences that diverged as registered
  std::string fix;
  std::string details;     // rule, kernels, fix, reproducer and first sequence lines
};

struct RunResults {
  int exit_code = 0;
  std::string kernel;
  uint64_t seed = 0;                // the seed the user gave (a shard's origin)
  uint32_t shard = 1, shards = 1;   // --shard K/N (1/1: the whole run)
  bool strict = false;
  std::vector<std::string> header;  // the run's header lines, without a prefix
  // Why the run stopped before its first test (it exits 4, or 2 on a
  // harness error), e.g. "--thp: THP is 'never' on this host"; "" if it ran.
  std::string stopped;
  // What makes it the same run as its other parts: " --sequences N --steps
  // N" and the flags that change what runs (--thp, --strict, ...).
  std::string run;
  std::vector<TestResult> tests;
  std::vector<KnownBugSummary> known_bugs;
  std::string coverage;             // Coverage::Save()
  uint64_t sequences = 0, steps = 0, divergences = 0, harness_errors = 0;
  double seconds = 0;
};

// The results file DIR/results.txt: "mlockcheck-results 1", then one
// "key value" line each, a "| " line per line of a failure or bug text.
constexpr const char* kResultsFile = "results.txt";
std::string FormatRunResults(const RunResults& results);
bool ParseRunResults(const std::string& text, RunResults* results, std::string* why);
bool WriteRunResults(const std::string& dir, const RunResults& results, std::string* why);
bool ReadRunResults(const std::string& dir, RunResults* results, std::string* why);

// Merges the parts of one run: the same kernel, seed and N, every shard
// 1..N exactly once (false with *why naming what is wrong). A test fails if
// it failed in any part, passes if it ran in one and failed in none, and is
// skipped if every part skipped it; counts add up, seconds is the longest
// part's; the exit code is 1 if a part diverged, else 2 if a part had a
// harness error, else 4 if no part could run anything, else 0. A failure's
// text starts with a line naming its part: "<part> K/N:" ("shard", "job").
bool MergeRunResults(std::vector<RunResults> parts, RunResults* merged, std::string* why,
                     const std::string& part_name = "shard");

// Prints every line of `text` after `prefix` ("# " in KTAP).
void PrintPrefixed(std::ostream& os, const std::string& text, const char* prefix);

// The known kernel bugs lines a run prints before its RESULT line.
void PrintKnownBugs(const std::vector<KnownBugSummary>& bugs, bool strict, bool quiet, const char* prefix,
                    std::ostream& os);

// The machine-readable last line of every run.
std::string ResultLine(const std::string& kernel, uint64_t sequences, uint64_t steps, uint64_t divergences,
                       uint64_t errata, uint64_t harness_errors, double seconds);

// Prints `results` as a run prints itself (plain, --quiet or --ktap): the
// header, every test, the coverage summary, the known bugs, RESULT.
void PrintRunResults(const RunResults& results, bool ktap, bool quiet, std::ostream& os);

// JUnit XML of `results` (the layout GoogleTest's --gtest_output=xml uses).
bool WriteJUnit(const RunResults& results, const std::string& path, std::string* why);

}  // namespace mlc

#endif  // MLOCKCHECK_SUITE_RUN_RESULTS_H_
