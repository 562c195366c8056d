// mlockcheck-conformance: `./mlockcheck run` ends up here.
//
// Parses the run flags, starts the executor, hands RapidCheck its
// parameters, runs the GoogleTest cases of conformance_test.cc with a plain
// or KTAP printer, prints the coverage summary and, last, the RESULT line.
#include <gtest/gtest.h>
#include <rapidcheck/detail/Configuration.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "runners/host.h"
#include "suite/lib/cli_args.h"
#include "suite/lib/coverage.h"
#include "suite/lib/mlocked_baseline.h"
#include "suite/lib/report_dir.h"
#include "suite/lib/run_jobs.h"
#include "suite/lib/run_results.h"
#include "suite/lib/soak.h"
#include "suite/lib/suite_context.h"

namespace mlc {
namespace {

constexpr const char* kUsage =
    "usage: mlockcheck run [--sequences N] [--steps N] [--seed S] [--ktap] [--junit FILE]\n"
    "                      [--quiet] [--arena-mib N] [--strict] [--report-dir DIR] [--thp]\n"
    "                      [--jobs N] [--shard K/N] [--results-dir DIR]\n"
    "       mlockcheck soak [--steps-total N] [--duration S] [--seed S] [--sequences N] [--steps N]\n"
    "                      [--arena-mib N] [--strict] [--report-dir DIR] [--thp] [--jobs N]\n"
    "                      [--shard K/N]\n";

constexpr const char* kHelp =
    "Runs random sequences of memory-locking calls on this kernel, checking every\n"
    "channel after every step against the model, then the reference scenarios.\n"
    "  --sequences N    random sequences to run (0 to 100000000; default 1000)\n"
    "  --steps N        longest random sequence, in calls (1 to 4096; default 40);\n"
    "                   the reference scenarios always run whole\n"
    "  --seed S         RapidCheck's seed (default: random, printed in the header)\n"
    "  --ktap           KTAP output (docs.kernel.org/dev-tools/ktap.html)\n"
    "  --junit FILE     also write JUnit XML to FILE (its directory must exist)\n"
    "  --quiet          failures, one line per known kernel bug, and RESULT only\n"
    "  --arena-mib N    the arena the sequences may use (1 to 1024; default 16)\n"
    "  --strict         a known kernel bug fails the run: its test fails (KTAP not ok,\n"
    "                   JUnit failure), it counts as a divergence and gets a report\n"
    "  --report-dir DIR where a divergence's report goes (default\n"
    "                   mlockcheck-reports/<kernel>-<time>; later ones DIR-2, DIR-3, ...);\n"
    "                   DIR must not hold a report already\n"
    "  --thp            transparent huge pages in the arena (needs THP 'madvise' or 'always')\n"
    "  --jobs N         run on N processes at once, each pinned to its own CPU with its own\n"
    "                   executor: job J runs its share of the sequences from its own seed\n"
    "                   (printed; a failure's report names its job's run); one merged output\n"
    "                   (1 to 256; default: the CPUs this process may use; 1 with\n"
    "                   --exclusive-machine or RC_PARAMS set)\n"
    "  --shard K/N      this machine's part of a run split over N machines: 1/N of the\n"
    "                   sequences from the run's K-th seed, the reference scenarios in shard 1;\n"
    "                   ./mlockcheck merge DIR... joins the shards' --results-dir\n"
    "  --results-dir DIR  also write the run's results to DIR/results.txt, for merge\n"
    "  --no-hugetlb     generate no MAP_HUGETLB (given to every job but the first of run\n"
    "                   --jobs and soak --jobs where the machine has free huge pages)\n"
    "  --exclusive-machine  the run has this machine to itself (root; ./mlockcheck vm's\n"
    "                   guests say so by themselves): /proc/meminfo Mlocked and Unevictable\n"
    "                   are compared, and compaction is generated; it writes\n"
    "                   /proc/sys/vm/stat_refresh, compact_memory, compact_unevictable_allowed\n"
    "soak: fresh seeds, one run of --sequences (default 1000) per seed, until --steps-total\n"
    "  (default 1000000) steps were verified or --duration seconds passed; each seed's\n"
    "  reports go to DIR/seed-<seed>. --ktap and --junit are not for soaks.\n"
    "  --jobs N         seeds run at once, each pinned to its own CPU (1 to 256; default:\n"
    "                   the CPUs this process may use, 1 with --exclusive-machine)\n"
    "  --shard K/N      this machine's part of a soak split over N machines: the seeds\n"
    "                   i with i % N = K-1, and 1/N of --steps-total\n"
    "Numbers are decimal, or hexadecimal after 0x.\n"
    "exit codes: 0 conformant (known kernel bugs reported), 1 divergence (or a known kernel\n"
    "            bug with --strict), 2 usage or harness error, 4 nothing could run\n";

// Returns 0 and fills options, or prints a one-line error and returns 2.
// Soak mode's own flags (suite/lib/soak.h); the rest are the run's.
struct SoakFlags {
  bool soak = false;
  bool sequences_given = false, steps_given = false;
  uint64_t steps_total = 1000000;
  uint64_t duration = 0;  // seconds, 0: no limit
  std::vector<std::string> run_flags;  // what every seed's run gets
  // runners/vm/vm.sh: check --junit and --report-dir where the host will
  // write what a guest sends home, then exit.
  bool check_output_paths = false;
  // --jobs N (0: not given) and --shard K/N (1/1: not sharded).
  uint64_t jobs = 0;
  uint32_t shard = 1, shards = 1;
  std::string results_dir;  // --results-dir DIR
  // A run --jobs gives its jobs these: the scenarios and the measurements
  // run in one job only, the end-of-run check in the parent.
  bool skip_scenarios = false, skip_measured = false, skip_end_of_run_check = false;
};

// "K/N" with 1 <= K <= N <= 1024.
bool ParseShard(const char* text, uint32_t* shard, uint32_t* shards) {
  if (text == nullptr) return false;
  char* end = nullptr;
  const unsigned long k = std::strtoul(text, &end, 10);
  if (end == text || *end != '/') return false;
  const char* rest = end + 1;
  const unsigned long n = std::strtoul(rest, &end, 10);
  if (end == rest || *end != '\0' || k < 1 || n < 1 || k > n || n > 1024) return false;
  *shard = static_cast<uint32_t>(k);
  *shards = static_cast<uint32_t>(n);
  return true;
}

int ParseFlags(int argc, char** argv, RunOptions* options, bool* seed_given, SoakFlags* soak) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto need_uint = [&](uint64_t* out, uint64_t min, uint64_t max) {
      if (const std::string why = ReadCount(flag, value, min, max, out); !why.empty()) {
        std::cerr << "mlockcheck: " << why << "\n";
        return false;
      }
      ++i;
      return true;
    };
    // Output paths are checked now, not after a run of minutes.
    auto need_path = [&](std::string* out, const std::string& why) {
      if (!why.empty()) {
        std::cerr << "mlockcheck: " << why << "\n";
        return false;
      }
      *out = value;
      ++i;
      return true;
    };
    uint64_t n = 0;
    // Flags a soak passes on to each seed's run as they are.
    if (flag == "--thp" || flag == "--strict" || flag == "--planted-bug" || flag == "--mlock2-enosys" ||
        flag == "--exclusive-machine" || flag == "--no-hugetlb") {
      soak->run_flags.push_back(flag);
    } else if ((flag == "--arena-mib" || flag == "--errata-file" || flag == "--thp-sysfs" || flag == "--proc-cmdline") &&
               value != nullptr) {
      soak->run_flags.insert(soak->run_flags.end(), {flag, value});
    }
    if (flag == "--soak") {
      soak->soak = true;
    } else if (flag == "--steps-total") {
      if (!need_uint(&soak->steps_total, 1, UINT64_MAX)) return kExitHarness;
      soak->soak = true;
    } else if (flag == "--duration") {
      if (!need_uint(&soak->duration, 1, 100000000)) return kExitHarness;
      soak->soak = true;
    } else if (flag == "--sequences") {
      if (!need_uint(&options->sequences, 0, 100000000)) return kExitHarness;
      soak->sequences_given = true;
    } else if (flag == "--steps") {
      if (!need_uint(&n, 1, 4096)) return kExitHarness;
      options->steps = static_cast<uint32_t>(n);
      soak->steps_given = true;
    } else if (flag == "--seed") {
      if (!need_uint(&options->seed, 0, UINT64_MAX)) return kExitHarness;
      *seed_given = true;
    } else if (flag == "--arena-mib") {
      if (!need_uint(&options->arena_mib, 1, 1024)) return kExitHarness;
    } else if (flag == "--junit") {
      if (!need_path(&options->junit, OutputFileProblem(flag, value ? value : ""))) return kExitHarness;
    } else if (flag == "--report-dir") {
      if (!need_path(&options->report_dir, ReportDirProblem(flag, value ? value : ""))) return kExitHarness;
    } else if (flag == "--ktap") {
      options->ktap = true;
    } else if (flag == "--thp") {
      options->thp = true;
    } else if (flag == "--exclusive-machine") {
      options->exclusive_machine = true;
    } else if (flag == "--no-hugetlb") {
      options->no_hugetlb = true;
    } else if (flag == "--proc-cmdline") {
      // test hook: the kernel command line from FILE (cli_test.sh measured)
      if (value == nullptr || *value == '\0') {
        std::cerr << "mlockcheck: --proc-cmdline needs a file\n";
        return kExitHarness;
      }
      options->proc_cmdline = value;
      ++i;
    } else if (flag == "--thp-sysfs") {
      // test hook: read the THP settings from DIR (cli_test.sh thp-unavailable)
      if (value == nullptr || *value == '\0') {
        std::cerr << "mlockcheck: --thp-sysfs needs a directory\n";
        return kExitHarness;
      }
      options->thp_sysfs = value;
      ++i;
    } else if (flag == "--quiet") {
      options->quiet = true;
    } else if (flag == "--mlock2-enosys") {
      options->mlock2_enosys = true;  // test hook, see suite/README.md "Testing mlockcheck"
    } else if (flag == "--strict") {
      options->strict = true;
    } else if (flag == "--errata-file") {
      // test hook, see oracles/README.md "Kernel errata"
      if (value == nullptr || *value == '\0') {
        std::cerr << "mlockcheck: --errata-file needs a file name\n";
        return kExitHarness;
      }
      options->errata_file = value;
      ++i;
    } else if (flag == "--planted-bug") {
      options->planted_bug = true;  // test hook, see suite/README.md "Testing mlockcheck"
    } else if (flag == "--jobs") {
      if (!need_uint(&soak->jobs, 1, 256)) return kExitHarness;
    } else if (flag == "--shard") {
      if (!ParseShard(value, &soak->shard, &soak->shards)) {
        std::cerr << "mlockcheck: --shard needs K/N with 1 <= K <= N <= 1024, e.g. --shard 2/4\n";
        return kExitHarness;
      }
      ++i;
    } else if (flag == "--results-dir") {
      if (!need_path(&soak->results_dir, ResultsDirProblem(value == nullptr ? "" : value))) return kExitHarness;
    } else if (flag == "--skip-scenarios") {
      soak->skip_scenarios = true;  // for run --jobs
    } else if (flag == "--skip-measured") {
      soak->skip_measured = true;  // for run --jobs
    } else if (flag == "--skip-end-of-run-check") {
      soak->skip_end_of_run_check = true;  // for run --jobs
    } else if (flag == "--check-output-paths") {
      soak->check_output_paths = true;  // for runners/vm/vm.sh
    } else if (flag == "--help" || flag == "-h") {
      std::cout << kUsage << kHelp;
      std::exit(0);
    } else {
      std::cerr << "mlockcheck: unknown flag '" << flag << "'\n" << kUsage;
      return kExitHarness;
    }
  }
  // The arena is PMD-aligned; under --thp it must hold whole PMD ranges, at
  // most 64 (the wire's per-range masks).
  if (options->thp && (options->arena_mib % 2 != 0 || options->arena_mib > 128)) {
    std::cerr << "mlockcheck: --thp needs --arena-mib to be an even number up to 128\n";
    return kExitHarness;
  }
  if (soak->soak && !soak->results_dir.empty()) {
    std::cerr << "mlockcheck: --results-dir is a run's, not a soak's (a soak's SOAK line sums its seeds)\n";
    return kExitHarness;
  }
  if (soak->soak && (options->ktap || !options->junit.empty())) {
    std::cerr << "mlockcheck: soak prints SOAK lines, not --ktap or --junit (run one seed with them instead)\n";
    return kExitHarness;
  }
  return 0;
}

