// Tests of the oracle's migration rules (oracles/model/migrate.cc, ref
// 69-71): expectations written out by hand from the cited rules, never by
// re-running the model.
#include <gtest/gtest.h>

#include "oracles/files.h"
#include "oracles/model.h"
#include "oracles/observation.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"
#include "suite/testing/oracle_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

// Two nodes with memory, 0 and 1; page flags and nodes observed.
ModelConfig Config(const char* release = "6.18.0") {
  ModelConfig config = BaseConfig(128, release);
  config.numa_memory_nodes = 0x3;
  config.migration = true;
  config.observe_nodes = true;
  config.page_flags = true;
  return config;
}

Outcome Moved(int64_t not_migrated = 0) { return {not_migrated, 0, 0}; }
// A status[] entry the kernel left unwritten (runners/wire.h kMoveStatusUnset).
constexpr int32_t kUnset = -0x7fffffff;

// Ref 69: 0, or how many pages were not migrated: 0 to count; no errno.
TEST(MigrateModelTest, TheAnswerIsZeroToThePageCount) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  const Outcome expected = model.Apply(MovePagesOp(0, 3, 1));
  EXPECT_EQ(expected.ret, 0);
  EXPECT_EQ(expected.ret_max, 3);
  EXPECT_TRUE(OutcomeAllows(expected, Moved(0)));
  EXPECT_TRUE(OutcomeAllows(expected, Moved(3)));
  EXPECT_FALSE(OutcomeAllows(expected, Moved(4)));
  EXPECT_FALSE(OutcomeAllows(expected, Fails(uapi::kEnomem)));
}

// Ref 69: a node without memory fails the call before any page; a count of
// 0 never gets to the check.
TEST(MigrateModelTest, ANodeWithoutMemoryIsEnodevUnlessNothingIsAsked) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  StepEffects fx;
  EXPECT_EQ(model.Apply(MovePagesOp(0, 1, 2), &fx), Fails(uapi::kEnodev));
  EXPECT_EQ(Count(fx, Event::kMigrateNoNode), 1u);
  EXPECT_TRUE(model.move_status_allowed().empty());
  EXPECT_EQ(model.Apply(MovePagesOp(0, 0, 2)), Ok());
}

// Ref 69: each page's status: no VMA -EFAULT, the zero page -EFAULT, no pte
// in an anonymous VMA -ENOENT (6.12) or -EFAULT (6.1), no pte in a shmem
// mapping -ENOENT, a present private page the node or -EBUSY, a memfd page
// (it may be mapped twice) also -EACCES.
TEST(MigrateModelTest, EachPagesStatusFollowsItsState) {
  for (const char* release : {"6.12.0", "6.1.0"}) {
    SCOPED_TRACE(release);
    Model model(Config(release));
    ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);  // page 0
    ASSERT_EQ(model.Apply(MmapPages(1, 1, 2, uapi::kProtRead, kAnonPrivate)).err, 0);
    ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 1)), Ok());  // page 1: the zero page; page 2: none
    ASSERT_EQ(model.Apply(MmapPages(2, 3, 1, kRw, kAnonShared)).err, 0);  // page 3: shmem, no pte
    ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 4, 1, kRw, uapi::kMapShared | uapi::kMapFixedNoreplace |
                                                                  uapi::kMapPopulate)).err,
              0);  // page 4
    // page 5: no VMA
    model.Apply(MovePagesOp(0, 6, 1));
    const bool v61 = std::string(release) == "6.1.0";
    const std::vector<uint8_t> want = {kMoveToTarget | kMoveEbusy,
                                       kMoveEfault,
                                       static_cast<uint8_t>(v61 ? kMoveEfault : kMoveEnoent),
                                       kMoveEnoent,
                                       kMoveToTarget | kMoveEbusy | kMoveEacces,
                                       kMoveEfault};
    EXPECT_EQ(model.move_status_allowed(), want);
  }
}

