#include "suite/lib/mutants.h"

#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "oracles/sequence_text.h"
#include "suite/lib/cli_args.h"
#include "suite/lib/minimize.h"
#include "suite/lib/report_dir.h"
#include "suite/lib/soak.h"
#include "suite/lib/repro.h"
#include "suite/lib/sequence_gen.h"
#include "suite/lib/suite_context.h"

namespace mlc {

namespace {
// THP mutants need the THP profile, and show in the page flags; hugetlb
// ones need free huge pages, which a simulated kernel has whatever the host
// reserved (four of 2 MiB).
ModelConfig ConfigForMutant(const ModelConfig& base, PlantedBug bug) {
  ModelConfig config = base;
  if (IsThpMutant(bug)) {
    config.thp = true;
    config.page_flags = true;
    config.huge_page_pages = 0;  // hugetlb is not modelled with --thp
  }
  if (IsHugetlbMutant(bug)) SetHugetlbConfig(2 << 20, 4, 0, 0, &config);
  // Reclaim mutants need reclaim() with swap (else nothing may go) and the
  // page flags; the others run without reclaim, whatever the host has.
  config.memcg_reclaim = IsReclaimMutant(bug);
  if (IsReclaimMutant(bug)) {
    config.swap_active = true;
    config.page_flags = true;
  }
  // Migration mutants need move_pages() between two nodes, the page flags
  // and the node channel; the others run without it.
  config.migration = config.observe_nodes = IsMigrationMutant(bug);
  config.system_counters = IsCountersMutant(bug);
  config.compaction = IsCompactionMutant(bug);
  if (IsCompactionMutant(bug)) config.page_flags = true;
  if (IsMigrationMutant(bug)) {
    config.numa_memory_nodes = 0x3;
    config.page_flags = true;
  }
  return config;
}
}  // namespace

SequenceResult SimulateSequence(const std::vector<Op>& ops, const ModelConfig& base, PlantedBug bug, bool as_given) {
  SequenceResult result;
  const ModelConfig config = as_given ? base : ConfigForMutant(base, bug);
  ModelConfig mutant_config = config;
  mutant_config.thp_simulate = config.thp;
  mutant_config.planted_bug = bug;
  Stepper oracle(config);
  Model kernel(mutant_config);
  Observation observed;
  for (size_t step = 0; step < ops.size(); ++step) {
    Predict(kernel, kernel.Apply(ops[step]), &observed);
    if (!CheckStep(oracle, ops[step], step, observed, &result)) return result;
  }
  result.run.steps_observed = static_cast<uint32_t>(ops.size());
  return result;
}

MutantHunt HuntMutant(const MutantInfo& mutant, const ModelConfig& config, const GenOptions& gen,
                      uint64_t seed, int sequences, int steps, bool shrink) {
  MutantHunt hunt;
  const auto start = std::chrono::steady_clock::now();
  const ModelConfig hunt_config = ConfigForMutant(config, mutant.bug);
  GenOptions gen_options = gen;
  gen_options.thp = hunt_config.thp;
  gen_options.madvise_without_folio_splits = hunt_config.thp;  // as a --thp run (UnmodelledReason())
  gen_options.hugetlb = hunt_config.huge_page_pages > 0;
  gen_options.reclaim = hunt_config.memcg_reclaim;
  gen_options.migration = hunt_config.migration;
  gen_options.compaction = hunt_config.compaction;
  gen_options.max_length = steps - 1;
  const auto property = [&] {
    const Sequence sequence = *GenSequence(Model(hunt_config), gen_options);
    if (!hunt.detected) ++hunt.sequences;
    SequenceResult result = SimulateSequence(sequence.ops, config, mutant.bug);
    if (result.verdict != Verdict::kDivergence) return;
    if (!hunt.detected) {
      hunt.detected = true;
      hunt.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    // RapidCheck moves to each failing candidate it finds while shrinking,
    // so the last failure is the shrunk counterexample.
    hunt.shrunk = sequence.ops;
    hunt.result = std::move(result);
    RC_FAIL("the simulated kernel diverges");
  };
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = sequences;
  params.maxSize = steps - 1;  // as ./mlockcheck run: sequences of 1 to `steps` calls
  params.disableShrinking = !shrink;
  rc::detail::checkTestable(property, rc::detail::TestMetadata{}, params);
  if (hunt.detected && shrink) {
    hunt.rapidcheck_length = hunt.shrunk.size();
    hunt.shrunk = MinimizeSequence(hunt.shrunk, [&](const std::vector<Op>& ops) {
      size_t step = 0;
      return UnmodelledStep(config, ops, &step) == nullptr &&
             SimulateSequence(ops, config, mutant.bug).verdict == Verdict::kDivergence;
    });
    hunt.result = SimulateSequence(hunt.shrunk, config, mutant.bug);
  }
  return hunt;
}

std::vector<uint64_t> MutantReach(const MutantInfo& mutant, const ModelConfig& config, const GenOptions& gen,
                                  uint64_t seed, int seeds, int sequences, int steps) {
  std::vector<uint64_t> reach;
  for (int i = 0; i < seeds; ++i) {
    const MutantHunt hunt = HuntMutant(mutant, config, gen, SoakSeed(seed, static_cast<uint64_t>(i)), sequences,
                                       steps, /*shrink=*/false);
    reach.push_back(hunt.detected ? hunt.sequences : static_cast<uint64_t>(sequences) + 1);
  }
  return reach;
}

std::vector<Op> MinimalSequence(const MutantInfo& mutant) {
  SequenceFile file;
  std::string error;
  if (!ParseSequence(mutant.minimal, mutant.name, &file, &error)) {
    std::cerr << "mlockcheck: mutant catalogue: " << error << "\n";
    std::abort();
  }
  return file.ops;
}

namespace {

constexpr double kNeverSeconds = 1e9;

struct MutantsOptions {
  int sequences = 1000;
  int steps = 40;
  uint64_t seed = 1;
  int seeds = 1;  // > 1: measure each mutant's reach over this many seeds
  std::string only;
  std::string report_dir;
};

constexpr const char* kMutantsHelp =
    "usage: mlockcheck mutants [--sequences N] [--steps N] [--seed S] [--seeds N] [--only NAME] [--report-dir DIR]\n"
    "Runs the suite's own generator and checks against simulated kernel bugs (each a\n"
    "wrong rule in a copy of the model) and prints, per mutant, whether and how fast it\n"
    "was found and how far it shrank.\n"
    "  --sequences N    sequences per mutant (1 to 100000000; default 1000)\n"
    "  --steps N        longest sequence, in calls (1 to 4096; default 40)\n"
    "  --seed S         the generator's seed (default 1)\n"
    "  --seeds N        also measure each mutant's reach: the sequences the property\n"
    "                   needs to find it from N seeds derived from S (median and worst;\n"
    "                   goal: worst under 500, median under 100); default 1 (off)\n"
    "  --only NAME      only this mutant\n"
    "  --report-dir DIR a report per detected mutant, in DIR/<mutant>\n"
    "exit codes: 0 every mutant detected, 1 a mutant survived, 2 usage error\n";

int ParseMutantsFlags(int argc, char** argv, MutantsOptions* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    auto number = [&](uint64_t min, uint64_t max, uint64_t* out) {
      return ReadCount(flag, v, min, max, out).empty();
    };
    uint64_t n = 0;
    if (flag == "--help" || flag == "-h") {
      std::cout << kMutantsHelp;
      std::exit(0);
    } else if (flag == "--sequences" && number(1, 100000000, &n)) {
      o->sequences = static_cast<int>(n);
    } else if (flag == "--steps" && number(1, 4096, &n)) {
      o->steps = static_cast<int>(n);
    } else if (flag == "--seed" && number(0, UINT64_MAX, &n)) {
      o->seed = n;
    } else if (flag == "--seeds" && number(1, 1000, &n)) {
      o->seeds = static_cast<int>(n);
    } else if (flag == "--only" && v && MutantNamed(v)) {
      o->only = v;
    } else if (flag == "--report-dir" && v && *v) {
      o->report_dir = v;
    } else {
      std::cerr << "mlockcheck: bad or unknown flag '" << flag << (v ? std::string(" ") + v : "")
                << "' (usage: mutants [--sequences N] [--steps N] [--seed S] [--seeds N] [--only NAME] [--report-dir DIR])\n";
      return kExitHarness;
    }
    ++i;
  }
  return 0;
}

}  // namespace

int MutantsMain(int argc, char** argv) {
  MutantsOptions options;
  if (const int rc = ParseMutantsFlags(argc, argv, &options); rc != 0) return rc;
  if (const std::string why = LoadRapidCheckConfiguration(); !why.empty()) {
    std::fprintf(stderr, "mlockcheck: %s\n", why.c_str());
    return kExitHarness;
  }
  // The host's profile, so that the findings' reproducers fit this machine;
  // no kernel runs, so an unmodelled host falls back to the newest profile.
  std::string why;
  ModelConfig config = HostModelConfig(&why);
  if (!why.empty()) {
    std::printf("note: %s; simulating with the 6.18 profile\n", why.c_str());
    config.profile = *ProfileForRelease("6.18.0", &why);
  }
  // The simulated kernel maps the zero page on read faults, as x86 does
  // upstream, whatever this host does: the zero-page mutants need it. The
  // reproducers of the findings still follow the host (`config`).
  ModelConfig simulated = config;
  simulated.measured.read_fault_maps_zero_page = true;
  std::printf("mutants: the conformance property against a model with one injected bug each\n"
              "%d sequences of up to %d steps per mutant; seed %llu; %s\n", options.sequences, options.steps,
              static_cast<unsigned long long>(options.seed), config.profile.Describe().c_str());
  const bool reach = options.seeds > 1;
  std::printf("%-34s %-10s %-8s %9s %8s %6s %7s%s\n", "mutant", "operation", "detected", "sequences", "seconds",
              "shrunk", "minimal", reach ? "  reach: median  worst" : "");
  uint64_t worst_reach = 0, worst_median = 0;
  std::string slowest;
  int total = 0, detected = 0, at_minimal = 0;
  long worst_excess = 0;
  std::vector<double> seconds;
  for (const MutantInfo& mutant : Mutants()) {
    if (!options.only.empty() && options.only != mutant.name) continue;
    ++total;
    const size_t minimal = MinimalSequence(mutant).size();
    const MutantHunt hunt = HuntMutant(mutant, simulated, GenOptions{}, options.seed, options.sequences, options.steps);
    // Reach over the seeds: a seed that never found it counts as sequences + 1.
    std::string reach_text;
    if (reach) {
      std::vector<uint64_t> r =
          MutantReach(mutant, simulated, GenOptions{}, options.seed, options.seeds, options.sequences, options.steps);
      std::sort(r.begin(), r.end());
      const uint64_t median = r[r.size() / 2], worst = r.back();
      const auto shown = [&](uint64_t v) {
        return v > static_cast<uint64_t>(options.sequences) ? ">" + std::to_string(options.sequences) : std::to_string(v);
      };
      char buf[64];
      std::snprintf(buf, sizeof buf, "  %13s %6s", shown(median).c_str(), shown(worst).c_str());
      reach_text = buf;
      if (worst > worst_reach) slowest = mutant.name;
      worst_reach = std::max(worst_reach, worst);
      worst_median = std::max(worst_median, median);
    }
    if (!hunt.detected) {
      std::printf("%-34s %-10s %-8s %9d %8s %6s %7zu%s\n", mutant.name, mutant.op, "MISSED", options.sequences, "-",
                  "-", minimal, reach_text.c_str());
      seconds.push_back(kNeverSeconds);
      continue;
    }
    ++detected;
    const long excess = static_cast<long>(hunt.shrunk.size()) - static_cast<long>(minimal);
    // Shorter than "minimal" means the catalogue is wrong; the tests catch it.
    if (excess < 0) std::printf("CATALOGUE ERROR: %s shrank below its minimal length\n", mutant.name);
    at_minimal += excess == 0;
    worst_excess = std::max(worst_excess, excess);
    seconds.push_back(hunt.seconds);
    std::printf("%-34s %-10s %-8s %9llu %8.3f %6zu %7zu%s\n", mutant.name, mutant.op, "yes",
                static_cast<unsigned long long>(hunt.sequences), hunt.seconds, hunt.shrunk.size(), minimal,
                reach_text.c_str());
    if (!options.report_dir.empty()) {
      ReportInputs in;
      in.ops = hunt.shrunk;
      in.result = hunt.result;
      in.config = config;
      in.release = std::string("simulated kernel with mutant ") + mutant.name;
      in.rerun = "./mlockcheck mutants --only " + std::string(mutant.name) + " --seed " + std::to_string(options.seed);
      in.mutant = &mutant;
      std::string error;
      if (!WriteReportDir(options.report_dir + "/" + mutant.name, in, &error)) {
        std::cerr << "mlockcheck: " << error << "\n";
        return kExitHarness;
      }
    }
    std::fflush(stdout);
  }
  // A missed mutant counts as never detected: infinitely late.
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds.empty() ? 0
                        : seconds.size() % 2 ? seconds[seconds.size() / 2]
                                             : (seconds[seconds.size() / 2 - 1] + seconds[seconds.size() / 2]) / 2;
  char median_text[32];
  if (median >= kNeverSeconds) {
    std::snprintf(median_text, sizeof median_text, "inf");
  } else {
    std::snprintf(median_text, sizeof median_text, "%.3f", median);
  }
  if (reach) {
    std::printf("REACH seeds=%d worst=%llu (%s) worst_median=%llu goal: worst < 500, median < 100: %s\n",
                options.seeds, static_cast<unsigned long long>(worst_reach), slowest.c_str(),
                static_cast<unsigned long long>(worst_median),
                worst_reach < 500 && worst_median < 100 ? "met" : "NOT MET");
  }
  std::printf("MUTANTS total=%d detected=%d minimal=%d worst_excess=%ld median_seconds=%s\n", total, detected,
              at_minimal, worst_excess, median_text);
  return detected == total ? kExitConformant : kExitDivergence;
}

}  // namespace mlc
