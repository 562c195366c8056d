#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "oracles/sequence_text.h"
#include "suite/lib/coverage.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/report.h"
#include "suite/lib/verify.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

using ::testing::HasSubstr;

ModelConfig TestConfig() {
  ModelConfig config = BaseConfig(16);
  return config;
}

TEST(ReportTest, DivergenceReportShowsSequenceStepChannelsKernelAndReplay) {
  const std::vector<Op> ops = {MmapPages(0, 0, 2, kRw, kAnonPrivate), Mlock2Pages(0, 2, uapi::kMlockOnfault)};
  SequenceResult result;
  result.verdict = Verdict::kDivergence;
  result.diverging_step = 1;
  result.outcomes = {{0x100000000000, 0, 0}, {0, 0, 0}};
  result.diffs.push_back({Channel::kVma, "", "", "  pages 0-1 (A+0x0..A+0x2000): expected rw-p lo lf, observed rw-p lo\n"});
  result.diffs.push_back({Channel::kVmLck, "8 kB", "0 kB", ""});
  const std::string report = RenderReport(ops, result, TestConfig(), "6.18.44-test", "./mlockcheck run --seed 7");
  EXPECT_THAT(report, HasSubstr("DIVERGENCE: kernel 6.18.44-test differs from the model at step 1 of 2"));
  EXPECT_THAT(report, HasSubstr("first diverging step: 1 of 2: mlock2(arena+0x0, 0x2000, MLOCK_ONFAULT)\n"));
  EXPECT_THAT(report, HasSubstr("   0  r0 = mmap(arena+0x0, 0x2000, PROT_READ|PROT_WRITE,"));
  EXPECT_THAT(report, HasSubstr(">> 1  mlock2(arena+0x0, 0x2000, MLOCK_ONFAULT)  = 0\n"));
  EXPECT_THAT(report, HasSubstr("vma-flags:\n    pages 0-1 (A+0x0..A+0x2000): expected rw-p lo lf, observed rw-p lo"));
  EXPECT_THAT(report, HasSubstr("vmlck: expected 8 kB, observed 0 kB"));
  EXPECT_THAT(report, HasSubstr("rerun: ./mlockcheck run --seed 7\n"));
  EXPECT_THAT(report, HasSubstr("kernel:  6.18.44-test\nprofile 6.18: "));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("config hints")));  // report.txt's alone
}

// A divergence that did not happen again says so before anything else.
TEST(ReportTest, ADivergenceThatDidNotRepeatIsMarked) {
  ReportInputs in;
  in.ops = {MmapPages(0, 0, 2, kRw, kAnonPrivate), Mlock2Pages(0, 2, uapi::kMlockOnfault)};
  in.result.verdict = Verdict::kDivergence;
  in.result.diverging_step = 1;
  in.result.outcomes = {{0x100000000000, 0, 0}, {0, 0, 0}};
  in.result.diffs.push_back({Channel::kVmLck, "8 kB", "0 kB", ""});
  in.config = TestConfig();
  in.release = "6.18.0";
  EXPECT_THAT(RenderReport(in), ::testing::Not(HasSubstr("NOT REPEATED")));
  in.not_repeated = 3;
  EXPECT_THAT(RenderReport(in), ::testing::StartsWith("DIVERGENCE: kernel 6.18.0 differs from the model at step 1 of 2\n"
                                                      "NOT REPEATED: the sequence ran 3 more times without this "
                                                      "divergence"));
}

// The sequence listing of a report is sequence-file text: its lines, step
// numbers, ">>" and results included, parse back into the same calls.
TEST(ReportTest, TheSequenceListingPastesIntoASequenceFile) {
  const std::vector<Op> ops = {MmapPages(0, 4, 4, kRw, kAnonPrivate), Mlock2Pages(0, 2, uapi::kMlockOnfault),
                               MmapFilePages(kMemfd, 1, 0, 2, kRw, uapi::kMapShared | uapi::kMapFixedNoreplace),
                               SetMemlockLimitOp(0x4000, uapi::kRlimInfinity), DropCapIpcLockOp(), BrkOp(0x1800),
                               MremapPages(4, 2, 2, uapi::kMremapMaymove | uapi::kMremapFixed, 30)};
  SequenceResult result;
  result.verdict = Verdict::kDivergence;
  result.diverging_step = 1;
  result.outcomes = {{0x100000004000, 0, 0}, {0, 0, 0}};
  result.diffs.push_back({Channel::kVmLck, "8 kB", "0 kB", ""});
  const std::string report = RenderReport(ops, result, TestConfig(), "6.18.0", "rerun");
  const size_t from = report.find("\nsequence (");
  ASSERT_NE(from, std::string::npos) << report;
  std::string listing = report.substr(report.find('\n', from + 1) + 1);
  listing = listing.substr(0, listing.find("\n\n"));
  SequenceFile file;
  std::string error;
  ASSERT_TRUE(ParseSequence(listing, "listing", &file, &error)) << error << "\n" << listing;
  // The same calls (an unlabelled mmap's region_base is not part of its text).
  EXPECT_EQ(FormatCalls(file.ops), FormatCalls(ops)) << listing;
  EXPECT_EQ(file.ops.size(), ops.size());
}

