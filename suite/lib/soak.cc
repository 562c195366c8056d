#include "suite/lib/soak.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <sstream>

namespace mlc {
namespace {

// Steps per sequence seen with --steps 80 (about 20): sizes the last run so
// that a budget is not overshot by a whole seed's worth.
constexpr uint64_t kStepsPerSequenceEstimate = 20;

bool FieldValue(const std::string& line, const std::string& key, std::string* value) {
  const std::string needle = " " + key + "=";
  const size_t at = line.find(needle);
  if (at == std::string::npos) return false;
  const size_t from = at + needle.size();
  *value = line.substr(from, line.find(' ', from) - from);
  return true;
}

bool FieldNumber(const std::string& line, const std::string& key, uint64_t* n) {
  std::string v;
  if (!FieldValue(line, key, &v) || v.empty()) return false;
  char* end = nullptr;
  *n = std::strtoull(v.c_str(), &end, 10);
  return *end == '\0';
}

}  // namespace

SoakRun ParseRunOutput(const std::string& output) {
  SoakRun run;
  std::istringstream in(output);
  std::string line;
  const std::string bug = "KNOWN KERNEL BUG ";
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) line = line.substr(2);
    if (line.rfind(bug, 0) == 0) {
      run.known_bugs.insert(line.substr(bug.size(), line.find(':') - bug.size()));
    } else if (line.rfind("RESULT ", 0) == 0) {
      run.parsed = FieldValue(line, "kernel", &run.kernel) && FieldNumber(line, "sequences", &run.sequences) &&
                   FieldNumber(line, "steps", &run.steps) && FieldNumber(line, "divergences", &run.divergences);
    }
  }
  return run;
}

std::string WithoutRapidCheckBanner(const std::string& output) {
  std::istringstream in(output);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.rfind("Using configuration:", 0) != 0) kept += line + "\n";
  }
  return kept;
}