// A failure message without the test frameworks' own lines: GoogleTest's
// "Failed" and RapidCheck's "<file>:<line>:" + "RC_FAIL(report)" say where
// in mlockcheck's source the check is, which a user has no use for.
std::string WithoutFrameworkLines(const std::string& message) {
  std::istringstream in(message);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (i == 0 && line == "Failed") continue;
    const bool source_line = line.size() > 1 && line.back() == ':' && line.find(".cc:") != std::string::npos;
    if (source_line && i + 1 < lines.size() && lines[i + 1].rfind("RC_", 0) == 0) {
      ++i;  // and the RC_ macro line after it
      continue;
    }
    out += line + "\n";
  }
  return out;
}

std::string FailureText(const ::testing::TestInfo& test) {
  std::string text;
  const auto* result = test.result();
  for (int i = 0; i < result->total_part_count(); ++i) {
    const auto& part = result->GetTestPartResult(i);
    if (part.failed() || part.skipped()) text += WithoutFrameworkLines(part.message());
  }
  return text;
}

// Tracks failures for the exit code; prints tests as "ok"/"not ok" lines,
// KTAP-formatted with --ktap (docs.kernel.org/dev-tools/ktap.html).
class Printer : public ::testing::EmptyTestEventListener {
 public:
  // `preamble`: diagnostic lines describing the run, printed first (after
  // the KTAP version and plan lines with --ktap).
  // Every test's result is recorded in *record too (run --results-dir).
  Printer(const RunOptions& options, std::string preamble, RunResults* record)
      : options_(options), preamble_(std::move(preamble)), record_(record) {}

