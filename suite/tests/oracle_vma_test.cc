// Tests of the pure oracle (no kernel) for VMA boundaries and anon_vmas:
// merges and splits, fault-around stopping at a VMA, copied ptes of a fork
// child, VM_ACCOUNT and mremap across VMAs (oracles/model/vma.cc);
// each expectation below is written out by hand from the rule text of
// oracles/README.md ("ref N" is its rule N), never by re-running the model.
// Shared helpers: suite/testing/oracle_testing.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {

namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

// do_cow_fault() runs vmf_anon_prepare() before __do_fault() finds the page
// beyond EOF: the write's SIGBUS leaves the VMA with an anon_vma, so the fork
// child gets a copy of the read-faulted page-cache pte (in its Rss).
TEST_F(ReferenceScenarioOracleTest, FailedCowFaultBeyondEofStillGivesTheVmaAnAnonVma) {
  EXPECT_EQ(Step(), AtPage(22));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), (Outcome{0, 0, uapi::kSigbus}));
  EXPECT_TRUE(model_.pages()[22].anon_vma);
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 4u);  // page 22's copied pte
}

// 6.1: step 4's merge of page 1 into page 0's faulted VMA is left open
// (page 1 may share its anon_vma); step 5 splits page 1 off and merges
// pages 2-3 into it, so their VMA may have that anon_vma too, and the fork
// child's copy of page 3's zero page pte is not determined.
TEST_F(ReferenceScenarioOracleTest, AnonVmaOpennessSpreadsToAVmaThatMergedIntoAnOpenOne) {
  ModelConfig config = TestConfig();
  config.profile = *ProfileForRelease("6.1.0", nullptr);
  model_ = Model(config);
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // populate of the PROT_NONE page (ref 34)
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[1].anon_vma_open);
  EXPECT_EQ(Step(), Ok());
  for (size_t i : {2, 3}) {
    EXPECT_TRUE(model_.pages()[i].anon_vma_open) << i;
    EXPECT_EQ(model_.pages()[i].anon_vma_alt, model_.pages()[0].anon_vma) << i;
  }
  EXPECT_EQ(Step(), Ok());
  const Observation predicted = Predicted(model_);
  ASSERT_NE(predicted.fork_child, nullptr);
  ASSERT_FALSE(predicted.fork_child->resident_care.empty());
  EXPECT_EQ(predicted.fork_child->resident_care[3], 0);
}

// MADV_PAGEOUT may have dropped page 2's pte: the read may fault, and
// fault-around then maps page 3 from the shmem object, or may not. Page 3
// is left open: its mincore is not compared and Rss lies in a range.
TEST_F(ReferenceScenarioOracleTest, ReadAfterPageoutMayFaultAroundShmemNeighbours) {
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[3].open);
  EXPECT_EQ(model_.pages()[3].residency, Residency::kPage);
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_FALSE(predicted.resident_care.empty());
  EXPECT_EQ(predicted.resident_care[3], 0);
  EXPECT_LT(predicted.rss_min_kb, predicted.rss_kb);
}

TEST_F(ReferenceScenarioOracleTest, MremapOfAnUnfaultedVmaMergesAtItsNewPlace) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(4));
  EXPECT_EQ(model_.SpanOf(4, 28), Model::VmaSpan::kInside);
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[4].anon_vma, 0u);
  EXPECT_EQ(model_.pages()[31].anon_vma, model_.pages()[4].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[30].anon_vma, model_.pages()[4].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(29));
}

// Pages 0-4 get page 5's flags and merge with it before they are
// populated, so their faults take its anon_vma: pages 0-6 are one VMA.
TEST_F(ReferenceScenarioOracleTest, MprotectPopulatesEachVmaAfterItsMerge) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  const uint32_t id = model_.pages()[5].anon_vma;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[0].anon_vma, id);
  EXPECT_EQ(model_.pages()[6].anon_vma, id);
  EXPECT_EQ(Step(), AtPage(4));
}

// Pages 13-27 join the locked pages 10-12 (anon_vma of their mlock), not
// the write-only page 28's anon_vma: growth inside the VMA is ENOMEM.
TEST_F(ReferenceScenarioOracleTest, MlockallMergeBeatsAnAnonVmaOfADifferentlyProtectedNeighbour) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(28));
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[10].anon_vma, model_.pages()[28].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[20].anon_vma, model_.pages()[10].anon_vma);
  EXPECT_EQ(model_.pages()[0].anon_vma, model_.pages()[10].anon_vma);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