// Ref 70, 71: a locked page that migrated stays mapped, resident, locked and
// PG_mlocked, and is on the node its status names.
TEST(MigrateModelTest, AMigratedLockedPageStaysResidentAndMlocked) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  Observation before;
  Predict(model, Ok(), &before);
  StepEffects fx;
  const Outcome out = model.Apply(MovePagesOp(0, 2, 1), &fx);
  EXPECT_EQ(Count(fx, Event::kMigrateLockedPage), 2u);
  model.AdoptMigration(Moved(0), {1, 1});
  Observation after;
  Predict(model, out, &after);
  EXPECT_EQ(after.resident, before.resident);
  EXPECT_EQ(after.page_bits, before.page_bits);
  EXPECT_EQ(after.locked_kb, 8u);
  EXPECT_EQ(after.vmlck_kb, before.vmlck_kb);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after.page_flags[i] & after.page_flags_care[i] & kPfMlocked, kPfMlocked) << i;
    EXPECT_EQ(after.node[i], 1) << i;
  }
  EXPECT_EQ(after.node[2], -1);
}

// Ref 69: a page the kernel could not isolate (-EBUSY) stays where it was,
// which the model does not know; an aborted batch (a positive answer)
// leaves every status and node undetermined.
TEST(MigrateModelTest, TheKernelsAnswerDecidesWhatIsKnown) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  model.Apply(MovePagesOp(0, 2, 1));
  model.AdoptMigration(Moved(0), {1, -uapi::kEbusy});
  EXPECT_EQ(model.KnownNode(0), 1);
  EXPECT_EQ(model.KnownNode(1), -1);
  model.Apply(MovePagesOp(0, 2, 0));
  model.AdoptMigration(Moved(2), {kUnset, kUnset});
  EXPECT_EQ(model.move_status_allowed(), std::vector<uint8_t>(2, kMoveAny));
  EXPECT_EQ(model.KnownNode(0), -1);
}

// Ref 70: the node is kept while nothing may have replaced the page (lock
// calls, reads), and forgotten where something may have (a write touch may
// COW, MADV_DONTNEED drops it, a fork ends tracking for the sequence).
TEST(MigrateModelTest, TheNodeIsForgottenWhereThePageMayHaveBeenReplaced) {
  Model model(Config());
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 3, kRw, kAnonPrivate | uapi::kMapPopulate)).err, 0);
  model.Apply(MovePagesOp(0, 3, 1));
  model.AdoptMigration(Moved(0), {1, 1, 1});
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMlock, 0, 3)), Ok());
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 0)), Ok());
  ASSERT_EQ(model.Apply(RangePages(OpKind::kMunlock, 0, 3)), Ok());
  EXPECT_EQ(model.KnownNode(0), 1);
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 0)), Ok());
  EXPECT_EQ(model.KnownNode(0), -1);
  ASSERT_EQ(model.Apply(MadvisePages(1, 1, uapi::kMadvDontneed)), Ok());
  EXPECT_EQ(model.KnownNode(1), -1);
  EXPECT_EQ(model.KnownNode(2), 1);
  model.Apply(ForkOp(100));
  EXPECT_EQ(model.KnownNode(2), -1);
  model.Apply(MovePagesOp(2, 1, 0));
  model.AdoptMigration(Moved(0), {0});
  EXPECT_EQ(model.KnownNode(2), -1) << "after a fork a later write may copy the page anywhere";
}

