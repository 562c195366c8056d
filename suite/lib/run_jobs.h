// `./mlockcheck run --jobs N`: one run split over N processes of this
// program, each pinned to its own CPU with its own executor and arena, each
// a shard of this machine's part (its seed derived from the run's by
// RunShardSeed(), so the run is reproducible from its seed and --jobs).
// Their results (suite/lib/run_results.h) merge into what one run prints:
// the same tests, one coverage summary, one RESULT line, one exit code.
#ifndef MLOCKCHECK_SUITE_RUN_JOBS_H_
#define MLOCKCHECK_SUITE_RUN_JOBS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mlc {

// The seed shard K of N runs from: the run's own seed when N is 1, else the
// (K-1)-th of soak seeds (SoakSeed()) from it.
uint64_t RunShardSeed(uint64_t seed, uint32_t shard, uint32_t shards);
// Shard K's share of `sequences`: the first (sequences % N) shards one more.
uint64_t RunShardSequences(uint64_t sequences, uint32_t shard, uint32_t shards);

struct RunJobsPlan {
  uint64_t seed = 0;                 // the seed the user gave (or the random one)
  uint32_t shard = 1, shards = 1;    // this machine's --shard
  uint64_t sequences = 0;            // this machine's share
  uint32_t steps = 40;
  uint32_t jobs = 2;
  std::vector<int> cpus;             // job j runs on cpus[(j-1) % size]
  std::vector<std::string> run_flags;  // what every job gets: --thp, --strict, --arena-mib N, ...
  std::string report_dir;            // job j's reports go to <report_dir>/job-<j>
  bool ktap = false, quiet = false;
  std::string junit, results_dir;
  // The machine has free huge pages: jobs 2..N get --no-hugetlb, since the
  // pool is the machine's and one job's mappings would be another's ENOMEM.
  bool hugetlb_in_first_job_only = false;
  std::string run_identity;  // RunResults::run of the whole
};

// Runs the jobs, prints the merged run on `out`, writes --junit and
// --results-dir, and returns the run's exit code.
int RunJobs(const RunJobsPlan& plan, std::ostream& out);

}  // namespace mlc

#endif  // MLOCKCHECK_SUITE_RUN_JOBS_H_