// Page 57's failed COW fault and page 54's COW give two anon_vmas; after
// munlockall() page 57 stays a VMA of its own, so its SIGBUS read does not
// map page 53, whose file page r5's populate brought into the page cache.
TEST_F(ReferenceScenarioOracleTest, FaultAroundStopsAtAVmaWithAnotherAnonVma) {
  EXPECT_EQ(Step(), AtPage(53));
  EXPECT_EQ(Step(), AtPage(5));
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[57].anon_vma, 0u);
  EXPECT_NE(model_.pages()[54].anon_vma, model_.pages()[57].anon_vma);
  EXPECT_EQ(Step(), (Outcome{0, 0, uapi::kSigbus}));
  EXPECT_EQ(model_.pages()[53].residency, Residency::kNone);
}

// The munlock changes nothing, so the write gives pages 0-2 one anon_vma
// that page 1's mlock split keeps: one VMA again after munlockall().
TEST_F(ReferenceScenarioOracleTest, MunlockOfUnlockedPagesSplitsNothing) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  const uint32_t id = model_.pages()[2].anon_vma;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(model_.pages()[0].anon_vma, id);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[1].anon_vma, id);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), AtPage(1));
}

// copy_vma() keeps the pgoff of a VMA that has an anon_vma: moved next to
// the rest of its old VMA it stays a VMA of its own, so mremap() across
// both is EFAULT.
TEST(MremapOracleTest, AFaultedVmaMovedNextToItsOldNeighbourStaysApart) {
  Model model(TestConfig());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 16, uapi::kProtRead | uapi::kProtWrite, uapi::kMapPrivate | uapi::kMapAnonymous)),
            AtPage(0));
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  ASSERT_EQ(model.Apply(MremapPages(0, 4, 4, uapi::kMremapMaymove | uapi::kMremapFixed, 4)), AtPage(4));
  EXPECT_EQ(model.SpanOf(4, 5), Model::VmaSpan::kCrosses);
  EXPECT_EQ(model.Apply(MremapPages(7, 2, 3, 0)), Fails(uapi::kEfault));
}

// mlock's COW write fault gives page 0's VMA an anon_vma; munlockall() may
// merge the rest of the mapping into it (is_mergeable_anon_vma()), and the
// merged VMA keeps it after page 0 is unmapped: the neighbours are left open
// from the merge on, so the child's copy of page 20's pte is allowed, not
// required.
TEST_F(ReferenceScenarioOracleTest, AnonVmaOutlivesTheNeighbourItMergedWith) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[0].anon_vma);
  EXPECT_FALSE(model_.pages()[1].anon_vma_open);  // a locked page 0 is its own VMA
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[1].anon_vma_open);
  EXPECT_FALSE(model_.pages()[1].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[20].anon_vma_open);  // outlives page 0
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 0u);
  EXPECT_EQ(predicted.fork_child->rss_open_kb, 4u);
}

// Only page 0 is COWed by mlockall(MCL_CURRENT); the PROT_NONE mprotect may
// merge pages 1-2 into its VMA, and the mlock2 split leaves them the
// anon_vma: their copied ptes are allowed (up to 12 kB), page 0's required.
TEST_F(ReferenceScenarioOracleTest, AnonVmaSurvivesAMergeAndTheNextSplit) {
  EXPECT_EQ(Step(), AtPage(13));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[13].anon_vma);
  EXPECT_FALSE(model_.pages()[14].anon_vma_open);  // other flags: another VMA
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[14].anon_vma_open);
  EXPECT_TRUE(model_.pages()[15].anon_vma_open);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 4u);
  EXPECT_EQ(predicted.fork_child->rss_open_kb, 8u);
}