// The channels: a status outside the allowed set and a known page on
// another node are reported, each with its page.
TEST(MigrateModelTest, CompareNamesTheStatusAndTheNode) {
  const ModelConfig config = Config();
  Model model(config);
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  const Op move = MovePagesOp(0, 2, 1);
  const Outcome out = model.Apply(move);
  model.AdoptMigration(Moved(0), {1, -uapi::kEfault});
  Observation expected, observed;
  Predict(model, out, &expected);
  observed = expected;
  observed.outcome = Moved(0);
  EXPECT_TRUE(Compare(expected, observed, move, config).empty());
  observed.move_status = {-uapi::kEnoent, -uapi::kEfault};
  observed.node[0] = 0;
  const auto diffs = Compare(expected, observed, move, config);
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(diffs[0].channel, Channel::kMoveStatus);
  EXPECT_NE(diffs[0].detail.find("A+0x0 status[0]: expected node 1 or -EBUSY, observed -ENOENT"), std::string::npos)
      << diffs[0].detail;
  EXPECT_EQ(diffs[1].channel, Channel::kNode);
  EXPECT_NE(diffs[1].detail.find("expected node 1, observed node 0"), std::string::npos) << diffs[1].detail;
}

// The corpus scenarios' arena (TestConfig()) with two nodes.
ModelConfig ScenarioConfig(const char* release) {
  ModelConfig config = TestConfig();
  config.profile = *ProfileForRelease(release, nullptr);
  config.numa_memory_nodes = 0x3;
  config.migration = config.observe_nodes = true;
  config.page_flags = true;
  return config;
}

// The corpus scenario: statuses page by page (ref 69), then the locked
// pages on node 1, back on node 0, through munlock and mlock (ref 70, 71).
TEST_F(ReferenceScenarioOracleTest, MovePagesKeepsALockedPageResidentAndMlocked) {
  for (const char* release : {"6.1.0", "6.12.0"}) {
    SCOPED_TRACE(release);
    model_ = Model(ScenarioConfig(release));
    next_ = 0;
    EXPECT_EQ(Step(), AtPage(0));
    EXPECT_EQ(Step(), AtPage(4));
    EXPECT_EQ(Step(), AtPage(0x24));
    EXPECT_EQ(Step(), AtPage(8));
    EXPECT_EQ(Step(), Ok());
    StepEffects fx;
    const Outcome first = Step(&fx);
    EXPECT_EQ(first.ret, 0);
    EXPECT_EQ(first.ret_max, 10);
    const uint8_t hole = std::string(release) == "6.1.0" ? kMoveEfault : kMoveEnoent;
    const std::vector<uint8_t> want = {kMoveToTarget | kMoveEbusy, kMoveToTarget | kMoveEbusy, kMoveEfault,
                                       kMoveEfault, kMoveToTarget | kMoveEbusy | kMoveEacces, kMoveEfault,
                                       kMoveEfault, kMoveEfault, kMoveEfault, hole};
    EXPECT_EQ(model_.move_status_allowed(), want);
    EXPECT_EQ(Count(fx, Event::kMigrateLockedPage), 3u);  // pages 0, 1 and the memfd page locked at 0x24
    model_.AdoptMigration(Moved(0), {1, 1, -uapi::kEfault, -uapi::kEfault, -uapi::kEacces, -uapi::kEfault,
                                     -uapi::kEfault, -uapi::kEfault, -uapi::kEfault, -uapi::kEnoent});
    EXPECT_EQ(model_.KnownNode(0), 1);
    EXPECT_EQ(model_.KnownNode(4), -1);
    EXPECT_EQ(Step().ret_max, 2);
    model_.AdoptMigration(Moved(0), {0, 0});
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Step(), Ok());
    const Observation o = Predicted(model_);
    for (uint64_t i : {0, 1}) {
      EXPECT_EQ(o.node[i], 0) << i;
      EXPECT_EQ(o.resident[i], 1) << i;
      EXPECT_EQ(o.page_flags[i] & o.page_flags_care[i] & (kPfPresent | kPfMlocked), kPfPresent | kPfMlocked) << i;
    }
  }
}