  void OnTestProgramStart(const ::testing::UnitTest& unit) override {
    if (options_.ktap) std::cout << "KTAP version 1\n1.." << unit.test_to_run_count() << "\n";
    std::cout << preamble_ << std::flush;
  }
  void OnTestStart(const ::testing::TestInfo&) override { SuiteContext::Get().BeginTest(); }
  void OnTestEnd(const ::testing::TestInfo& test) override {
    auto& ctx = SuiteContext::Get();
    const bool failed = test.result()->Failed();
    if (options_.progress) std::cerr << "\r\033[K" << std::flush;
    // The failure (RapidCheck's counterexample and the report), then what
    // EndTest() adds after it: the report directory and the final, further
    // shrunk sequence, so the sequence printed last is the final one.
    const char* diag = options_.ktap ? "# " : "";
    if (failed) PrintPrefixed(std::cout, FailureText(test), diag);
    const std::string report = ctx.EndTest(failed);
    PrintPrefixed(std::cout, report, diag);
    std::cout << std::flush;
    ++number_;
    const std::string name = std::string(test.test_suite_name()) + "." + test.name();
    const bool skipped = test.result()->Skipped();
    TestResult recorded;
    recorded.name = name;
    recorded.status = failed ? TestResult::kFail : skipped ? TestResult::kSkip : TestResult::kOk;
    recorded.ms = static_cast<double>(test.result()->elapsed_time());
    if (skipped) recorded.reason = FirstLine(FailureText(test));
    if (failed) recorded.failure = FailureText(test) + report;
    record_->tests.push_back(recorded);
    if (options_.ktap) {
      std::cout << (failed ? "not ok " : "ok ") << number_ << " " << name;
      if (skipped) std::cout << " # SKIP " << FirstLine(FailureText(test));
      std::cout << "\n" << std::flush;
      return;
    }
    if (failed) {
      std::cout << "FAIL  " << name << "\n" << std::flush;
    } else if (!options_.quiet) {
      std::cout << (skipped ? "SKIP  " : "ok    ") << name;
      if (skipped) std::cout << " (" << FirstLine(FailureText(test)) << ")";
      std::cout << " [" << test.result()->elapsed_time() << " ms]\n" << std::flush;
    }
  }