uint64_t SoakSeed(uint64_t origin, uint64_t i) {
  uint64_t z = origin + (i + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<std::string> SoakRunArgs(const SoakOptions& options, uint64_t seed, uint64_t sequences) {
  std::vector<std::string> args = {"--seed",  std::to_string(seed), "--sequences", std::to_string(sequences),
                                   "--steps", std::to_string(options.steps), "--quiet",
                                   "--jobs",  "1"};  // the soak's jobs are its seeds
  if (options.end_of_run_in_soak) args.push_back("--skip-end-of-run-check");
  if (!options.report_dir.empty()) {
    args.push_back("--report-dir");
    args.push_back(options.report_dir + "/seed-" + std::to_string(seed));
  }
  args.insert(args.end(), options.run_flags.begin(), options.run_flags.end());
  return args;
}

int RunSoak(const SoakOptions& options, const SoakRunner& run, std::ostream& out) {
  // One at a time: start runs it, wait hands its result over.
  std::vector<std::pair<int, std::string>> done;
  SoakLauncher serial;
  serial.start = [&](const std::vector<std::string>& args, uint32_t, std::string*) -> int64_t {
    std::string output;
    const int rc = run(args, &output);
    done.emplace_back(rc, std::move(output));
    return static_cast<int64_t>(done.size() - 1);
  };
  serial.wait = [&](int64_t handle, std::string* output) {
    *output = std::move(done[static_cast<size_t>(handle)].second);
    return done[static_cast<size_t>(handle)].first;
  };
  SoakOptions one = options;
  one.jobs = 1;
  return RunSoak(one, serial, out);
}

int RunSoak(const SoakOptions& options, const SoakLauncher& launcher, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::string kernel = "unknown";
  uint64_t seeds = 0, sequences = 0, steps = 0, divergences = 0, harness_errors = 0, nothing_ran = 0;
  uint64_t strict_failures = 0;  // runs failed by --strict on a known kernel bug
  std::set<std::string> known_bugs;
  std::string flags;
  for (const std::string& f : options.run_flags) flags += " " + f;
  const uint32_t shards = std::max<uint32_t>(1, options.shards);
  const uint64_t budget = (options.steps_total + shards - 1) / shards;
  const uint32_t jobs = std::max<uint32_t>(1, options.jobs);
  // Runs started and not yet reported, oldest first: their seeds, sizes,
  // handles, job slots and start times.
  struct Pending {
    uint64_t seed, n;
    int64_t handle;
    uint32_t job;
    double started;
    std::string error;
    bool no_hugetlb;
  };
  std::deque<Pending> pending;
  uint64_t next = 0;        // the shard's next seed, counted within the shard
  bool stopping = false;    // no more runs start (time, or a run that cannot go on)
  std::vector<bool> busy(jobs, false);
  for (;;) {
    while (!stopping && pending.size() < jobs) {
      uint64_t outstanding = 0;
      for (const Pending& p : pending) outstanding += p.n * kStepsPerSequenceEstimate;
      if (options.duration_seconds > 0 && elapsed() >= options.duration_seconds) {
        stopping = true;
        break;
      }
      // The runs going on are expected to spend the rest; if they verify
      // fewer steps than estimated, more start once they end.
      if (steps + outstanding >= budget) break;
      const uint64_t seed = SoakSeed(options.seed, (options.shard - 1) + shards * next++);
      const uint64_t left = (budget - steps - outstanding + kStepsPerSequenceEstimate - 1) / kStepsPerSequenceEstimate;
      // The rest of the budget is shared among the job slots free now.
      const uint64_t free_slots = jobs - pending.size();
      const uint64_t n =
          std::max<uint64_t>(1, std::min(options.sequences_per_seed, (left + free_slots - 1) / free_slots));
      uint32_t job = 0;
      while (busy[job]) ++job;
      Pending p{seed, n, -1, job, elapsed(), "", options.hugetlb_in_first_job_only && job != 0};
      std::vector<std::string> args = SoakRunArgs(options, seed, n);
      if (p.no_hugetlb) args.push_back("--no-hugetlb");
      p.handle = launcher.start(args, job, &p.error);
      busy[job] = true;
      pending.push_back(std::move(p));
    }
    if (pending.empty()) break;
    Pending p = std::move(pending.front());
    pending.pop_front();
    busy[p.job] = false;
    std::string output = p.error;
    const int rc = p.handle < 0 ? -1 : launcher.wait(p.handle, &output);
    output = WithoutRapidCheckBanner(output);
    const SoakRun r = ParseRunOutput(output);
    ++seeds;
    if (r.parsed) kernel = r.kernel;
    sequences += r.sequences;
    steps += r.steps;
    divergences += r.divergences;
    known_bugs.insert(r.known_bugs.begin(), r.known_bugs.end());
    std::ostringstream line;
    line.setf(std::ios::fixed);
    line.precision(1);
    line << "SOAK-SEED seed=" << p.seed << " requested=" << p.n << " exit=" << rc << " sequences=" << r.sequences
         << " steps=" << r.steps << " divergences=" << r.divergences << " errata=" << r.known_bugs.size()
         << " seconds=" << elapsed() - p.started;
    out << line.str() << "\n";
    const std::string rerun = "  rerun: ./mlockcheck run --seed " + std::to_string(p.seed) + " --sequences " +
                              std::to_string(p.n) + " --steps " + std::to_string(options.steps) + " --jobs 1" +
                              (p.no_hugetlb ? " --no-hugetlb" : "") + flags + "\n";
    if (rc == 1 || r.divergences > 0) {
      if (r.divergences == 0) ++strict_failures;
      out << output << rerun;  // the run's reports: shrunk sequences, report directories
    } else if (rc == 4) {
      ++nothing_ran;
      out << output;
      stopping = true;  // the same kernel and flags will not run on the next seed either
    } else if (rc != 0 || !r.parsed) {
      ++harness_errors;
      out << output << rerun;
      if (!r.parsed) stopping = true;  // nothing verified: more seeds would spin
    }
    out << std::flush;
  }
  if (options.end_of_run_in_soak && launcher.end_of_run && steps > 0) {
    std::string detail;
    if (!launcher.end_of_run(&detail)) ++divergences;
    out << "END-OF-RUN " << detail << "\n";
  }
  if (!known_bugs.empty()) {
    out << "known kernel bugs met:";
    for (const std::string& id : known_bugs) out << " " << id;
    out << " (not counted as divergences; with --strict they fail the run)\n";
  }
  std::ostringstream summary;
  summary.setf(std::ios::fixed);
  summary.precision(1);
  summary << "SOAK kernel=" << kernel << " seeds=" << seeds << " sequences=" << sequences << " steps=" << steps
          << " divergences=" << divergences << " errata=" << known_bugs.size()
          << " harness_errors=" << harness_errors << " seconds=" << elapsed();
  out << summary.str() << "\n" << std::flush;
  if (divergences > 0 || strict_failures > 0) return 1;
  if (harness_errors > 0) return 2;
  if (nothing_ran > 0 && steps == 0) return 4;
  return 0;
}

}  // namespace mlc
