// Process-wide state of a conformance run: the executor, the model's
// configuration for this kernel, the counters behind the RESULT line, and
// the coverage summary. The properties and directed tests reach it through
// SuiteContext::Get().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "generators/gen_ops.h"
#include "oracles/model.h"
#include "runners/executor.h"
#include "runners/host.h"
#include "runners/system_mlocked.h"
#include "suite/lib/coverage.h"
#include "suite/lib/errata.h"
#include "suite/lib/verify.h"

namespace mlc {

struct RunOptions {
  uint64_t sequences = 1000;
  uint32_t steps = 40;
  uint64_t seed = 0;
  bool ktap = false;
  bool quiet = false;
  std::string junit;
  uint64_t arena_mib = 16;
  bool mlock2_enosys = false;  // test hook: seccomp makes mlock2 ENOSYS
  bool planted_bug = false;    // test hook: a wrong model rule (PlantedBug)
  bool progress = false;       // a progress line on a terminal
  bool strict = false;         // known kernel bugs (errata) fail the run too
  std::string errata_file;     // test hook: this registry instead of the built-in one
  std::string report_dir;      // where divergence reports go; empty: DefaultReportDir()
  bool thp = false;            // --thp: the THP profile (oracles/README.md "Transparent huge pages")
  // --exclusive-machine, or MLOCKCHECK_EXCLUSIVE_MACHINE=1 (./mlockcheck
  // vm's guests): /proc/meminfo Mlocked and Unevictable compared (rule 72),
  // compaction generated (rule 73); both touch /proc/sys/vm.
  bool exclusive_machine = false;
  // --no-hugetlb: no MAP_HUGETLB generated. run --jobs and soak --jobs give
  // it to every job but the first where the machine has free huge pages:
  // the pool is the machine's, and one job's mappings would make another's
  // predictions wrong (ENOMEM where its model counts the pages free).
  bool no_hugetlb = false;
  std::string thp_sysfs = "/sys/kernel/mm/transparent_hugepage";  // test hook: --thp-sysfs DIR
  std::string proc_cmdline = "/proc/cmdline";                     // test hook: --proc-cmdline FILE
};

// Exit codes (README "Exit codes"; kselftest's 0 pass, 1 fail, 4 skip).
enum ExitCode : int { kExitConformant = 0, kExitDivergence = 1, kExitHarness = 2, kExitNothingRan = 4 };

// Builds the oracle's configuration for the kernel the executor runs on.
// Returns false with *why when the kernel is outside what the model covers.
bool MakeModelConfig(const ExecutorInfo& info, ModelConfig* config, std::string* why,
                     const HostFacts& facts = ReadHostFacts());

// What the run's privileges and RLIMIT_MEMLOCK mean for the checks, one
// line each, e.g. that without CAP_IPC_LOCK every sequence runs under the
// limit the user has.
std::vector<std::string> PrivilegeNotes(const ModelConfig& config);

class SuiteContext {
 public:
  static SuiteContext& Get();

  // Starts the executor and reads the kernel's features. Returns an exit
  // code: kExitConformant on success, else *message says why.
  int Init(const RunOptions& options, std::string* message);
  bool ready() const { return executor_ != nullptr; }

  const RunOptions& options() const { return options_; }
  Executor& executor() { return *executor_; }
  const ModelConfig& model_config() const { return config_; }
  const GenOptions& gen_options() const { return gen_options_; }
  const std::string& release() const { return executor_->info().release; }
  const std::vector<std::string>& notes() const { return notes_; }
  // Measurements of the kernel's behaviour that its profile does not
  // explain (UnexplainedMeasurements()): each fails the run.
  const std::vector<std::string>& unexplained_measurements() const { return unexplained_; }
  const Coverage& coverage() const { return coverage_; }
  // The machine's Mlocked and the locked mappings of the processes alive,
  // sampled when Init() succeeded, before any child ran.
  const MlockedSample& mlocked_baseline() const { return mlocked_baseline_; }

  // Runs and checks one sequence. Runs that shrink an earlier failure of the
  // same test (`counting` false) stay out of the counters and coverage.
  SequenceResult Verify(const std::vector<Op>& ops, bool counting);
  // Why a given sequence (a corpus file, a replayed one) cannot be checked
  // on this kernel or by this model, or "" if it can: a call the kernel
  // lacks or the run left out (the header's SKIP lines), or one the model
  // does not cover (UnmodelledStep()).
  std::string UnsupportedReason(const std::vector<Op>& ops) const;
  // Tells the coverage which events this kernel and these options rule out.
  void MarkUnreachableEvents();
  std::string ReplayHint() const;

  // Called at every test start; remembers how the last failing run failed,
  // which after RapidCheck's shrinking is the minimal counterexample.
  void BeginTest() { failing_ = false; }
  void RecordFailure(Verdict verdict);
  // A divergence of `ops`: the last one recorded before the test ends is
  // the shrunk one, whose report directory EndTest() writes; it returns the
  // lines that say where, and the final sequence, for the test's output.
  void RecordDivergence(const std::vector<Op>& ops, const SequenceResult& result, const std::string& rerun);
  bool failing() const { return failing_; }
  std::string EndTest(bool failed);

  // The erratum that explains a divergence of `ops` on this kernel, if any
  // (MatchErratum); when `counting`, counted and kept, with the first
  // report, for the summary (reruns while shrinking another failure are not).
  const Erratum* MatchKnownBug(const std::vector<Op>& ops, const SequenceResult& result,
                               const std::string& report, bool counting);
  struct KnownBug {
    const Erratum* erratum;
    uint64_t sequences;
    std::string first_report;
  };
  const std::map<std::string, KnownBug>& known_bugs() const { return known_bugs_; }
  const std::vector<Erratum>& errata() const { return errata_; }

  uint64_t sequences() const { return sequences_; }
  uint64_t steps() const { return steps_; }
  uint64_t divergences() const { return divergences_; }
  uint64_t harness_errors() const { return harness_errors_; }

 private:
  RunOptions options_;
  std::unique_ptr<Executor> executor_;
  ModelConfig config_;
  GenOptions gen_options_;
  std::vector<std::string> notes_;
  std::vector<std::string> unexplained_;
  Coverage coverage_;
  MlockedSample mlocked_baseline_;
  bool failing_ = false;
  Verdict last_failure_ = Verdict::kConformant;
  std::vector<Erratum> errata_;
  std::map<std::string, KnownBug> known_bugs_;
  std::vector<Op> failing_ops_;
  SequenceResult failing_result_;
  std::string failing_rerun_;
  int reports_written_ = 0;
  std::string WriteReport();
  uint64_t sequences_ = 0, steps_ = 0, divergences_ = 0, harness_errors_ = 0;
};

}  // namespace mlc