// Page 15's VMA (locked) and page 9's get anon_vmas of their own; after the
// munlock they look alike but stay two VMAs, so the read of page 9 maps no
// page of page 15's VMA by fault-around.
TEST_F(ReferenceScenarioOracleTest, DistinctAnonVmasKeepAlikeVmasApart) {
  EXPECT_EQ(Step(), AtPage(9));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[9].anon_vma, 0u);
  EXPECT_NE(model_.pages()[15].anon_vma, 0u);
  EXPECT_NE(model_.pages()[9].anon_vma, model_.pages()[15].anon_vma);
  EXPECT_EQ(model_.pages()[14].anon_vma, model_.pages()[9].anon_vma);  // one VMA, one anon_vma
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(model_.SpanOf(9, 7), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[9].residency, Residency::kPage);
  EXPECT_EQ(model_.pages()[14].residency, Residency::kNone);  // never in the page cache
  EXPECT_EQ(model_.pages()[15].residency, Residency::kNone);  // cached, but another VMA
}

// Pages 17 and 19 are COWed in VMAs of their own (the lf page 18 between
// keeps find_mergeable_anon_vma() from sharing), so they get two anon_vmas;
// the new mapping at 20-23 merges into page 19's VMA, and the read's
// fault-around there (window 16-31) stops at that VMA's start: page 17's
// page-cache page stays without a pte.
TEST_F(ReferenceScenarioOracleTest, FaultAroundStopsAtAnAnonVmaReachedAcrossASeam) {
  EXPECT_EQ(Step(), AtPage(17));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Step(), Ok()) << i;
  EXPECT_NE(model_.pages()[17].anon_vma, 0u);
  EXPECT_NE(model_.pages()[19].anon_vma, 0u);
  EXPECT_NE(model_.pages()[17].anon_vma, model_.pages()[19].anon_vma);
  EXPECT_EQ(model_.pages()[17].residency, Residency::kNone);  // zapped; its file page stays cached
  EXPECT_EQ(Step(), AtPage(20));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[23].residency, Residency::kPage);
  EXPECT_EQ(model_.pages()[17].residency, Residency::kNone);
  EXPECT_FALSE(model_.pages()[17].open);
}

// munlockall() merges pages 0-12 into the VMA of the populated pages 2-11,
// and mlock splits page 12 off with a copy of that anon_vma; the model
// cannot tell the merge happened, so page 12's fault may have found it
// (PageState::anon_vma_alt): after the munlock the pages may be one VMA,
// never certainly two, and the growth in place goes ahead.
TEST_F(ReferenceScenarioOracleTest, SplitOffVmaKeepsTheAnonVmaOfTheVmaItMergedInto) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  const uint32_t merged_into = model_.pages()[2].anon_vma;
  EXPECT_NE(merged_into, 0u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  const PageState& split_off = model_.pages()[12];
  EXPECT_NE(split_off.anon_vma, 0u);
  EXPECT_TRUE(split_off.anon_vma == merged_into || split_off.anon_vma_alt == merged_into);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(model_.SpanOf(8, 5), Model::VmaSpan::kUnknown);
  EXPECT_EQ(Step(), AtPage(8));
  EXPECT_TRUE(model_.pages()[13].mapped);
}

// The same history on a private file: page 11's read fault-around may or
// may not reach page 12 (cached by its COW), so page 12's residency is
// open, page 10's (same VMA, no seam between) is not.
TEST_F(ReferenceScenarioOracleTest, FaultAroundMayReachAVmaThatMayShareTheAnonVma) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[12].residency, Residency::kNone);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[10].residency, Residency::kPage);
  EXPECT_FALSE(model_.pages()[10].open);
  EXPECT_EQ(model_.pages()[12].residency, Residency::kPage);
  EXPECT_TRUE(model_.pages()[12].open);
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_FALSE(predicted.resident_care.empty());
  EXPECT_EQ(predicted.resident_care[12], 0);
  EXPECT_EQ(predicted.resident_care[10], 1);
}

// mprotect(PROT_WRITE) write-faults the locked page 24 beyond EOF: no page,
// but an anon_vma; mlockall() makes pages 20-23 alike with it, so the fork
// child may hold copies of the two read-populated pages (up to 8 kB).
TEST_F(ReferenceScenarioOracleTest, MprotectPopulateBeyondEofGivesTheVmaAnAnonVma) {
  EXPECT_EQ(Step(), AtPage(20));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(model_.pages()[24].anon_vma, 0u);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_NE(model_.pages()[24].anon_vma, 0u);
  EXPECT_EQ(model_.pages()[24].residency, Residency::kNone);
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[22].anon_vma_open);
  EXPECT_EQ(Step(), Ok());
  Observation predicted;
  Predict(model_, Ok(), &predicted);
  ASSERT_NE(predicted.fork_child, nullptr);
  EXPECT_EQ(predicted.fork_child->rss_kb, 0u);
  EXPECT_EQ(predicted.fork_child->rss_open_kb, 8u);
}

