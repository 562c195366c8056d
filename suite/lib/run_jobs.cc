#include "suite/lib/run_jobs.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "runners/host.h"
#include "suite/lib/coverage.h"
#include "suite/lib/mlocked_baseline.h"
#include "suite/lib/run_results.h"
#include "suite/lib/soak.h"

namespace mlc {
namespace {

std::string LastLines(const std::string& output, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(WithoutRapidCheckBanner(output));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string text;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) text += lines[i] + "\n";
  return text;
}

}  // namespace

uint64_t RunShardSeed(uint64_t seed, uint32_t shard, uint32_t shards) {
  return shards <= 1 ? seed : SoakSeed(seed, shard - 1);
}

uint64_t RunShardSequences(uint64_t sequences, uint32_t shard, uint32_t shards) {
  return sequences / shards + (shard - 1 < sequences % shards ? 1 : 0);
}

int RunJobs(const RunJobsPlan& plan, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  // The end-of-run check is the parent's: its children's runs overlap, so
  // none of them sees the machine come back to where it was (rule 72).
  const MlockedSample baseline = SampleMlocked();
  std::string error;
  const std::string tmp = MakeTempDir("mlockcheck-jobs", &error);
  if (tmp.empty()) {
    out << (plan.ktap ? "KTAP version 1\n1..0 # SKIP " : "mlockcheck: harness error: ") << error << "\n";
    return 2;
  }
  const uint64_t part_seed = RunShardSeed(plan.seed, plan.shard, plan.shards);
  std::vector<SelfProcess> processes(plan.jobs);
  std::vector<std::string> errors(plan.jobs);
  std::vector<bool> started(plan.jobs, false);
  for (uint32_t j = 1; j <= plan.jobs; ++j) {
    const std::string job = std::to_string(j);
    std::vector<std::string> args = {"--seed",        std::to_string(part_seed),
                                     "--sequences",   std::to_string(plan.sequences),
                                     "--steps",       std::to_string(plan.steps),
                                     "--shard",       job + "/" + std::to_string(plan.jobs),
                                     "--results-dir", tmp + "/job-" + job,
                                     "--report-dir",  plan.report_dir + "/job-" + job,
                                     "--quiet",       "--skip-end-of-run-check",
                                     "--jobs",        "1"};
    // The reference scenarios run once per run: in shard 1's first job;
    // the measurements of this machine once: in its first job.
    if (plan.shard > 1) args.push_back("--skip-scenarios");
    if (j > 1) args.push_back("--skip-measured");
    if (j > 1 && plan.hugetlb_in_first_job_only) args.push_back("--no-hugetlb");
    args.insert(args.end(), plan.run_flags.begin(), plan.run_flags.end());
    const int cpu = plan.cpus.empty() ? -1 : plan.cpus[(j - 1) % plan.cpus.size()];
    started[j - 1] = StartSelf(args, cpu, &processes[j - 1], &errors[j - 1]);
  }
  // On a terminal, a word while the jobs run: their output comes at the end.
  if (StderrIsTerminal()) {
    std::cerr << "mlockcheck: " << plan.jobs << " jobs running (seeds";
    for (uint32_t j = 1; j <= plan.jobs; ++j) std::cerr << (j > 1 ? ", " : " ") << RunShardSeed(part_seed, j, plan.jobs);
    std::cerr << "); the merged results follow when they end\n";
  }
  std::vector<RunResults> parts;
  std::vector<size_t> stubs;  // parts of jobs that left no results
  std::string kernel = KernelRelease();
  for (uint32_t j = 1; j <= plan.jobs; ++j) {
    std::string output = errors[j - 1];
    const int rc = started[j - 1] ? WaitSelf(&processes[j - 1], &output) : -1;
    RunResults part;
    std::string why;
    if (started[j - 1] && ReadRunResults(tmp + "/job-" + std::to_string(j), &part, &why)) {
      parts.push_back(std::move(part));
      continue;
    }
    // A job that ended without results is a harness error of the run, with
    // what it printed last.
    part.kernel = kernel;
    part.seed = part_seed;
    part.shard = j;
    part.shards = plan.jobs;
    part.exit_code = 2;
    part.harness_errors = 1;
    part.stopped = "job " + std::to_string(j) + " ended without its results (exit code " + std::to_string(rc) +
                   (why.empty() ? "" : "; " + why) + "): " + LastLines(output, 1);
    if (!part.stopped.empty() && part.stopped.back() == '\n') part.stopped.pop_back();
    Coverage none;
    part.coverage = none.Save();
    PrintPrefixed(out, LastLines(output, 20), plan.ktap ? "# " : "");
    stubs.push_back(parts.size());
    parts.push_back(std::move(part));
  }
  // A job that left no results knows no flags: it takes another job's.
  for (size_t i = 0; i < parts.size() && stubs.size() < parts.size(); ++i) {
    if (std::find(stubs.begin(), stubs.end(), i) != stubs.end()) continue;
    for (const size_t stub : stubs) {
      parts[stub].strict = parts[i].strict;
      parts[stub].kernel = parts[i].kernel;
      parts[stub].run = parts[i].run;
    }
    break;
  }
  RunResults merged;
  std::error_code ec;
  if (!MergeRunResults(parts, &merged, &error, "job")) {
    std::filesystem::remove_all(tmp, ec);
    out << (plan.ktap ? "KTAP version 1\n1..0 # SKIP " : "mlockcheck: harness error: ")
        << "the jobs' results do not merge: " << error << "\n";
    return 2;
  }
  std::filesystem::remove_all(tmp, ec);
  merged.seed = plan.seed;
  merged.run = plan.run_identity;
  merged.shard = plan.shard;
  merged.shards = plan.shards;
  for (std::string& line : merged.header) {
    if (line.rfind("arena ", 0) != 0) continue;
    std::ostringstream os;
    os << line.substr(0, line.find("; ")) << "; " << plan.sequences << " sequences of up to " << plan.steps
       << " steps; seed " << plan.seed;
    if (plan.shards > 1) os << ", shard " << plan.shard << "/" << plan.shards << ": seed " << part_seed;
    os << "; " << plan.jobs << " jobs, seeds";
    for (uint32_t j = 1; j <= plan.jobs; ++j) os << (j > 1 ? ", " : " ") << RunShardSeed(part_seed, j, plan.jobs);
    os << " (a failure names its job's own run)";
    line = os.str();
  }
  if (merged.stopped.empty()) {
    const MlockedCheck check = AwaitMlockedBack(baseline);
    TestResult end_of_run;
    end_of_run.name = kEndOfRunTestName;
    if (check.verdict == MlockedVerdict::kUndetermined) {
      end_of_run.status = TestResult::kSkip;
      end_of_run.reason = "NR_MLOCK after the run: " + check.detail;
    } else if (check.verdict == MlockedVerdict::kLeaked) {
      end_of_run.status = TestResult::kFail;
      end_of_run.failure = MlockedLeakMessage(check) + "\n";
      ++merged.divergences;
      merged.exit_code = 1;
    }
    merged.tests.push_back(end_of_run);
  }
  merged.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintRunResults(merged, plan.ktap, plan.quiet, out);
  int rc = merged.exit_code;
  if (!plan.junit.empty() && !WriteJUnit(merged, plan.junit, &error)) {
    out << "mlockcheck: " << error << "\n";
    rc = rc == 0 ? 2 : rc;
  }
  if (!plan.results_dir.empty() && !WriteRunResults(plan.results_dir, merged, &error)) {
    out << "mlockcheck: " << error << "\n";
    rc = rc == 0 ? 2 : rc;
  }
  return rc;
}

}  // namespace mlc
