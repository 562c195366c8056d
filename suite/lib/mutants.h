// Mutation testing of the suite itself: the same property, with a model
// carrying one injected bug (oracles/mutants.h) standing in for the kernel.
// No kernel is involved, so it measures what the generators and the
// shrinker can find, not what this machine does.
#pragma once

#include <cstdint>
#include <vector>

#include "generators/gen_ops.h"
#include "oracles/mutants.h"
#include "suite/lib/verify.h"

namespace mlc {

// `base` with what the mutant needs to show: the THP profile, huge pages,
// reclaim with swap, two NUMA nodes, the counters, compaction.
ModelConfig MutantConfig(const ModelConfig& base, PlantedBug bug);

// Runs `ops` on the simulated kernel (the model with `bug`) and checks every
// channel after every step against the correct model, as VerifySequence()
// does for a real kernel.
// With `as_given`, `config` is used as it is (a host's), not given the THP
// profile or the huge pages the mutant needs to show.
SequenceResult SimulateSequence(const std::vector<Op>& ops, const ModelConfig& config, PlantedBug bug,
                                bool as_given = false);

struct MutantHunt {
  bool detected = false;
  uint64_t sequences = 0;  // generated sequences up to and including the first detecting one
  double seconds = 0;      // wall time to the first detection
  size_t rapidcheck_length = 0;  // calls of RapidCheck's shrunk counterexample
  std::vector<Op> shrunk;  // ... after the last pass of MinimizeSequence()
  SequenceResult result;   // how the shrunk sequence diverges
};

// The conformance property against one mutant: `sequences` random sequences
// of up to `steps` calls from `seed`, as `./mlockcheck run` would generate.
// With `shrink` false the hunt stops at the first detecting sequence (its
// reach, `sequences`), as a measurement of how soon the property finds it.
MutantHunt HuntMutant(const MutantInfo& mutant, const ModelConfig& config, const GenOptions& gen,
                      uint64_t seed, int sequences, int steps, bool shrink = true);

// How many sequences the property needs to find `mutant` from each of
// `seeds` seeds derived from `seed` (SoakSeed()); `sequences` + 1 where a
// seed's run of `sequences` never found it.
std::vector<uint64_t> MutantReach(const MutantInfo& mutant, const ModelConfig& config, const GenOptions& gen,
                                  uint64_t seed, int seeds, int sequences, int steps);

// A mutant's minimal sequence, parsed (it is part of the catalogue, so a
// parse error is a bug of the catalogue).
std::vector<Op> MinimalSequence(const MutantInfo& mutant);

// ./mlockcheck mutants
int MutantsMain(int argc, char** argv);

}  // namespace mlc