// 6.18 (no 838bb60dc215): the DONTUNMAP copy at page 0x18 merges with its
// source (pages 0-0x17) and with pages 0x20-0x2f, one VMA again.
TEST_F(ReferenceScenarioOracleTest, DontunmapCopyNextToItsSourceMergesByVersion) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(0x18));
  EXPECT_FALSE(model_.pages()[0x18].unmerged_start);
  EXPECT_NE(model_.SpanOf(0, 0x30), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));  // one VMA that ends at 0x30, not 0x19
  EXPECT_EQ(Step(), AtPage(0x18));           // [0x18, 0x30) ends the VMA: it grows
  EXPECT_TRUE(model_.pages()[0x30].mapped);
}

// The same calls where the fix of the self-merge is in: 6.12.114+ leaves
// the source out (the copy merges with pages 0x20-0x2f only), 6.1.191+ merges
// nothing when the copy touches the source; 6.1.190 merges as 6.18 does.
TEST(DontunmapMergeTest, TheCopyKeepsApartFromItsSourceWhereTheFixIsIn) {
  std::vector<Op> ops;
  for (const Scenario& s : ReferenceScenarios()) {
    if (s.name == "DontunmapCopyNextToItsSourceMergesByVersion") ops = s.ops;
  }
  ASSERT_EQ(ops.size(), 4u);
  struct Case {
    const char* release;
    const char* build;
    Outcome across, grow;
  };
  const Case cases[] = {
      {"6.12.118+deb12-cloud-amd64", "", Fails(uapi::kEfault), AtPage(0x18)},
      {"6.1.0-57-cloud-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1 (2026-11-02)", Fails(uapi::kEfault),
       Fails(uapi::kEfault)},
      {"6.1.190", "", Fails(uapi::kEnomem), AtPage(0x18)},
      {"7.3.0", "", Fails(uapi::kEfault), AtPage(0x18)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.release);
    ModelConfig config = TestConfig();
    config.profile = ProfileForRelease(c.release, nullptr, c.build).value();
    Model model(config);
    EXPECT_EQ(model.Apply(ops[0]), AtPage(0));
    EXPECT_EQ(model.Apply(ops[1]), AtPage(0x18));
    EXPECT_EQ(model.Apply(ops[2]), c.across);
    EXPECT_EQ(model.Apply(ops[3]), c.grow);
  }
}

// Before 6.16 the locked page, faulted into an anon_vma of its own, does
// not merge back into the unfaulted VMA before it when munlock makes them
// alike (is_mergeable_anon_vma(): that VMA's anon_vma_chain is empty): two
// VMAs, so mremap across them is EFAULT; 6.16+ merges them, and the VMA
// grows in place (found under qemu on Debian's 6.1.192 and 6.12.118).
TEST(AnonVmaMergeTest, BeforeSixSixteenAFaultedVmaDoesNotMergeIntoAnUnfaultedOne) {
  const std::vector<Op> ops = {
      MmapPages(0, 0, 13, kRw, kAnonPrivate),
      RangePages(OpKind::kMlock, 12, 1),
      RangePages(OpKind::kMunlock, 0, 17),
  };
  for (const char* release : {"6.1.192", "6.12.118", "6.15.11", "6.16.0"}) {
    SCOPED_TRACE(release);
    ModelConfig config = TestConfig();
    config.profile = ProfileForRelease(release, nullptr).value();
    Model model(config);
    EXPECT_EQ(model.Apply(ops[0]), AtPage(0));
    EXPECT_EQ(model.Apply(ops[1]), Ok());
    EXPECT_NE(model.pages()[12].anon_vma, 0u);
    EXPECT_EQ(model.Apply(ops[2]), Fails(uapi::kEnomem));
    const bool merged = config.profile.anon_vma_merges_into_unfaulted;
    EXPECT_EQ(merged, std::string(release) == "6.16.0");
    EXPECT_EQ(model.pages()[12].unmerged_start, !merged);
    EXPECT_EQ(model.SpanOf(8, 5), merged ? Model::VmaSpan::kUnknown : Model::VmaSpan::kCrosses);
    EXPECT_EQ(model.Apply(MremapPages(8, 5, 6, 0)), merged ? AtPage(8) : Fails(uapi::kEfault));
  }
}