 private:
  static std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }
  RunOptions options_;
  std::string preamble_;
  RunResults* record_;
  int number_ = 0;
};

// Known kernel bugs the run met: each erratum once, with its evidence and
// the first sequence that hit it (not shrunk: the registry has the shrunk one).
std::vector<KnownBugSummary> KnownBugs(const SuiteContext& ctx) {
  std::vector<KnownBugSummary> bugs;
  for (const auto& [id, bug] : ctx.known_bugs()) {
    const Erratum& e = *bug.erratum;
    std::ostringstream details;
    details << "  rule: " << e.rule << "\n  kernels: " << e.KernelRange() << "\n  fix: " << e.fix
            << "\n  reproducer: " << e.reproducer << "\n  first sequence that hit it:\n";
    PrintPrefixed(details, bug.first_report, "    ");
    bugs.push_back({id, bug.sequences, e.fix, details.str()});
  }
  return bugs;
}

int Main(int argc, char** argv) {
  RunOptions options;
  bool seed_given = false;
  SoakFlags soak;
  if (const int rc = ParseFlags(argc, argv, &options, &seed_given, &soak); rc != 0) return rc;
  if (soak.check_output_paths) return kExitConformant;  // the paths passed ParseFlags()' checks
  if (!seed_given) options.seed = RandomSeed();
  if (soak.soak) {
    SoakOptions so;
    so.steps_total = soak.steps_total;
    so.duration_seconds = static_cast<double>(soak.duration);
    so.seed = options.seed;
    so.sequences_per_seed = soak.sequences_given ? options.sequences : 1000;
    so.steps = soak.steps_given ? options.steps : 80;
    so.report_dir = options.report_dir;
    so.run_flags = soak.run_flags;
    so.shard = soak.shard;
    so.shards = soak.shards;
    // Jobs: one run per CPU this process may use, each pinned to its own;
    // one where the run has the machine to itself, whose counters and
    // compaction settings are global (rules 72, 73).
    const std::vector<int> cpus = AllowedCpus();
    const char* exclusive = std::getenv("MLOCKCHECK_EXCLUSIVE_MACHINE");
    const bool global_state = options.exclusive_machine || (exclusive != nullptr && std::string(exclusive) == "1");
    so.jobs = static_cast<uint32_t>(soak.jobs != 0 ? soak.jobs : global_state ? 1 : cpus.size());
    if (global_state && so.jobs > 1) {
      std::cerr << "mlockcheck: --jobs " << so.jobs << " with --exclusive-machine: the meminfo counters and the "
                << "compaction setting are the machine's, one run at a time only\n";
      return kExitHarness;
    }
    std::cout << "mlockcheck soak: seed " << so.seed << ", up to " << so.steps_total << " steps"
              << (soak.duration > 0 ? " or " + std::to_string(soak.duration) + " s" : "")
              << ", " << so.sequences_per_seed << " sequences of up to " << so.steps << " steps per seed"
              << ", " << so.jobs << (so.jobs == 1 ? " job" : " jobs")
              << (so.shards > 1 ? ", shard " + std::to_string(so.shard) + "/" + std::to_string(so.shards) : "")
              << "\n" << std::flush;
    SoakLauncher launcher;
    std::vector<SelfProcess> processes;
    so.hugetlb_in_first_job_only = so.jobs > 1 && ReadHugetlbState().free > 0;
    // Rule 72 once for the whole soak, against the machine before its first seed.
    so.end_of_run_in_soak = true;
    const MlockedSample baseline = SampleMlocked();
    launcher.end_of_run = [&](std::string* detail) {
      const MlockedCheck check = AwaitMlockedBack(baseline);
      switch (check.verdict) {
        case MlockedVerdict::kBack: *detail = "Mlocked back: " + check.detail; return true;
        case MlockedVerdict::kUndetermined: *detail = "SKIP Mlocked: " + check.detail; return true;
        case MlockedVerdict::kLeaked: break;
      }
      *detail = MlockedLeakMessage(check);
      return false;
    };
    launcher.start = [&](const std::vector<std::string>& args, uint32_t job, std::string* error) -> int64_t {
      SelfProcess process;
      const int cpu = so.jobs > 1 ? cpus[job % cpus.size()] : -1;
      if (!StartSelf(args, cpu, &process, error)) return -1;
      processes.push_back(process);
      return static_cast<int64_t>(processes.size() - 1);
    };
    launcher.wait = [&](int64_t handle, std::string* output) {
      return WaitSelf(&processes[static_cast<size_t>(handle)], output);
    };
    return RunSoak(so, launcher, std::cout);
  }
  // Jobs: one per CPU this process may use; one where the run has the
  // machine to itself, whose counters and compaction settings are global
  // (rules 72, 73), and one under a user's RC_PARAMS (a reproduce= string
  // is one job's).
  const char* exclusive = std::getenv("MLOCKCHECK_EXCLUSIVE_MACHINE");
  const bool global_state = options.exclusive_machine || (exclusive != nullptr && std::string(exclusive) == "1");
  const bool user_params = std::getenv("RC_PARAMS") != nullptr;
  const uint32_t jobs = static_cast<uint32_t>(soak.jobs != 0                  ? soak.jobs
                                              : global_state || user_params ? 1
                                                                            : AllowedCpus().size());
  if (global_state && jobs > 1) {
    std::cerr << "mlockcheck: --jobs " << jobs << ": this run has the machine to itself (--exclusive-machine, "
              << "or a ./mlockcheck vm guest), whose meminfo counters and compaction setting allow one job only\n";
    return kExitHarness;
  }
  const uint64_t origin_seed = options.seed;
  const uint64_t share = RunShardSequences(options.sequences, soak.shard, soak.shards);
  // What merge compares between the parts of a run (--no-hugetlb differs
  // between the jobs of one).
  std::string run_identity = " --sequences " + std::to_string(options.sequences) + " --steps " +
                             std::to_string(options.steps);
  for (const std::string& f : soak.run_flags) {
    if (f != "--no-hugetlb") run_identity += " " + f;
  }
  if (jobs > 1) {
    RunJobsPlan plan;
    plan.seed = origin_seed;
    plan.shard = soak.shard;
    plan.shards = soak.shards;
    plan.sequences = share;
    plan.steps = options.steps;
    plan.jobs = jobs;
    plan.cpus = AllowedCpus();
    plan.run_flags = soak.run_flags;
    plan.report_dir = options.report_dir.empty() ? DefaultReportDir(KernelRelease()) : options.report_dir;
    plan.ktap = options.ktap;
    plan.quiet = options.quiet;
    plan.junit = options.junit;
    plan.results_dir = soak.results_dir;
    plan.hugetlb_in_first_job_only = ReadHugetlbState().free > 0;
    plan.run_identity = run_identity;
    return RunJobs(plan, std::cout);
  }
  // A shard is a run of its share from its own seed: its report's rerun
  // line (SuiteContext::ReplayHint()) repeats it alone.
  options.seed = RunShardSeed(origin_seed, soak.shard, soak.shards);
  options.sequences = share;
  const bool scenarios = soak.shard == 1 && !soak.skip_scenarios;

  options.progress = !options.ktap && !options.quiet && StderrIsTerminal();
  const auto start = std::chrono::steady_clock::now();
  const char* diag = options.ktap ? "# " : "";
  RunResults record;
  record.seed = origin_seed;
  record.shard = soak.shard;
  record.shards = soak.shards;
  record.strict = options.strict;
  record.run = run_identity;
  record.kernel = KernelRelease();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  // The results file, when asked for; a run that cannot write it fails.
  auto finish = [&](int code) {
    if (soak.results_dir.empty()) return code;
    record.exit_code = code;
    record.seconds = seconds();
    std::string why;
    if (WriteRunResults(soak.results_dir, record, &why)) return code;
    std::cout << diag << "mlockcheck: " << why << "\n";
    return code == kExitConformant || code == kExitNothingRan ? static_cast<int>(kExitHarness) : code;
  };
  auto nothing_ran = [&](const std::string& why, int code) {
    record.stopped = why;
    record.harness_errors = code == kExitHarness ? 1 : 0;
    record.exit_code = code;
    record.seconds = seconds();
    record.coverage = Coverage().Save();
    PrintRunResults(record, options.ktap, options.quiet, std::cout);
    return finish(code);
  };

  // Without CAP_IPC_LOCK every call runs under the RLIMIT_MEMLOCK the user
  // has, which the executor measures and the model follows (mm/mlock.c
  // can_do_mlock(), do_mlock()); the header says which applies.
  auto& ctx = SuiteContext::Get();
  std::string message;
  if (const int rc = ctx.Init(options, &message); rc != kExitConformant) return nothing_ran(message, rc);
  record.kernel = ctx.release();

  // RapidCheck reads RC_PARAMS once; ours come first so a user's own
  // RC_PARAMS (e.g. reproduce=...) still applies on top.
  std::string params = "seed=" + std::to_string(options.seed) +
                       " max_success=" + std::to_string(options.sequences) +
                       " max_size=" + std::to_string(options.steps - 1);
  if (const char* user = std::getenv("RC_PARAMS")) params += std::string(" ") + user;
  setenv("RC_PARAMS", params.c_str(), 1);
  // The header already says what RapidCheck's own configuration line would;
  // a bad RC_PARAMS still fails loudly.
  if (const std::string why = LoadRapidCheckConfiguration(); !why.empty()) {
    std::cerr << "mlockcheck: " << why << "\n";
    return kExitHarness;
  }

  std::ostringstream arena;
  arena << "arena 0x" << std::hex << ctx.model_config().arena_base << std::dec << " + " << options.arena_mib
        << " MiB; " << options.sequences << " sequences of up to " << options.steps << " steps; seed ";
  if (soak.shards > 1) arena << origin_seed << ", shard " << soak.shard << "/" << soak.shards << ": seed ";
  arena << options.seed;
  record.header = {"mlockcheck: kernel " + ctx.release() + ", " + ctx.model_config().profile.Describe(), arena.str()};
  for (const auto& note : ctx.notes()) record.header.push_back(note);
  std::ostringstream preamble;
  if (!options.quiet || options.ktap) {
    for (const std::string& line : record.header) preamble << diag << line << "\n";
  }

  std::vector<std::string> args = {argv[0], "--gtest_brief=0"};
  if (!options.junit.empty()) args.push_back("--gtest_output=xml:" + options.junit);
  // What another shard or job runs instead: the scenarios run once, and the
  // end-of-run check in the process that outlives the others.
  std::string excluded;
  if (!scenarios) excluded += ":Reference/*:Limits/*";
  if (soak.skip_measured) excluded += ":Measured.*";
  if (soak.skip_end_of_run_check) excluded += ":SystemCounters/*";
  if (!excluded.empty()) args.push_back("--gtest_filter=-" + excluded.substr(1));
  std::vector<char*> gtest_argv;
  for (auto& a : args) gtest_argv.push_back(a.data());
  int gtest_argc = static_cast<int>(gtest_argv.size());
  ::testing::InitGoogleTest(&gtest_argc, gtest_argv.data());
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new Printer(options, preamble.str(), &record));
  const int gtest_rc = RUN_ALL_TESTS();

  record.coverage = ctx.coverage().Save();
  if (!options.quiet) {
    std::ostringstream summary;
    ctx.coverage().Print(summary, diag);
    std::cout << summary.str() << std::flush;
  }
  record.known_bugs = KnownBugs(ctx);
  PrintKnownBugs(record.known_bugs, options.strict, options.quiet, diag, std::cout);
  record.sequences = ctx.sequences();
  record.steps = ctx.steps();
  record.divergences = ctx.divergences();
  record.harness_errors = ctx.harness_errors();
  record.seconds = seconds();
  std::cout << diag
            << ResultLine(ctx.release(), record.sequences, record.steps, record.divergences, record.known_bugs.size(),
                          record.harness_errors, record.seconds)
            << "\n" << std::flush;
  if (ctx.divergences() > 0) return finish(kExitDivergence);
  if (options.strict && !ctx.known_bugs().empty()) return finish(kExitDivergence);
  if (ctx.harness_errors() > 0 || gtest_rc != 0) return finish(kExitHarness);
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (unit->successful_test_count() == unit->skipped_test_count()) return finish(kExitNothingRan);
  return finish(kExitConformant);
}

}  // namespace
}  // namespace mlc

int main(int argc, char** argv) { return mlc::Main(argc, argv); }
