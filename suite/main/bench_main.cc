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
#include <iostream>
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
};

constexpr const char* kBenchHelp =
    "usage: mlockcheck bench [--seconds S] [--steps N] [--seed S]\n"
    "Measures how fast the conformance pipeline verifies steps on this kernel and how\n"
    "much of the time is the kernel's; prints the numbers and a BENCH line.\n"
    "  --seconds S  how long to measure (above 0, at most 86400; default 10)\n"
    "  --steps N    longest sequence, in calls (1 to 4096; default 40)\n"
    "  --seed S     the generator's seed (default 1)\n"
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
    } else {
      why = "unknown flag '" + flag + "' (usage: bench [--seconds S] [--steps N] [--seed S])";
    }
    if (!why.empty()) {
      std::cerr << "mlockcheck: " << why << "\n";
      return kExitHarness;
    }
    ++i;
  }
  return 0;
}

int Main(int argc, char** argv) {
  BenchOptions bench;
  if (const int rc = ParseBenchFlags(argc, argv, &bench); rc != 0) return rc;
  RunOptions run;
  run.steps = bench.steps;
  std::string message;
  auto& ctx = SuiteContext::Get();
  if (const int rc = ctx.Init(run, &message); rc != kExitConformant) {
    std::cout << "mlockcheck-bench: " << message << "\n";
    return rc;
  }
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
  uint64_t failures = 0, known_bugs = 0, child_rss_kb = 0;
  Pass p;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(bench.seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::vector<Op> ops = generate();
    const SequenceResult result = VerifySequence(ops, ctx.model_config(), ctx.executor(), nullptr);
    ++p.sequences;
    p.steps += result.outcomes.size();
    p.kernel_ns += result.run.kernel_ns;
    p.child_ns += result.run.child_ns;
    child_rss_kb = std::max(child_rss_kb, result.run.max_rss_kb);
    if (result.verdict != Verdict::kConformant) {
      const std::string report =
          RenderReport(ops, result, ctx.model_config(), ctx.release(), "bench --seed " + std::to_string(bench.seed));
      // A registered kernel bug (suite/errata) is the kernel's, as in a
      // conformance run: counted apart, not a divergence of the bench.
      if (ctx.MatchKnownBug(ops, result, report, /*counting=*/false) != nullptr) {
        ++known_bugs;
        continue;
      }
      ++failures;
      std::cout << report;
    }
  }
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const long self_rss_kb = SelfMaxRssKb();
  const long server_rss_kb = StatusFieldKb(ctx.executor().pid(), "VmHWM").value_or(0);
  const long self_locked_kb = StatusFieldKb(0, "VmLck").value_or(-1);
  const long server_locked_kb = StatusFieldKb(ctx.executor().pid(), "VmLck").value_or(-1);
  const double peak_mib = static_cast<double>(self_rss_kb + server_rss_kb + static_cast<long>(child_rss_kb)) / 1024.0;

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
  std::printf("peak rss               runner %ld kB + executor %ld kB + largest child %llu kB\n", self_rss_kb,
              server_rss_kb, static_cast<unsigned long long>(child_rss_kb));
  std::printf("locked outside child   runner %ld kB, executor %ld kB\n", self_locked_kb, server_locked_kb);
  std::printf("known kernel bugs      %llu sequences (registered errata, not divergences)\n",
              static_cast<unsigned long long>(known_bugs));
  std::printf("divergences or errors  %llu\n", static_cast<unsigned long long>(failures));
  std::printf("BENCH kernel=%s steps_per_second=%.0f kernel_share=%.2f peak_rss_mib=%.1f\n", ctx.release().c_str(),
              p.StepsPerSecond(), p.KernelShare(), peak_mib);
  return failures == 0 && self_locked_kb == 0 && server_locked_kb == 0 ? kExitConformant : kExitDivergence;
}

}  // namespace
}  // namespace mlc

int main(int argc, char** argv) { return mlc::Main(argc, argv); }