// Seams at pages 4 and 15 (the mprotect that changed nothing) and 22 (the
// second mlock) may be VMA boundaries; every fault still finds the anon_vma
// of the first write, so the pages stay one VMA for mremap.
TEST_F(ReferenceScenarioOracleTest, FaultsBeyondASeamShareTheVmasAnonVma) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  const uint32_t id = model_.pages()[4].anon_vma;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[22].anon_vma, id);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[15].anon_vma, id);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

// mlockall locks pages 7-11 between two locked VMAs with anon_vmas of
// their own: they join page 6's VMA and its anon_vma, not page 12's.
TEST_F(ReferenceScenarioOracleTest, MlockallMergesAVmaWithItsPredecessorsAnonVma) {
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[1].anon_vma, model_.pages()[12].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[7].anon_vma, model_.pages()[1].anon_vma);
  EXPECT_EQ(model_.pages()[13].anon_vma, model_.pages()[12].anon_vma);
  EXPECT_NE(model_.SpanOf(6, 6), Model::VmaSpan::kCrosses);
  // Not the VMA's end: no growth in place, and no MREMAP_MAYMOVE.
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

// A written private anonymous mapping keeps VM_ACCOUNT when it turns
// PROT_NONE, so it stays apart from its never-writable neighbour.
TEST_F(ReferenceScenarioOracleTest, MprotectKeepsTheChargeOfAFaultedAnonVma) {
  EXPECT_EQ(Step(), AtPage(1));
  EXPECT_TRUE(model_.pages()[1].account);
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_FALSE(model_.pages()[0].account);
  EXPECT_EQ(Step(), Ok());
  EXPECT_NE(model_.pages()[1].anon_vma, 0u);
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[1].account);
  EXPECT_EQ(model_.SpanOf(0, 2), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), Fails(uapi::kEfault));
}

// Never written, it loses the charge (v6.7+) and merges: mremap grows it.
TEST_F(ReferenceScenarioOracleTest, MprotectUnchargesAnUnfaultedAnonVma) {
  EXPECT_EQ(Step(), AtPage(1));
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_FALSE(model_.pages()[1].account);
  EXPECT_NE(model_.SpanOf(0, 2), Model::VmaSpan::kCrosses);
  EXPECT_EQ(Step(), AtPage(0));
}

// v6.1 keeps the charge of any VMA made read-only: the two stay apart.
TEST(MprotectAccountTest, SixOneKeepsTheChargeOfAnUnfaultedAnonVma) {
  ModelConfig config = TestConfig();
  config.profile = *ProfileForRelease("6.1.0-27-cloud-amd64", nullptr);
  Model model(config);
  Scenario scenario;
  for (const Scenario& s : ReferenceScenarios()) {
    if (s.name == "MprotectUnchargesAnUnfaultedAnonVma") scenario = s;
  }
  ASSERT_EQ(scenario.ops.size(), 4u);
  for (size_t i = 0; i < 3; ++i) model.Apply(scenario.ops[i], nullptr);
  EXPECT_TRUE(model.pages()[1].account);
  EXPECT_EQ(model.Apply(scenario.ops[3], nullptr), Fails(uapi::kEfault));
}

