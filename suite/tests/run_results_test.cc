// A run's results file, the merge of a run's parts (run --jobs, the shards
// of `./mlockcheck merge`), and the coverage they carry.
#include "suite/lib/run_results.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "suite/lib/coverage.h"
#include "suite/lib/run_jobs.h"

namespace mlc {
namespace {

// A coverage of `mlocks` successful mlock calls of `pages` pages each.
std::string MlockCoverage(int mlocks, uint32_t pages) {
  Coverage c;
  Op op;
  op.kind = OpKind::kMlock;
  Outcome ok;
  StepEffects effects;
  effects.lock_transitions[0][1] = pages;
  effects.events[static_cast<size_t>(Event::kFutureLockedMmap)] = 1;
  for (int i = 0; i < mlocks; ++i) c.Add(op, ok, effects);
  c.EndSequence();
  c.CloseGate(kGateThp, "THP is off without --thp");
  return c.Save();
}

RunResults Part(uint32_t shard, uint32_t shards) {
  RunResults r;
  r.kernel = "6.1.0-test";
  r.seed = 77;
  r.shard = shard;
  r.shards = shards;
  r.header = {"mlockcheck: kernel 6.1.0-test, profile 6.1", "arena 0x1000 + 16 MiB; 5 sequences; seed 77"};
  r.tests = {{"Conformance.KernelMatchesModelAfterEveryStep", TestResult::kOk, 10, "", ""}};
  if (shard == 1) r.tests.push_back({"Reference/ReferenceScenarioTest.KernelMatchesModel/A", TestResult::kOk, 2, "", ""});
  r.coverage = MlockCoverage(2, 3);
  r.sequences = 5;
  r.steps = 40;
  r.seconds = 1.5 * shard;
  return r;
}

TEST(RunResultsTest, TheFileReadsBackAsWritten) {
  RunResults r = Part(2, 3);
  r.seed = 18446744073709551615ull;  // seeds use all 64 bits
  r.strict = true;
  r.exit_code = 1;
  r.divergences = 1;
  r.tests.push_back({"Reference/ReferenceScenarioTest.KernelMatchesModel/B", TestResult::kSkip, 0,
                     "move_pages needs two NUMA nodes", ""});
  r.tests.push_back({"Conformance.Other", TestResult::kFail, 7, "", "DIVERGENCE at step 2\n  mlock(r0, 0x1000)\n"});
  r.known_bugs.push_back({"mremap-x", 3, "abc123 (\"fix\", 6.5)", "  rule: r\n  kernels: 6.1 - 6.5\n"});
  RunResults back;
  std::string why;
  ASSERT_TRUE(ParseRunResults(FormatRunResults(r), &back, &why)) << why;
  EXPECT_EQ(FormatRunResults(back), FormatRunResults(r));
  EXPECT_EQ(back.tests[2].failure, "DIVERGENCE at step 2\n  mlock(r0, 0x1000)\n");
  EXPECT_EQ(back.tests[1].reason, "move_pages needs two NUMA nodes");
  EXPECT_EQ(back.known_bugs[0].details, "  rule: r\n  kernels: 6.1 - 6.5\n");
  EXPECT_TRUE(back.strict);
  EXPECT_EQ(back.shard, 2u);
  EXPECT_EQ(back.shards, 3u);
  EXPECT_EQ(back.seed, 18446744073709551615ull);
}

TEST(RunResultsTest, ARunThatStoppedReadsBackWhateverItsSeconds) {
  for (const double seconds : {0.00004, 12.5, 123456.0}) {
    RunResults r = Part(1, 1);
    r.tests.clear();
    r.stopped = "--thp: THP is 'never' on this host";
    r.exit_code = 4;
    r.seconds = seconds;
    RunResults back;
    std::string why;
    EXPECT_TRUE(ParseRunResults(FormatRunResults(r), &back, &why)) << why << "\n" << FormatRunResults(r);
    EXPECT_EQ(back.stopped, r.stopped);
  }
}

TEST(RunResultsTest, PartsRunWithOtherFlagsDoNotMerge) {
  RunResults a = Part(1, 2), b = Part(2, 2);
  a.run = " --sequences 60 --steps 40";
  b.run = " --sequences 60 --steps 40 --thp";
  RunResults m;
  std::string why;
  EXPECT_FALSE(MergeRunResults({a, b}, &m, &why));
  EXPECT_EQ(why, "shard 2/2 ran with other flags (--sequences 60 --steps 40 --thp) than shard 1/2 "
                 "(--sequences 60 --steps 40)");
  b.run = a.run;
  EXPECT_TRUE(MergeRunResults({a, b}, &m, &why)) << why;
  EXPECT_EQ(m.run, a.run);
}

TEST(RunResultsTest, APartThatDidNotRunIsATestOfItsOwn) {
  std::vector<RunResults> parts = {Part(1, 2), Part(2, 2)};
  parts[1].tests.clear();
  parts[1].exit_code = 2;
  parts[1].harness_errors = 1;
  parts[1].stopped = "job 2 ended without its results (exit code 139)";
  RunResults m;
  std::string why;
  ASSERT_TRUE(MergeRunResults(parts, &m, &why, "job")) << why;
  EXPECT_EQ(m.exit_code, 2);
  ASSERT_FALSE(m.tests.empty());
  EXPECT_EQ(m.tests.back().name, "Harness.PartRan/job-2-of-2");
  EXPECT_EQ(m.tests.back().status, TestResult::kFail);
  EXPECT_EQ(m.tests.back().failure, "job 2 ended without its results (exit code 139)\n");
  parts[1].exit_code = 4;
  parts[1].harness_errors = 0;
  ASSERT_TRUE(MergeRunResults(parts, &m, &why, "job")) << why;
  EXPECT_EQ(m.tests.back().status, TestResult::kSkip);
}

TEST(RunResultsTest, AFileThatIsNotResultsIsRefusedWithTheLine) {
  RunResults r;
  std::string why;
  EXPECT_FALSE(ParseRunResults("KTAP version 1\n", &r, &why));
  EXPECT_NE(why.find("not an mlockcheck results file"), std::string::npos);
  const std::string good = FormatRunResults(Part(1, 1));
  EXPECT_FALSE(ParseRunResults(good.substr(0, good.rfind("result ")), &r, &why));  // a run cut short
  EXPECT_NE(why.find("no result line"), std::string::npos);
  EXPECT_FALSE(ParseRunResults(good + "frobnicate 1\n", &r, &why));
  EXPECT_NE(why.find("'frobnicate 1'"), std::string::npos);
  EXPECT_FALSE(ParseRunResults("mlockcheck-results 1\nshard 3/2\n", &r, &why));
  EXPECT_FALSE(ParseRunResults("mlockcheck-results 1\ncoverage op\tnosuchcall\t1\nresult sequences=1 steps=1 "
                               "divergences=0 harness_errors=0 seconds=1.0\n",
                               &r, &why));
  EXPECT_NE(why.find("nosuchcall"), std::string::npos);
}

TEST(RunResultsTest, CoverageAddsUpOverTheParts) {
  Coverage sum;
  std::string why;
  ASSERT_TRUE(sum.AddSaved(MlockCoverage(2, 3), &why)) << why;
  ASSERT_TRUE(sum.AddSaved(MlockCoverage(5, 1), &why)) << why;
  EXPECT_EQ(sum.steps(), 7u);
  EXPECT_EQ(sum.OpCount(OpKind::kMlock), 7u);
  EXPECT_EQ(sum.OutcomeCount("mlock -> ok"), 7u);
  EXPECT_EQ(sum.TransitionCount(Lock::kNone, Lock::kLocked), 2u * 3 + 5u * 1);
  EXPECT_EQ(sum.EventCount(Event::kFutureLockedMmap), 7u);
  EXPECT_EQ(sum.EventReach(Event::kFutureLockedMmap), 2u);  // one sequence in each part
  ASSERT_NE(sum.UnreachableReason(Event::kThpPmdMapped), nullptr);
  EXPECT_EQ(*sum.UnreachableReason(Event::kThpPmdMapped), "THP is off without --thp");
}

TEST(RunResultsTest, MergeAddsCountsAndTakesTheScenariosFromTheShardThatRanThem) {
  std::vector<RunResults> parts = {Part(2, 2), Part(1, 2)};  // any order
  parts[1].tests.push_back({"SystemCounters/X.Y", TestResult::kSkip, 0, "readings moved", ""});
  parts[0].tests.push_back({"SystemCounters/X.Y", TestResult::kOk, 0, "", ""});
  RunResults m;
  std::string why;
  ASSERT_TRUE(MergeRunResults(parts, &m, &why)) << why;
  EXPECT_EQ(m.sequences, 10u);
  EXPECT_EQ(m.steps, 80u);
  EXPECT_DOUBLE_EQ(m.seconds, 3.0);  // the longest part
  ASSERT_EQ(m.tests.size(), 3u);
  EXPECT_EQ(m.tests[0].name, "Conformance.KernelMatchesModelAfterEveryStep");
  EXPECT_EQ(m.tests[1].name, "Reference/ReferenceScenarioTest.KernelMatchesModel/A");
  EXPECT_EQ(m.tests[2].status, TestResult::kOk);  // ran in one part, skipped in the other
  EXPECT_EQ(m.exit_code, 0);
  Coverage c;
  ASSERT_TRUE(c.AddSaved(m.coverage, &why));
  EXPECT_EQ(c.OpCount(OpKind::kMlock), 4u);
}

TEST(RunResultsTest, AFailureInAnyPartFailsTheTestWithThePartNamed) {
  std::vector<RunResults> parts = {Part(1, 2), Part(2, 2)};
  parts[1].tests[0] = {"Conformance.KernelMatchesModelAfterEveryStep", TestResult::kFail, 9, "",
                       "DIVERGENCE vma-flags\nreport: r/job-2/\n"};
  parts[1].divergences = 1;
  parts[1].exit_code = 1;
  parts[1].known_bugs.push_back({"mremap-x", 2, "fix", "  rule: r\n"});
  parts[0].known_bugs.push_back({"mremap-x", 1, "fix", "  rule: r\n"});
  RunResults m;
  std::string why;
  ASSERT_TRUE(MergeRunResults(parts, &m, &why, "job")) << why;
  EXPECT_EQ(m.tests[0].status, TestResult::kFail);
  EXPECT_EQ(m.tests[0].failure, "job 2/2:\nDIVERGENCE vma-flags\nreport: r/job-2/\n");
  EXPECT_EQ(m.divergences, 1u);
  EXPECT_EQ(m.exit_code, 1);
  ASSERT_EQ(m.known_bugs.size(), 1u);
  EXPECT_EQ(m.known_bugs[0].sequences, 3u);
  std::ostringstream ktap;
  PrintRunResults(m, /*ktap=*/true, /*quiet=*/false, ktap);
  const std::string out = ktap.str();
  EXPECT_EQ(out.rfind("KTAP version 1\n1..2\n", 0), 0u) << out;
  EXPECT_NE(out.find("# job 2/2:\n# DIVERGENCE vma-flags\n# report: r/job-2/\nnot ok 1 "
                     "Conformance.KernelMatchesModelAfterEveryStep\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# KNOWN KERNEL BUG mremap-x: 3 sequence(s) diverged as registered\n#   rule: r\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# RESULT kernel=6.1.0-test sequences=10 steps=80 divergences=1 errata=1 "
                     "harness_errors=0 seconds=3.0\n"),
            std::string::npos)
      << out;
}

TEST(RunResultsTest, PartsOfDifferentRunsOrAMissingShardDoNotMerge) {
  RunResults m;
  std::string why;
  EXPECT_FALSE(MergeRunResults({Part(1, 3), Part(3, 3)}, &m, &why));
  EXPECT_EQ(why, "shard 2/3 is missing");
  EXPECT_FALSE(MergeRunResults({Part(1, 3), Part(2, 3)}, &m, &why));
  EXPECT_EQ(why, "shard 3/3 is missing");
  EXPECT_FALSE(MergeRunResults({Part(1, 2), Part(1, 2)}, &m, &why));
  EXPECT_EQ(why, "shard 1/2 is there twice");
  RunResults other = Part(2, 2);
  other.seed = 78;
  EXPECT_FALSE(MergeRunResults({Part(1, 2), other}, &m, &why));
  EXPECT_NE(why.find("of another run"), std::string::npos);
  other = Part(2, 2);
  other.kernel = "6.12.0";
  EXPECT_FALSE(MergeRunResults({Part(1, 2), other}, &m, &why));
  EXPECT_NE(why.find("different kernels"), std::string::npos);
  EXPECT_FALSE(MergeRunResults({}, &m, &why));
}

TEST(RunResultsTest, ExitCodeIsDivergenceThenHarnessThenNothingRan) {
  auto merged_exit = [](int a, int b) {
    std::vector<RunResults> parts = {Part(1, 2), Part(2, 2)};
    parts[0].exit_code = a;
    parts[1].exit_code = b;
    RunResults m;
    std::string why;
    EXPECT_TRUE(MergeRunResults(parts, &m, &why)) << why;
    return m.exit_code;
  };
  EXPECT_EQ(merged_exit(0, 0), 0);
  EXPECT_EQ(merged_exit(2, 1), 1);
  EXPECT_EQ(merged_exit(0, 2), 2);
  EXPECT_EQ(merged_exit(4, 0), 0);
  EXPECT_EQ(merged_exit(4, 4), 4);
}

TEST(RunResultsTest, ARunThatStoppedPrintsAsTheRunItselfDoes) {
  std::vector<RunResults> parts = {Part(1, 2), Part(2, 2)};
  for (RunResults& p : parts) {
    p.tests.clear();
    p.exit_code = 4;
    p.stopped = "--thp: THP is 'never' on this host";
    p.sequences = p.steps = 0;
  }
  RunResults m;
  std::string why;
  ASSERT_TRUE(MergeRunResults(parts, &m, &why)) << why;
  EXPECT_EQ(m.exit_code, 4);
  std::ostringstream ktap;
  PrintRunResults(m, /*ktap=*/true, /*quiet=*/false, ktap);
  EXPECT_EQ(ktap.str().rfind("KTAP version 1\n1..0 # SKIP --thp: THP is 'never' on this host\n# RESULT ", 0), 0u)
      << ktap.str();
  // One part stopped, the other ran: the run ran, and says what stopped.
  parts[1] = Part(2, 2);
  ASSERT_TRUE(MergeRunResults(parts, &m, &why)) << why;
  EXPECT_EQ(m.exit_code, 0);
  EXPECT_EQ(m.header.back(), "shard 1/2 did not run: --thp: THP is 'never' on this host");
}

TEST(RunResultsTest, JUnitIsWellFormedWithFailuresAndSkips) {
  RunResults r = Part(1, 1);
  r.tests.push_back({"Reference/R.K/B", TestResult::kSkip, 0, "needs <two> nodes & \"memory\"", ""});
  r.tests.push_back({"Conformance.Other", TestResult::kFail, 7, "", "DIVERGENCE <vma-flags>\n"});
  const std::string path = ::testing::TempDir() + "/run_results_test_junit.xml";
  std::string why;
  ASSERT_TRUE(WriteJUnit(r, path, &why)) << why;
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  const std::string xml = text.str();
  EXPECT_NE(xml.find("<testsuites tests=\"4\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase name=\"KernelMatchesModelAfterEveryStep\""), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"needs &lt;two&gt; nodes &amp; &quot;memory&quot;\" />"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"DIVERGENCE &lt;vma-flags&gt;\""), std::string::npos) << xml;
  EXPECT_FALSE(WriteJUnit(r, "/nonexistent-dir/x.xml", &why));
}

TEST(RunShardTest, ShardsSplitTheSequencesAndTakeTheirOwnSeeds) {
  uint64_t total = 0;
  std::set<uint64_t> seeds;
  for (uint32_t k = 1; k <= 3; ++k) {
    total += RunShardSequences(100, k, 3);
    seeds.insert(RunShardSeed(5, k, 3));
  }
  EXPECT_EQ(total, 100u);
  EXPECT_EQ(RunShardSequences(100, 1, 3), 34u);
  EXPECT_EQ(RunShardSequences(100, 3, 3), 33u);
  EXPECT_EQ(RunShardSequences(1, 2, 2), 0u);
  EXPECT_EQ(seeds.size(), 3u);
  EXPECT_EQ(RunShardSeed(5, 1, 1), 5u);  // an unsharded run keeps its seed
}

}  // namespace
}  // namespace mlc
