// mlockcheck-bench: how fast the suite verifies steps on the running kernel,
// and how much of that time is the kernel's. Measurements are printed, not
// asserted: timing assertions flake.
//
// The pipeline is the conformance run's own: RapidCheck generates each
// sequence from the model, one fresh executor child runs it with all five
// channels observed after every step, and the model checks each step while
// the child goes on.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>

#include "runners/host.h"
#include "suite/lib/cli_args.h"
#include "suite/lib/sequence_gen.h"
#include "suite/lib/suite_context.h"
#include "suite/lib/report.h"
#include "suite/lib/verify.h"

namespace mlc {
namespace {

struct Pass {
  uint64_t sequences = 0, steps = 0, kernel_ns = 0, child_ns = 0;
  double seconds = 0;
  double StepsPerSecond() const { return seconds > 0 ? static_cast<double>(steps) / seconds : 0; }
  double KernelShare() const { return seconds > 0 ? static_cast<double>(kernel_ns) / 1e9 / seconds : 0; }
};

struct BenchOptions {
  double seconds = 10;
  uint32_t steps = 40;
  uint64_t seed = 1;
  uint64_t jobs = 0;     // 0: the CPUs this process may use
  bool one_job = false;  // internal: one job of a --jobs N measurement, one BENCH-JOB line
};

constexpr const char* kBenchHelp =
    "usage: mlockcheck bench [--seconds S] [--steps N] [--seed S] [--jobs N]\n"
    "Measures how fast the conformance pipeline verifies steps on this kernel and how\n"
    "much of the time is the kernel's; prints the numbers and a BENCH line, for one job\n"
    "and then, side by side, for N jobs at once (each its own executor on its own CPU).\n"
    "  --seconds S  how long to measure each (above 0, at most 86400; default 10)\n"
    "  --steps N    longest sequence, in calls (1 to 4096; default 40)\n"
    "  --seed S     the generator's seed (default 1; job j of N uses S + j)\n"
    "  --jobs N     jobs for the second measurement (1 to 256; default: the CPUs this\n"
    "               process may use; 1: one measurement)\n"
    "Numbers are decimal, or hexadecimal after 0x.\n"
    "exit codes: 0 measured, 1 a divergence or memory locked outside the children,\n"
    "            2 usage or harness error, 4 nothing could run\n";

int ParseBenchFlags(int argc, char** argv, BenchOptions* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    std::string why;
    uint64_t n = 0;
    if (flag == "--help" || flag == "-h") {
      std::cout << kBenchHelp;
      std::exit(0);
    } else if (flag == "--seconds") {
      why = ReadSeconds(flag, v, 86400, &o->seconds);
    } else if (flag == "--steps") {
      if ((why = ReadCount(flag, v, 1, 4096, &n)).empty()) o->steps = static_cast<uint32_t>(n);
    } else if (flag == "--seed") {
      why = ReadCount(flag, v, 0, UINT64_MAX, &o->seed);
    } else if (flag == "--jobs") {
      why = ReadCount(flag, v, 1, 256, &o->jobs);
    } else if (flag == "--one-job") {
      o->one_job = true;  // no value
      continue;
    } else {
      why = "unknown flag '" + flag + "' (usage: bench [--seconds S] [--steps N] [--seed S] [--jobs N])";
    }
    if (!why.empty()) {
      std::cerr << "mlockcheck: " << why << "\n";
      return kExitHarness;
    }
    ++i;
  }
  return 0;
}

// One job's measurement: the numbers of the pipeline's pass.
struct Measured {
  Pass pass;
  uint64_t failures = 0, known_bugs = 0, child_rss_kb = 0;
  long self_rss_kb = 0, server_rss_kb = 0, self_locked_kb = -1, server_locked_kb = -1;
  double PeakMib() const {
    return static_cast<double>(self_rss_kb + server_rss_kb + static_cast<long>(child_rss_kb)) / 1024.0;
  }
  bool NothingLocked() const { return self_locked_kb == 0 && server_locked_kb == 0; }
};

Measured Measure(SuiteContext& ctx, const BenchOptions& bench) {
  const auto gen = GenSequence(Model(ctx.model_config()), ctx.gen_options());
  rc::Random random(bench.seed);
  uint64_t generated = 0;
  // Lengths cycle through 1..steps as RapidCheck's sizes do over a run.
  auto generate = [&] {
    const int size = static_cast<int>(generated++ % bench.steps);
    return gen(random.split(), size).value().ops;
  };
  // The conformance run's pipeline, serial as under RapidCheck: generate a
  // sequence, then run it in a fresh child and check every step.
  Measured m;
  Pass& p = m.pass;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(bench.seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::vector<Op> ops = generate();
    const SequenceResult result = VerifySequence(ops, ctx.model_config(), ctx.executor(), nullptr);
    ++p.sequences;
    p.steps += result.outcomes.size();
    p.kernel_ns += result.run.kernel_ns;
    p.child_ns += result.run.child_ns;
    m.child_rss_kb = std::max(m.child_rss_kb, result.run.max_rss_kb);
    if (result.verdict != Verdict::kConformant) {
      const std::string report =
          RenderReport(ops, result, ctx.model_config(), ctx.release(), "bench --seed " + std::to_string(bench.seed));
      // A registered kernel bug (suite/errata) is the kernel's, as in a
      // conformance run: counted apart, not a divergence of the bench.
      if (ctx.MatchKnownBug(ops, result, report, /*counting=*/false) != nullptr) {
        ++m.known_bugs;
        continue;
      }
      ++m.failures;
      std::cout << report;
    }
  }
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.self_rss_kb = SelfMaxRssKb();
  m.server_rss_kb = StatusFieldKb(ctx.executor().pid(), "VmHWM").value_or(0);
  m.self_locked_kb = StatusFieldKb(0, "VmLck").value_or(-1);
  m.server_locked_kb = StatusFieldKb(ctx.executor().pid(), "VmLck").value_or(-1);
  return m;
}

void PrintBenchLine(const std::string& release, uint64_t jobs, double steps_per_second, double kernel_share,
                    double peak_mib) {
  std::printf("BENCH kernel=%s jobs=%llu steps_per_second=%.0f kernel_share=%.2f peak_rss_mib=%.1f\n",
              release.c_str(), static_cast<unsigned long long>(jobs), steps_per_second, kernel_share, peak_mib);
}

// The second measurement: `jobs` copies of this program at once, each with
// its own executor pinned to its own CPU (one of those this process may
// use), seed S + j; their BENCH-JOB lines summed: steps per second added,
// kernel_share averaged, peak_rss_mib the largest job's.
int MeasureJobs(const BenchOptions& bench, const std::string& release) {
  const std::vector<int> cpus = AllowedCpus();
  std::vector<SelfProcess> processes(bench.jobs);
  for (uint64_t j = 0; j < bench.jobs; ++j) {
    const std::vector<std::string> args = {"--one-job", "--seconds", std::to_string(bench.seconds), "--steps",
                                           std::to_string(bench.steps), "--seed", std::to_string(bench.seed + j)};
    std::string error;
    if (!StartSelf(args, cpus[j % cpus.size()], &processes[j], &error)) {
      std::cout << "mlockcheck-bench: cannot start job " << j << ": " << error << "\n";
      return kExitHarness;
    }
  }
  double steps_per_second = 0, share = 0, peak = 0;
  uint64_t failures = 0, known_bugs = 0;
  int worst = kExitConformant;
  for (uint64_t j = 0; j < bench.jobs; ++j) {
    std::string out;
    const int rc = WaitSelf(&processes[j], &out);
    worst = std::max(worst, rc);
    std::istringstream lines(out);
    bool found = false;
    for (std::string line; std::getline(lines, line);) {
      double sps = 0, ks = 0, mib = 0;
      unsigned long long f = 0, k = 0;
      if (std::sscanf(line.c_str(), "BENCH-JOB steps_per_second=%lf kernel_share=%lf peak_rss_mib=%lf failures=%llu "
                                    "known_bugs=%llu",
                      &sps, &ks, &mib, &f, &k) == 5) {
        found = true;
        steps_per_second += sps;
        share += ks;
        peak = std::max(peak, mib);
        failures += f;
        known_bugs += k;
      } else {
        std::cout << line << "\n";  // a job's divergence report or error
      }
    }
    if (!found) {
      std::cout << "mlockcheck-bench: job " << j << " printed no BENCH-JOB line (exit " << rc << ")\n";
      worst = std::max(worst, static_cast<int>(kExitHarness));
    }
  }
  std::printf("%llu jobs at once: %.0f steps/s, %llu known kernel bugs, %llu divergences or errors\n",
              static_cast<unsigned long long>(bench.jobs), steps_per_second,
              static_cast<unsigned long long>(known_bugs), static_cast<unsigned long long>(failures));
  PrintBenchLine(release, bench.jobs, steps_per_second, share / static_cast<double>(bench.jobs), peak);
  return worst;
}

int Main(int argc, char** argv) {
  BenchOptions bench;
  if (const int rc = ParseBenchFlags(argc, argv, &bench); rc != 0) return rc;
  if (bench.jobs == 0) bench.jobs = AllowedCpus().size();
  RunOptions run;
  run.steps = bench.steps;
  std::string message;
  auto& ctx = SuiteContext::Get();
  if (const int rc = ctx.Init(run, &message); rc != kExitConformant) {
    std::cout << "mlockcheck-bench: " << message << "\n";
    return rc;
  }
  const Measured m = Measure(ctx, bench);
  const Pass& p = m.pass;
  if (bench.one_job) {
    std::printf("BENCH-JOB steps_per_second=%.0f kernel_share=%.4f peak_rss_mib=%.1f failures=%llu known_bugs=%llu\n",
                p.StepsPerSecond(), p.KernelShare(), m.PeakMib(), static_cast<unsigned long long>(m.failures),
                static_cast<unsigned long long>(m.known_bugs));
    return m.failures == 0 && m.NothingLocked() ? kExitConformant : kExitDivergence;
  }

  std::printf("kernel %s, sequences of 1 to %u steps, seed %llu, %.0f s\n", ctx.release().c_str(),
              bench.steps, static_cast<unsigned long long>(bench.seed), bench.seconds);
  const double steps = static_cast<double>(std::max<uint64_t>(p.steps, 1));
  const double seqs = static_cast<double>(std::max<uint64_t>(p.sequences, 1));
  std::printf("sequences              %llu\n", static_cast<unsigned long long>(p.sequences));
  std::printf("verified steps         %llu in %.2f s\n", static_cast<unsigned long long>(p.steps), p.seconds);
  std::printf("kernel time            %.2f s\n", static_cast<double>(p.kernel_ns) / 1e9);
  std::printf("harness in the child   %.1f us per step (parsing smaps, reporting)\n",
              static_cast<double>(p.child_ns - p.kernel_ns) / 1e3 / steps);
  std::printf("harness between runs   %.1f us per sequence (generation, start of the child)\n",
              (p.seconds * 1e9 - static_cast<double>(p.child_ns)) / 1e3 / seqs);
  std::printf("kernel_share: time inside the calls under test and the smaps/status/mincore\n"
              "  reads, as the child measures it, over wall time\n");
  std::printf("peak rss               runner %ld kB + executor %ld kB + largest child %llu kB\n", m.self_rss_kb,
              m.server_rss_kb, static_cast<unsigned long long>(m.child_rss_kb));
  std::printf("locked outside child   runner %ld kB, executor %ld kB\n", m.self_locked_kb, m.server_locked_kb);
  std::printf("known kernel bugs      %llu sequences (registered errata, not divergences)\n",
              static_cast<unsigned long long>(m.known_bugs));
  std::printf("divergences or errors  %llu\n", static_cast<unsigned long long>(m.failures));
  PrintBenchLine(ctx.release(), 1, p.StepsPerSecond(), p.KernelShare(), m.PeakMib());
  int rc = m.failures == 0 && m.NothingLocked() ? kExitConformant : kExitDivergence;
  // Jobs side by side cannot share the machine-wide checks of an exclusive
  // machine (meminfo's counters, compaction's setting): they run without.
  if (bench.jobs > 1) {
    setenv("MLOCKCHECK_EXCLUSIVE_MACHINE", "0", 1);
    rc = std::max(rc, MeasureJobs(bench, ctx.release()));
  }
  return rc;
}

}  // namespace
}  // namespace mlc

int main(int argc, char** argv) { return mlc::Main(argc, argv); }
