// Soak mode's bookkeeping (suite/lib/soak.h) with a stand-in for the runs.
#include "suite/lib/soak.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace mlc {
namespace {

std::string ResultLine(uint64_t sequences, uint64_t steps, uint64_t divergences) {
  return "RESULT kernel=6.1.0 sequences=" + std::to_string(sequences) + " steps=" + std::to_string(steps) +
         " divergences=" + std::to_string(divergences) + " errata=0 seconds=0.1\n";
}

TEST(SoakTest, ParsesTheResultLineAndKnownBugsOfARun) {
  const SoakRun r = ParseRunOutput(
      "KNOWN KERNEL BUG mremap-x: 3 sequence(s) diverged as registered\n  rule: ...\n"
      "# KNOWN KERNEL BUG other-y: 1 sequence(s)\n" + ResultLine(10, 123, 1));
  EXPECT_TRUE(r.parsed);
  EXPECT_EQ(r.kernel, "6.1.0");
  EXPECT_EQ(r.sequences, 10u);
  EXPECT_EQ(r.steps, 123u);
  EXPECT_EQ(r.divergences, 1u);
  EXPECT_EQ(r.known_bugs, (std::set<std::string>{"mremap-x", "other-y"}));
  EXPECT_FALSE(ParseRunOutput("mlockcheck: harness error: no executor\n").parsed);
}

TEST(SoakTest, SeedsAreDistinctAndFollowFromTheOrigin) {
  std::set<uint64_t> seeds;
  for (uint64_t i = 0; i < 1000; ++i) seeds.insert(SoakSeed(42, i));
  EXPECT_EQ(seeds.size(), 1000u);
  EXPECT_EQ(SoakSeed(42, 7), SoakSeed(42, 7));
  EXPECT_NE(SoakSeed(42, 0), SoakSeed(43, 0));
}

TEST(SoakTest, RunsSeedsUntilTheStepBudgetIsSpent) {
  SoakOptions options;
  options.steps_total = 2500;
  options.seed = 5;
  options.report_dir = "/r";
  options.run_flags = {"--thp"};
  std::vector<std::vector<std::string>> calls;
  std::ostringstream out;
  const int rc = RunSoak(options, [&](const std::vector<std::string>& args, std::string* output) {
    calls.push_back(args);
    *output = ResultLine(50, 1000, 0);
    return 0;
  }, out);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(calls.size(), 3u);  // 1000 + 1000 + 1000 >= 2500
  EXPECT_EQ(calls[0][1], std::to_string(SoakSeed(5, 0)));
  EXPECT_EQ(calls[0][3], "125");  // 2500 steps at about 20 a sequence
  EXPECT_EQ(calls[2][3], "25");   // what is left of the budget
  EXPECT_EQ(calls[0].back(), "--thp");
  EXPECT_NE(std::find(calls[1].begin(), calls[1].end(), "/r/seed-" + std::to_string(SoakSeed(5, 1))),
            calls[1].end());
  EXPECT_NE(out.str().find("SOAK kernel=6.1.0 seeds=3 sequences=150 steps=3000 divergences=0 errata=0 "
                           "harness_errors=0"),
            std::string::npos)
      << out.str();
}

TEST(SoakTest, EveryDivergenceIsPrintedAndFailsTheSoak) {
  SoakOptions options;
  options.steps_total = 2000;
  int call = 0;
  std::ostringstream out;
  const int rc = RunSoak(options, [&](const std::vector<std::string>&, std::string* output) {
    ++call;
    *output = (call == 1 ? "DIVERGENCE: the shrunk sequence\n" : "") + ResultLine(5, 1000, call == 1 ? 1 : 0);
    return call == 1 ? 1 : 0;
  }, out);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(call, 2);  // the soak goes on after a divergence
  EXPECT_NE(out.str().find("DIVERGENCE: the shrunk sequence"), std::string::npos);
  EXPECT_NE(out.str().find("  rerun: ./mlockcheck run --seed "), std::string::npos);
  EXPECT_NE(out.str().find(" divergences=1 "), std::string::npos);
}

TEST(SoakTest, AHarnessErrorOrNothingToRunStopsTheSoak) {
  SoakOptions options;
  options.steps_total = 100000;
  int calls = 0;
  std::ostringstream out;
  EXPECT_EQ(RunSoak(options, [&](const std::vector<std::string>&, std::string* output) {
    ++calls;
    *output = "mlockcheck: harness error: the executor died\n";
    return 2;
  }, out), 2);
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_EQ(RunSoak(options, [&](const std::vector<std::string>&, std::string* output) {
    ++calls;
    *output = "SKIP: mlock2 is missing\n" + ResultLine(0, 0, 0);
    return 4;
  }, out), 4);
  EXPECT_EQ(calls, 1);
}

TEST(SoakTest, StrictKnownBugsFailTheSoakWithoutCountingAsDivergences) {
  SoakOptions options;
  options.steps_total = 1000;
  std::ostringstream out;
  EXPECT_EQ(RunSoak(options, [&](const std::vector<std::string>&, std::string* output) {
    *output = "KNOWN KERNEL BUG x: 1 sequence(s) (fails the run: --strict)\n" + ResultLine(5, 1000, 0);
    return 1;
  }, out), 1);
  EXPECT_NE(out.str().find(" divergences=0 errata=1 "), std::string::npos) << out.str();
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// A launcher whose runs end in the order the test says, not the order they
// started: the soak must still report them in seed order.
struct FakeLauncher {
  std::vector<std::vector<std::string>> started;
  std::vector<uint32_t> jobs;
  size_t most_at_once = 0, running = 0;
  SoakLauncher Get() {
    SoakLauncher l;
    l.start = [this](const std::vector<std::string>& args, uint32_t job, std::string*) -> int64_t {
      started.push_back(args);
      jobs.push_back(job);
      most_at_once = std::max(most_at_once, ++running);
      return static_cast<int64_t>(started.size() - 1);
    };
    // Each run verifies the 20 steps a sequence the soak estimates.
    l.wait = [this](int64_t handle, std::string* output) {
      --running;
      const uint64_t n = std::stoull(started[static_cast<size_t>(handle)][3]);
      *output = ResultLine(n, 20 * n, 0);
      return 0;
    };
    return l;
  }
};

// --jobs: up to N runs at once, each in a free job slot, reported in seed
// order; the budget counts the runs still going.
TEST(SoakTest, JobsRunSeedsAtOnceAndReportThemInSeedOrder) {
  SoakOptions options;
  options.steps_total = 4000;
  options.seed = 9;
  options.jobs = 2;
  options.sequences_per_seed = 50;
  FakeLauncher fake;
  std::ostringstream out;
  EXPECT_EQ(RunSoak(options, fake.Get(), out), 0);
  EXPECT_EQ(fake.most_at_once, 2u);
  ASSERT_EQ(fake.started.size(), 4u);  // 4 x 50 sequences of 20 steps; one starts as another ends
  EXPECT_EQ(fake.jobs[0], 0u);
  EXPECT_EQ(fake.jobs[1], 1u);
  size_t at = 0;
  for (uint64_t i = 0; i < 4; ++i) {
    const size_t next = out.str().find("SOAK-SEED seed=" + std::to_string(SoakSeed(9, i)) + " ", at);
    ASSERT_NE(next, std::string::npos) << "seed " << i << " missing or out of order:\n" << out.str();
    at = next;
  }
  EXPECT_NE(out.str().find("SOAK kernel=6.1.0 seeds=4 sequences=200 steps=4000 "), std::string::npos) << out.str();
}

// --shard K/N: the seeds i with i % N == K-1, and 1/N of the budget, so
// the shards of one soak run disjoint seeds and together the whole budget.
TEST(SoakTest, AShardRunsItsOwnSeedsAndItsPartOfTheBudget) {
  std::set<std::string> all;
  uint64_t total_steps = 0;
  for (uint32_t k = 1; k <= 3; ++k) {
    SoakOptions options;
    options.steps_total = 6000;
    options.seed = 11;
    options.shard = k;
    options.shards = 3;
    options.sequences_per_seed = 50;
    FakeLauncher fake;
    std::ostringstream out;
    EXPECT_EQ(RunSoak(options, fake.Get(), out), 0);
    ASSERT_EQ(fake.started.size(), 2u) << "shard " << k;  // 2000 of the 6000 steps
    EXPECT_EQ(fake.started[0][1], std::to_string(SoakSeed(11, k - 1)));
    EXPECT_EQ(fake.started[1][1], std::to_string(SoakSeed(11, k - 1 + 3)));
    for (const auto& args : fake.started) all.insert(args[1]);
    total_steps += 2000;
  }
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(total_steps, 6000u);
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// Runs that verify fewer steps than the soak estimated leave budget: more
// seeds start until it is spent, with jobs as without.
TEST(SoakTest, JobsGoOnUntilTheBudgetIsReallySpent) {
  SoakOptions options;
  options.steps_total = 4000;
  options.seed = 3;
  options.jobs = 2;
  options.sequences_per_seed = 50;
  std::vector<std::vector<std::string>> started;
  SoakLauncher l;
  l.start = [&](const std::vector<std::string>& args, uint32_t, std::string*) -> int64_t {
    started.push_back(args);
    return static_cast<int64_t>(started.size() - 1);
  };
  l.wait = [&](int64_t, std::string* output) {
    *output = ResultLine(50, 500, 0);  // half the 20 steps a sequence estimated
    return 0;
  };
  std::ostringstream out;
  EXPECT_EQ(RunSoak(options, l, out), 0);
  EXPECT_EQ(started.size(), 8u) << out.str();  // 8 x 500 steps
  EXPECT_NE(out.str().find(" steps=4000 "), std::string::npos) << out.str();
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// Rule 72 once for the whole soak: no seed's run checks Mlocked (they run
// beside each other), the soak does after its last seed, and a leak it
// determines fails the soak as a divergence.
TEST(SoakTest, TheEndOfRunCheckIsTheSoaksOnceAfterItsLastSeed) {
  SoakOptions options;
  options.steps_total = 2000;
  options.sequences_per_seed = 50;
  options.end_of_run_in_soak = true;
  for (const bool leaked : {false, true}) {
    FakeLauncher fake;
    SoakLauncher l = fake.Get();
    int checks = 0;
    l.end_of_run = [&](std::string* detail) {
      ++checks;
      *detail = leaked ? "DIVERGENCE meminfo: Mlocked did not come back" : "Mlocked back: 0 kB";
      return !leaked;
    };
    std::ostringstream out;
    EXPECT_EQ(RunSoak(options, l, out), leaked ? 1 : 0);
    EXPECT_EQ(checks, 1);
    for (const auto& args : fake.started) {
      EXPECT_NE(std::find(args.begin(), args.end(), "--skip-end-of-run-check"), args.end());
    }
    EXPECT_NE(out.str().find(leaked ? "END-OF-RUN DIVERGENCE meminfo" : "END-OF-RUN Mlocked back"), std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find(leaked ? " divergences=1 " : " divergences=0 "), std::string::npos) << out.str();
  }
}

}  // namespace
}  // namespace mlc