TEST(ReportTest, ObservedOutcomeThatDiffersShowsTheExpectedOneToo) {
  const std::vector<Op> ops = {MmapPages(0, 0, 1, uapi::kProtNone, kAnonPrivate), RangePages(OpKind::kMlock, 0, 1)};
  SequenceResult result;
  result.verdict = Verdict::kDivergence;
  result.diverging_step = 1;
  result.outcomes = {{0x100000000000, 0, 0}, {0, 0, 0}};
  result.diffs.push_back({Channel::kResult, "-1 ENOMEM", "0", ""});
  const std::string report = RenderReport(ops, result, TestConfig(), "6.1.0", "replay");
  EXPECT_THAT(report, HasSubstr(">> 1  mlock(arena+0x0, 0x1000)  = 0  (expected -1 ENOMEM)"));
  EXPECT_THAT(report, HasSubstr("result: expected -1 ENOMEM, observed 0"));
}

TEST(ReportTest, HarnessErrorNamesTheFailureAndUnrunSteps) {
  const std::vector<Op> ops = {MmapPages(0, 0, 1, kRw, kAnonPrivate), TouchPage(OpKind::kWriteTouch, 0)};
  SequenceResult result;
  result.verdict = Verdict::kHarnessError;
  result.run.status = RunStatus::kSeccomp;
  result.run.detail = "executor made syscall getppid at step 1";
  result.outcomes = {{0x100000000000, 0, 0}};
  const std::string report = RenderReport(ops, result, TestConfig(), "6.18.0", "replay");
  EXPECT_THAT(report, HasSubstr("HARNESS ERROR (seccomp violation): executor made syscall getppid at step 1"));
  EXPECT_THAT(report, HasSubstr("   1  write(arena+0x0)  = not run\n"));
}

TEST(CoverageTest, CountsOperationsOutcomesTransitionsAndEvents) {
  Coverage coverage;
  StepEffects effects;
  effects.lock_transitions[static_cast<size_t>(Lock::kLocked)][static_cast<size_t>(Lock::kOnFault)] = 3;
  effects.lock_transitions[static_cast<size_t>(Lock::kLocked)][static_cast<size_t>(Lock::kLocked)] = 7;
  effects.Note(Event::kLockAcrossHole);
  coverage.Add(Mlock2Pages(0, 3, uapi::kMlockOnfault), {-1, uapi::kEnomem, 0}, effects);
  coverage.Add(TouchPage(OpKind::kReadTouch, 0), {0, 0, uapi::kSigsegv}, StepEffects{});
  EXPECT_EQ(coverage.steps(), 2u);
  EXPECT_EQ(coverage.OpCount(OpKind::kMlock2), 1u);
  EXPECT_EQ(coverage.OutcomeCount("mlock2 -> ENOMEM"), 1u);
  EXPECT_EQ(coverage.OutcomeCount("read -> SIGSEGV"), 1u);
  EXPECT_EQ(coverage.TransitionCount(Lock::kLocked, Lock::kOnFault), 3u);
  EXPECT_EQ(coverage.TransitionCount(Lock::kLocked, Lock::kLocked), 0u);  // not a transition
  EXPECT_EQ(coverage.EventCount(Event::kLockAcrossHole), 1u);
  std::ostringstream printed;
  coverage.Print(printed, "# ");
  EXPECT_THAT(printed.str(), HasSubstr("# coverage over 2 steps"));
  EXPECT_THAT(printed.str(), HasSubstr("lo -> lo+lf"));
}

}  // namespace
}  // namespace mlc
