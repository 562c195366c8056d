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

// THP mutants need the THP profile, and show in the page flags; hugetlb
// ones need free huge pages, which a simulated kernel has whatever the host
// reserved (four of 2 MiB).
ModelConfig MutantConfig(const ModelConfig& base, PlantedBug bug) {
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
  config.migration = config.observe_nodes = config.migrate_process = IsMigrationMutant(bug);
  config.system_counters = IsCountersMutant(bug);
  config.compaction = IsCompactionMutant(bug);
  if (IsCompactionMutant(bug)) config.page_flags = true;
  if (IsMigrationMutant(bug)) {
    config.numa_memory_nodes = 0x3;
    config.page_flags = true;
  }
  return config;
}

SequenceResult SimulateSequence(const std::vector<Op>& ops, const ModelConfig& base, PlantedBug bug, bool as_given) {
  SequenceResult result;
  const ModelConfig config = as_given ? base : MutantConfig(base, bug);
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
  const ModelConfig hunt_config = MutantConfig(config, mutant.bug);
  GenOptions gen_options = gen;
  gen_options.thp = hunt_config.thp;
  gen_options.madvise_without_folio_splits = hunt_config.thp;  // as a --thp run (UnmodelledReason())
  gen_options.hugetlb = hunt_config.huge_page_pages > 0;
  gen_options.reclaim = hunt_config.memcg_reclaim;
  gen_options.migration = hunt_config.migration;
  gen_options.migrate_process = hunt_config.migrate_process;
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

}  // namespace mlc
