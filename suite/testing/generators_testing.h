// Shared by the generators' tests (suite/tests/generators_*_test.cc): the
// model configuration they generate for, and one value drawn from a
// generator with a given random source.
#pragma once

#include <rapidcheck.h>

#include <cstdint>

#include "oracles/model.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace test {

// 64 pages is the oracle tests' arena; 4096 is the conformance run's (16 MiB).
inline ModelConfig TestConfig(uint64_t arena_pages) {
  ModelConfig config = BaseConfig(arena_pages);
  config.outside_lockable_pages = 100;
  return config;
}

template <typename T>
T Draw(const rc::Gen<T>& gen, rc::Random& random, int size = rc::kNominalSize) {
  return gen(random.split(), size).value();
}

}  // namespace test
}  // namespace mlc
