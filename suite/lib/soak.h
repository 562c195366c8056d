// Soak mode (`./mlockcheck soak`, `run --steps-total N / --duration S`):
// fresh seeds, one `run` of this program per seed, until a budget of
// verified steps or seconds is spent; every divergence is printed with its
// shrunk sequence and left in its own report directory, and one SOAK line
// sums up. Each seed's run is reproducible on its own: the SOAK-SEED line
// names the `./mlockcheck run` that repeats it.
#ifndef MLOCKCHECK_SUITE_SOAK_H_
#define MLOCKCHECK_SUITE_SOAK_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace mlc {

struct SoakOptions {
  uint64_t steps_total = 1000000;  // stop once this many steps were verified
  double duration_seconds = 0;     // and/or once this much time passed (0: no limit)
  uint64_t seed = 0;               // the first seed's origin (SoakSeed())
  uint64_t sequences_per_seed = 1000;
  uint32_t steps = 80;
  std::string report_dir;          // DIR/seed-<seed> per seed; empty: the runs' default
  std::vector<std::string> run_flags;  // passed to every run (--thp, --strict, ...)
  // Runs at once (--jobs), each seed's run on its own CPU where the
  // launcher pins them; their lines come out in seed order.
  uint32_t jobs = 1;
  // --shard K/N: this soak runs the seeds i with i % N == K - 1 and 1/N of
  // the step budget, so N machines together run what one would.
  uint32_t shard = 1, shards = 1;
  // The end-of-run Mlocked check (rule 72) is the soak's, once after its
  // last seed (SoakLauncher::end_of_run), not each seed's: a seed's run
  // beside another's never sees the machine come back.
  bool end_of_run_in_soak = false;
  // The machine has free huge pages: only job slot 0's runs generate
  // MAP_HUGETLB, the others get --no-hugetlb (the pool is the machine's).
  bool hugetlb_in_first_job_only = false;
};

// What one seed's run printed on its RESULT line and KNOWN KERNEL BUG lines.
struct SoakRun {
  bool parsed = false;
  std::string kernel;
  uint64_t sequences = 0, steps = 0, divergences = 0;
  std::set<std::string> known_bugs;
};
SoakRun ParseRunOutput(const std::string& output);

// `output` without RapidCheck's "Using configuration: ..." line, which
// every run prints on its standard error: noise in a soak's or a run
// --jobs's output.
std::string WithoutRapidCheckBanner(const std::string& output);

// The i-th seed of a soak from `origin` (splitmix64: distinct, spread out).
uint64_t SoakSeed(uint64_t origin, uint64_t i);

// The run's arguments for one seed.
std::vector<std::string> SoakRunArgs(const SoakOptions& options, uint64_t seed, uint64_t sequences);

// Runs the soak; `run` executes one `run` with the given arguments, filling
// its standard output and returning its exit code. Returns the exit code:
// 1 if any run diverged, 2 on a harness error, 4 if nothing could run.
using SoakRunner = std::function<int(const std::vector<std::string>& args, std::string* output)>;
int RunSoak(const SoakOptions& options, const SoakRunner& run, std::ostream& out);
// The same with runs started and waited for apart (`jobs` of them at
// once): `start` begins one as job slot `job` and returns a handle (-1 with
// *output the reason), `wait` ends it as `run` would.
struct SoakLauncher {
  std::function<int64_t(const std::vector<std::string>& args, uint32_t job, std::string* output)> start;
  std::function<int(int64_t handle, std::string* output)> wait;
  // With SoakOptions::end_of_run_in_soak: the check after the last seed,
  // its line's text in *detail; true unless a leak was determined.
  std::function<bool(std::string* detail)> end_of_run;
};
int RunSoak(const SoakOptions& options, const SoakLauncher& launcher, std::ostream& out);

}  // namespace mlc

#endif  // MLOCKCHECK_SUITE_SOAK_H_