// The corpus scenario: a migrated page keeps its known node through
// mprotect(PROT_NONE), and move_pages() finds it there and migrates it like
// any present page (ref 69, 70). Every version: 6.1-6.4 answering -ENOENT is
// the kernel bug follow-page-skips-protnone, not a rule of the model.
TEST_F(ReferenceScenarioOracleTest, AProtNonePageKeepsItsNodeAndMigrates) {
  for (const char* release : {"6.1.0", "6.12.0"}) {
    SCOPED_TRACE(release);
    model_ = Model(ScenarioConfig(release));
    next_ = 0;
    EXPECT_EQ(Step(), AtPage(0));
    EXPECT_EQ(Step().ret_max, 1);
    model_.AdoptMigration(Moved(0), {0});
    EXPECT_EQ(Predicted(model_).node[1], 0);
    EXPECT_EQ(Step(), Ok());
    EXPECT_EQ(Predicted(model_).node[1], 0);
    EXPECT_EQ(Step().ret_max, 2);
    // MAP_LOCKED populated both: present pages of a private anonymous VMA.
    EXPECT_EQ(model_.move_status_allowed(), (std::vector<uint8_t>{kMoveToTarget | kMoveEbusy, kMoveToTarget | kMoveEbusy}));
    model_.AdoptMigration(Moved(0), {1, 1});
    EXPECT_EQ(Predicted(model_).node[0], 1);
    EXPECT_EQ(Predicted(model_).node[1], 1);
  }
}

Op MigrateProcessOp(uint64_t node) {
  Op op;
  op.kind = OpKind::kMigratePages;
  op.node = node;
  return op;
}

ModelConfig ProcessConfig(bool cap_sys_nice) {
  ModelConfig config = Config();
  config.migrate_process = true;
  config.cap_sys_nice = cap_sys_nice;
  config.outside_lockable_pages = 10;
  return config;
}

// Ref 75: a target without memory is outside the cpuset's mems: EPERM
// without CAP_SYS_NICE, EINVAL with it (new AND mems is empty).
TEST(MigrateProcessModelTest, ANodeWithoutMemoryIsEpermOrEinval) {
  for (const bool nice : {false, true}) {
    Model model(ProcessConfig(nice));
    StepEffects fx;
    EXPECT_EQ(model.Apply(MigrateProcessOp(2), &fx), Fails(nice ? uapi::kEinval : uapi::kEperm)) << nice;
    EXPECT_EQ(Count(fx, Event::kMigrateProcessNoNode), 1u);
  }
}

// Ref 75, 70, 71: every present page moves, locked or not, and keeps its
// residency, lock and PG_mlocked; the zero page and pages without a pte
// stay without a node. The answer counts the whole process's folios: 0 to
// every mapped page, the arena's, the heap's and the executor's own.
TEST(MigrateProcessModelTest, EveryPresentPageMovesAndLockedOnesStayMlocked) {
  Model model(ProcessConfig(false));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 2, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);  // pages 0-1
  ASSERT_EQ(model.Apply(MmapPages(1, 2, 3, kRw, kAnonPrivate)).err, 0);
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kWriteTouch, 2)), Ok());  // page 2: a page
  ASSERT_EQ(model.Apply(TouchPage(OpKind::kReadTouch, 3)), Ok());   // page 3: the zero page; page 4: none
  Observation before;
  Predict(model, Ok(), &before);
  StepEffects fx;
  const Outcome out = model.Apply(MigrateProcessOp(1), &fx);
  EXPECT_EQ(out.ret, 0);
  EXPECT_EQ(out.ret_max, static_cast<int64_t>(5 + 10 + kHeapPages));
  EXPECT_EQ(Count(fx, Event::kMigrateProcessLockedPage), 2u);
  EXPECT_EQ(Count(fx, Event::kMigrateProcessUnlockedPage), 1u);
  model.AdoptMigration(Moved(0), {});
  Observation after;
  Predict(model, out, &after);
  EXPECT_EQ(after.resident, before.resident);
  EXPECT_EQ(after.page_bits, before.page_bits);
  EXPECT_EQ(after.page_flags, before.page_flags);  // PG_mlocked on pages 0-1, as before
  EXPECT_EQ(after.vmlck_kb, before.vmlck_kb);
  EXPECT_EQ(after.locked_kb, before.locked_kb);
  for (size_t i : {0, 1, 2}) EXPECT_EQ(model.KnownNode(i), 1) << i;
  for (size_t i : {3, 4}) EXPECT_EQ(model.KnownNode(i), -1) << i;
}

