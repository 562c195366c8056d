// The suite's bug-finding power, asserted: every mutant is found by the
// default run size from a fixed seed and shrinks to (nearly) its minimal
// reproducer, whose length is known by construction. A generator change
// that loses coverage fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "oracles/model.h"
#include "oracles/sequence_text.h"
#include "suite/lib/mutants.h"
#include "suite/lib/minimize.h"
#include "suite/lib/report_dir.h"
#include "suite/lib/repro.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

ModelConfig SimulatedConfig() {
  ModelConfig config = BaseConfig(4096);
  return config;
}

class MutantTest : public ::testing::TestWithParam<MutantInfo> {};

TEST(MutantCatalogueTest, AtLeastTwelveDistinctMutantsCoverEveryGeneratedOperation) {
  std::set<int> bugs;
  std::set<std::string> ops;
  for (const MutantInfo& m : Mutants()) {
    EXPECT_NE(m.bug, PlantedBug::kNone);
    bugs.insert(static_cast<int>(m.bug));
    ops.insert(m.op);
    EXPECT_NE(std::string(m.source), "") << m.name;
    EXPECT_EQ(MutantNamed(m.name), &m);
  }
  EXPECT_GE(bugs.size(), 12u);
  EXPECT_EQ(bugs.size(), Mutants().size()) << "two catalogue entries share a mutant";
  EXPECT_EQ(static_cast<int>(bugs.size()) + 1, kPlantedBugCount) << "a PlantedBug without a catalogue entry";
  for (int k = 0; k < kOpKindCount; ++k) {
    EXPECT_EQ(ops.count(OpKindName(static_cast<OpKind>(k))), 1u)
        << "no mutant in " << OpKindName(static_cast<OpKind>(k));
  }
}

TEST_P(MutantTest, MinimalSequenceDetectsItAndDroppingAnyCallLosesIt) {
  const MutantInfo& mutant = GetParam();
  const ModelConfig config = SimulatedConfig();
  const std::vector<Op> minimal = MinimalSequence(mutant);
  ASSERT_FALSE(minimal.empty());
  const SequenceResult found = SimulateSequence(minimal, config, mutant.bug);
  ASSERT_EQ(found.verdict, Verdict::kDivergence) << mutant.name;
  EXPECT_EQ(found.diverging_step, minimal.size() - 1) << "the bug shows only at the last call";
  // The correct model agrees with itself, under the mutant's configuration
  // (its nodes, its THP profile): the divergence is the mutant's.
  EXPECT_EQ(SimulateSequence(minimal, MutantConfig(config, mutant.bug), PlantedBug::kNone, /*as_given=*/true).verdict,
            Verdict::kConformant);
  for (size_t drop = 0; drop < minimal.size(); ++drop) {
    std::vector<Op> shorter = minimal;
    shorter.erase(shorter.begin() + static_cast<std::ptrdiff_t>(drop));
    EXPECT_NE(SimulateSequence(ResolveRegions(shorter), config, mutant.bug).verdict, Verdict::kDivergence)
        << mutant.name << ": still detected without call " << drop;
  }
}

// The default run size (1000 sequences of up to 40 calls) from a fixed seed.
TEST_P(MutantTest, FoundWithinTheDefaultRunAndShrunkToNearMinimal) {
  const MutantInfo& mutant = GetParam();
  const MutantHunt hunt = HuntMutant(mutant, SimulatedConfig(), GenOptions{}, /*seed=*/1, 1000, 40);
  ASSERT_TRUE(hunt.detected) << mutant.name << " missed by 1000 sequences";
  const size_t minimal = MinimalSequence(mutant).size();
  EXPECT_GE(hunt.shrunk.size(), minimal) << mutant.name << ": shorter than its 'minimal' reproducer:\n"
                                         << FormatSequence(hunt.shrunk);
  EXPECT_LE(hunt.shrunk.size(), minimal + 1) << FormatSequence(hunt.shrunk);  // issue 13: within one call
  EXPECT_EQ(hunt.result.verdict, Verdict::kDivergence);
}