// 6.1 (before 879bca0a2c4f): mlockall() refuses to merge the faulted page
// 0x26 into [0, 0x26); the write gives [0, 0x26) page 0x26's anon_vma;
// mlock() then changes both and merges them: [0x1f, 0x4b) is one VMA, and
// growing it in place meets page 0x4b (ENOMEM).
TEST_F(ReferenceScenarioOracleTest, MlockOverVmasSharingAnAnonVmaMergesThem) {
  ModelConfig config = BaseConfig(128, "6.1.0");  // the scenario maps 0x59 pages
  config.outside_lockable_pages = 100;
  model_ = Model(config);
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(Step(), Ok());
  EXPECT_TRUE(model_.pages()[0x26].unmerged_start);
  EXPECT_EQ(Step(), Ok());
  EXPECT_EQ(model_.pages()[0x25].anon_vma, model_.pages()[0x26].anon_vma);
  EXPECT_EQ(Step(), Ok());
  EXPECT_FALSE(model_.pages()[0x26].unmerged_start);
  EXPECT_EQ(Step(), Fails(uapi::kEnomem));
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// The corpus scenario: mlockall() merges page 0 (split off by the failed
// mlock) with pages 1-15; page 15 is split off again and faulted (its own
// anon_vma); mprotect(PROT_WRITE) changes pages 0-14 at once and their
// populate reuses page 15's anon_vma (compatible: only VM_READ differs), so
// page 15 then merges back and the growth of pages 4-15 is in place.
TEST_F(ReferenceScenarioOracleTest, MprotectPopulateOfAMergedVmaReusesItsNeighboursAnonVma) {
  EXPECT_EQ(Step(), test::AtPage(0));
  EXPECT_EQ(Step(), test::Fails(uapi::kEnomem));
  EXPECT_EQ(Step(), test::Ok());
  EXPECT_EQ(Step(), test::Ok());
  const uint32_t faulted = model_.pages()[15].anon_vma;
  ASSERT_NE(faulted, 0u);
  EXPECT_EQ(Step(), test::Fails(uapi::kEnomem));
  for (size_t i : {0, 1, 14}) EXPECT_EQ(model_.pages()[i].anon_vma, faulted) << i;
  EXPECT_EQ(Step(), test::AtPage(4));
  EXPECT_TRUE(model_.pages()[16].mapped);
}

// The corpus scenario: page 54 (shmem offset 54) moved to page 34 is a VMA
// of its own between pages of offsets 33 and 35; after the zap the read of
// page 34 faults it in alone: pages 35-40 stay without ptes (still in the
// object, resident to mincore through it).
TEST_F(ReferenceScenarioOracleTest, FaultAroundStopsAtAMovedShmemPagesVma) {
  EXPECT_EQ(Step(), test::AtPage(0));
  EXPECT_EQ(Step(), test::AtPage(34));
  EXPECT_EQ(Step(), test::Ok());
  EXPECT_EQ(Step(), test::Ok());
  EXPECT_EQ(model_.pages()[34].residency, Residency::kPage);
  for (size_t i = 35; i <= 40; ++i) {
    EXPECT_EQ(model_.pages()[i].residency, Residency::kNone) << i;
    EXPECT_TRUE(model_.pages()[i].shm_cached) << i;
  }
  EXPECT_EQ(model_.pages()[33].residency, Residency::kNone);
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// The corpus scenario: pages 20 (locked, faulted) and 21 (unlocked,
// unfaulted) move to 37-38 as two VMAs since 6.17; page 38 takes the pgoff
// of its place and merges with page 39, so pages 38-39 grow in place to 40.
// Before 6.17 the move across two VMAs is EFAULT after the target was
// unmapped, so the growth finds no VMA at page 38: EFAULT.
TEST_F(ReferenceScenarioOracleTest, AMoveOfSeveralVmasRepositionsEachUnfaultedOne) {
  for (const char* release : {"6.18.0", "6.12.0"}) {
    SCOPED_TRACE(release);
    ModelConfig config = TestConfig(release);
    model_ = Model(config);
    next_ = 0;
    const bool multi = std::string(release) == "6.18.0";
    EXPECT_EQ(Step(), test::AtPage(0));
    EXPECT_EQ(Step(), test::Ok());
    const Outcome moved = Step();
    if (multi) {
      EXPECT_EQ(moved, test::AtPage(37));
      EXPECT_EQ(model_.pages()[38].anon_pgoff_skew, model_.pages()[39].anon_pgoff_skew);
    } else {
      EXPECT_EQ(moved, test::Fails(uapi::kEfault));
    }
    if (multi) {
      EXPECT_EQ(Step(), test::AtPage(38));
      EXPECT_TRUE(model_.pages()[40].mapped);
    } else {
      // mremap_to() unmapped the target before vma_to_resize() refused.
      EXPECT_EQ(Step(), test::Fails(uapi::kEfault));
      EXPECT_FALSE(model_.pages()[38].mapped);
    }
  }
}

}  // namespace
}  // namespace mlc