// Ref 75: a positive answer does not say which folios stayed (one outside
// the arena, 6.12's count of a second pte): the candidates' nodes are no
// longer known.
TEST(MigrateProcessModelTest, APositiveAnswerLeavesTheNodesOpen) {
  Model model(ProcessConfig(false));
  ASSERT_EQ(model.Apply(MmapPages(0, 0, 1, kRw, kAnonPrivate | uapi::kMapLocked)).err, 0);
  model.Apply(MigrateProcessOp(1));
  model.AdoptMigration(Moved(0), {});
  ASSERT_EQ(model.KnownNode(0), 1);
  model.Apply(MigrateProcessOp(0));
  model.AdoptMigration(Moved(1), {});
  EXPECT_EQ(model.KnownNode(0), -1);
}

// Ref 75: without MPOL_MF_MOVE_ALL a folio mapped more than once stays
// (folio_likely_mapped_shared()), so a page-cache page that may be mapped
// twice has no known node after; with CAP_SYS_NICE it moves.
TEST(MigrateProcessModelTest, APageMaybeMappedTwiceMovesOnlyWithCapSysNice) {
  for (const bool nice : {false, true}) {
    Model model(ProcessConfig(nice));
    ASSERT_EQ(model.Apply(MmapFilePages(kMemfd, 0, 4, 1, kRw, uapi::kMapShared | uapi::kMapFixedNoreplace |
                                                                 uapi::kMapPopulate)).err,
              0);
    model.Apply(MigrateProcessOp(1));
    model.AdoptMigration(Moved(0), {});
    EXPECT_EQ(model.KnownNode(4), nice ? 1 : -1) << nice;
  }
}

// The corpus scenario: pages 0, 1 (locked) and 3 (written) move to node 1
// and back to node 0, page 1 unlocked by then; the zero page (2) and the
// page without a pte (4) have no node; node 5 has no memory (ref 75).
TEST_F(ReferenceScenarioOracleTest, MigratePagesKeepsLockedPagesResidentAndMlocked) {
  model_ = Model(ProcessConfig(false));
  EXPECT_EQ(Step(), AtPage(0));
  EXPECT_EQ(Step(), AtPage(2));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Step(), Ok()) << i;
  StepEffects fx;
  EXPECT_EQ(Step(&fx).ret, 0);
  EXPECT_EQ(Count(fx, Event::kMigrateProcessLockedPage), 2u);
  EXPECT_EQ(Count(fx, Event::kMigrateProcessUnlockedPage), 1u);
  model_.AdoptMigration(Moved(0), {});
  const std::vector<int8_t> nodes = Predicted(model_).node;
  EXPECT_EQ(std::vector<int8_t>(nodes.begin(), nodes.begin() + 6), (std::vector<int8_t>{1, 1, -1, 1, -1, -1}));
  EXPECT_EQ(Step(), Ok());
  StepEffects back;
  EXPECT_EQ(Step(&back).ret, 0);
  EXPECT_EQ(Count(back, Event::kMigrateProcessLockedPage), 1u);
  EXPECT_EQ(Count(back, Event::kMigrateProcessUnlockedPage), 2u);
  model_.AdoptMigration(Moved(0), {});
  const Observation now = Predicted(model_);
  EXPECT_EQ(now.node[0], 0);
  EXPECT_EQ(now.node[1], 0);
  EXPECT_EQ(now.node[3], 0);
  EXPECT_EQ(now.page_flags[0] & kPfMlocked, kPfMlocked);
  EXPECT_EQ(now.page_flags[1] & kPfMlocked, 0);
  EXPECT_EQ(Step(), Fails(uapi::kEperm));
}

}  // namespace
}  // namespace mlc