INSTANTIATE_TEST_SUITE_P(Mutants, MutantTest, ::testing::ValuesIn(Mutants()),
                         [](const ::testing::TestParamInfo<MutantInfo>& param) {
                           std::string name = param.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(ReproWriterTest, ChecksOnlyTheDivergingChannelsAfterTheDivergingStep) {
  const MutantInfo& mutant = *MutantNamed("munmap-keeps-locked-vm");
  const ModelConfig config = SimulatedConfig();
  const std::vector<Op> ops = MinimalSequence(mutant);
  const SequenceResult result = SimulateSequence(ops, config, mutant.bug);
  const std::string c = WriteReproducer(ops, config, ReproCheck::ForDivergence(result), "test");
  using ::testing::HasSubstr;
  EXPECT_THAT(c, HasSubstr("#define ARENA 0x100000000000UL"));
  EXPECT_THAT(c, HasSubstr("sys_result(syscall(SYS_mmap, (long)(ARENA + 0x0UL), (long)0x1000UL, "
                           "(long)(int)(PROT_READ|PROT_WRITE), (long)(int)(MAP_PRIVATE|MAP_ANONYMOUS|"
                           "MAP_FIXED_NOREPLACE|MAP_LOCKED), -1L, 0L))"));
  EXPECT_THAT(c, HasSubstr("sys_result(syscall(SYS_munmap, (long)(ARENA + 0x0UL), (long)0x1000UL))"));
  EXPECT_THAT(c, HasSubstr("check_kb(\"VmLck (arena)\", 0, vmlck_kb - lo_outside_kb);"));
  EXPECT_THAT(c, ::testing::Not(HasSubstr("  check_pages(")));
  EXPECT_THAT(c, HasSubstr("return 1;"));
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

TEST(ReportDirTest, ReportNamesTheStepTheRuleTheChannelsAndShowsThePageMaps) {
  const MutantInfo& mutant = *MutantNamed("onfault-populates");
  ReportInputs in;
  in.config = SimulatedConfig();
  in.ops = MinimalSequence(mutant);
  in.result = SimulateSequence(in.ops, in.config, mutant.bug);
  in.release = "simulated";
  in.rerun = "./mlockcheck mutants --only onfault-populates";
  in.mutant = &mutant;
  in.in_report_dir = true;
  const std::string text = RenderReport(in);
  using ::testing::HasSubstr;
  EXPECT_THAT(text, HasSubstr("first diverging step: 1 of 2: mlock2(arena+0x0, 0x1000, MLOCK_ONFAULT)\n"));
  EXPECT_THAT(text, HasSubstr("  residency: mm/gup.c populate_vma_page_range(): VM_LOCKONFAULT is never populated"));
  EXPECT_THAT(text, HasSubstr("  smaps-rss: expected 0 kB, observed 4 kB\n"));
  EXPECT_THAT(text, HasSubstr("page map at step 1, pages 0-0 (A+0x0..A+0x1000):\n"));
  EXPECT_THAT(text, HasSubstr("  expected  f\n  observed  F\n"));
  EXPECT_THAT(text, HasSubstr(">> 1  mlock2(r0, 0x1000, MLOCK_ONFAULT)  = 0\n"));
  EXPECT_THAT(text, HasSubstr("rerun: ./mlockcheck mutants --only onfault-populates\n"));
  EXPECT_THAT(text, HasSubstr("mutant:  onfault-populates: "));
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

TEST(MinimizeTest, DropsCallsAndSimplifiesArgumentsWhileTheSequenceStillFails) {
  const ModelConfig config = SimulatedConfig();
  SequenceFile bloated;
  std::string error;
  ASSERT_TRUE(ParseSequence(
      "r4 = mmap(arena+0x149000, 0x63000, PROT_EXEC, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED|MAP_POPULATE, -1, 0)\n"
      "mlockall(0x8)\n"
      "read(r4+0x10)\n"
      "munmap(arena+0x153000, 0x1fff)\n",
      "bloated.seq", &bloated, &error))
      << error;
  const PlantedBug bug = PlantedBug::kMunmapKeepsLockedVm;
  ASSERT_EQ(SimulateSequence(bloated.ops, config, bug).verdict, Verdict::kDivergence);
  int runs = 0;
  const std::vector<Op> minimal = MinimizeSequence(bloated.ops, [&](const std::vector<Op>& ops) {
    ++runs;
    return SimulateSequence(ops, config, bug).verdict == Verdict::kDivergence;
  });
  // Regions renumbered from r0.
  EXPECT_EQ(FormatSequence(minimal),
            "r0 = mmap(arena+0x0, 0x1000, PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
            "munmap(arena+0x0, 0x1000)\n")
      << "after " << runs << " runs";
}

// A whole-mapping mlock right after its mmap folds into MAP_LOCKED, and a
// lock call widened to its whole mapping lets another call go: no single
// removal shortens these.
TEST(MinimizeTest, FoldsAnMlockIntoItsMmapAndWidensALockToDropACall) {
  const ModelConfig config = SimulatedConfig();
  const PlantedBug bug = PlantedBug::kMunmapKeepsLockedVm;
  auto minimize = [&](const std::string& text) {
    SequenceFile file;
    std::string error;
    EXPECT_TRUE(ParseSequence(text, "fold.seq", &file, &error)) << error;
    EXPECT_EQ(SimulateSequence(file.ops, config, bug).verdict, Verdict::kDivergence) << text;
    return FormatSequence(MinimizeSequence(file.ops, [&](const std::vector<Op>& ops) {
      return SimulateSequence(ops, config, bug).verdict == Verdict::kDivergence;
    }));
  };
  const std::string expected =
      "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)\n"
      "munmap(r0, 0x1000)\n";
  EXPECT_EQ(minimize("r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
                     "mlock(r0, 0x1000)\n"
                     "munmap(r0, 0x1000)\n"),
            expected);
  // Two mlocks of a mapping's halves become one of the whole, then MAP_LOCKED.
  EXPECT_EQ(minimize("r0 = mmap(arena+0x0, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
                     "mlock(r0, 0x1000)\n"
                     "mlock(r0+0x1000, 0x1000)\n"
                     "munmap(r0, 0x2000)\n"),
            expected);
}

// A file page maps only at arena page k of a window (oracles/files.h): the
// minimizer moves a file mapping at most to window 0, never to the arena's
// start, and a sequence that breaks the rule is not the model's to judge
// (found when a soak's shrunk report moved file page 20 to arena page 0).
TEST(MinimizeTest, KeepsAFileMappingInItsWindow) {
  SequenceFile file;
  std::string error;
  ASSERT_TRUE(ParseSequence("r0 = mmap_file(arena+0x34000, 0x2000, PROT_READ, MAP_PRIVATE|MAP_FIXED_NOREPLACE, MEMFD, 0x14000)\n"
                            "mlock(arena+0x34000, 0x1000)\n",
                            "window.seq", &file, &error))
      << error;
  const ModelConfig config = SimulatedConfig();
  size_t step = 0;
  ASSERT_EQ(UnmodelledStep(config, file.ops, &step), nullptr);
  // "Fails" while the model covers it and the mlock still locks a page.
  const std::vector<Op> minimal = MinimizeSequence(file.ops, [&](const std::vector<Op>& ops) {
    if (ops.size() != 2 || UnmodelledStep(config, ops, &step) != nullptr) return false;
    Model model(config);
    model.Apply(ops[0]);
    return model.Apply(ops[1]) == Ok() && model.VmLckKb() > 0;
  });
  EXPECT_EQ(FormatSequence(minimal),
            "r0 = mmap_file(arena+0x14000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_FIXED_NOREPLACE, MEMFD, 0x14000)\n"
            "mlock(arena+0x14000, 0x1000)\n");
  std::vector<Op> off_window = file.ops;
  off_window[0].addr = 0;
  EXPECT_THAT(UnmodelledStep(config, off_window, &step), ::testing::HasSubstr("off its window"));
  EXPECT_EQ(step, 0u);
}

// A counterexample that does not fail again is kept as the property saw it
// (shrinking it chases other failures: a --thp soak's shrank into a known
// kernel bug); one that does is shrunk after its first repeat.
TEST(MinimizeTest, ShrinksAFailureOnlyIfItRepeats) {
  SequenceFile file;
  std::string error;
  ASSERT_TRUE(ParseSequence("r0 = mmap(arena+0x0, 0x2000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
                            "mlock(r0, 0x1000)\n"
                            "munlock(r0, 0x1000)\n",
                            "repeat.seq", &file, &error))
      << error;
  int runs = 0;
  const ShrunkFailure once = ShrinkFailure(file.ops, [&](const std::vector<Op>&) { return ++runs == 0; }, 3);
  EXPECT_FALSE(once.repeated);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(FormatSequence(once.ops), FormatSequence(file.ops));
  // Fails while a munlock is in it, from the second attempt on.
  runs = 0;
  const ShrunkFailure flaky = ShrinkFailure(file.ops, [&](const std::vector<Op>& ops) {
    ++runs;
    return runs > 1 && std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.kind == OpKind::kMunlock; });
  }, 3);
  EXPECT_TRUE(flaky.repeated);
  ASSERT_EQ(flaky.ops.size(), 1u);
  EXPECT_EQ(flaky.ops[0].kind, OpKind::kMunlock);
}

TEST(MinimizeTest, RenumbersRegionsInTheOrderTheirMmapsCome) {
  SequenceFile file;
  std::string error;
  ASSERT_TRUE(ParseSequence("r5 = mmap(arena+0x0, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
                            "r2 = mmap(arena+0x4000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
                            "mlock(r2, 0x1000)\n"
                            "munlock(r5+0x10, 0x10)\n",
                            "labels.seq", &file, &error))
      << error;
  EXPECT_EQ(FormatSequence(RenumberRegions(file.ops)),
            "r0 = mmap(arena+0x0, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
            "r1 = mmap(arena+0x4000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
            "mlock(r1, 0x1000)\n"
            "munlock(r0+0x10, 0x10)\n");
}

}  // namespace
}  // namespace mlc
