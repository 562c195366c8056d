// The mutants of `./mlockcheck mutants`: one deliberately wrong rule each
// (PlantedBug), modelled on a real class of kernel bug in this area, with
// the shortest sequence that exposes it, known by construction.
#pragma once

#include <string>
#include <vector>

#include "oracles/model.h"

namespace mlc {

struct MutantInfo {
  PlantedBug bug;
  const char* name;      // kebab-case, for --only and the report
  const char* op;        // the generated operation the bug lives in
  const char* what;      // what the mutant kernel does wrong
  const char* source;    // the real bug or rule it is modelled on
  const char* minimal;   // the shortest detecting sequence, in the sequence file format
};

const std::vector<MutantInfo>& Mutants();
const MutantInfo* MutantNamed(const std::string& name);

}  // namespace mlc
