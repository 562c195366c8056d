// The event and unmodelled-rule tables (oracles/events.h,
// oracles/model/unmodelled.cc): every row names itself and cites its source.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "oracles/events.h"
#include "oracles/model.h"
#include "suite/lib/coverage.h"

namespace mlc {
namespace {

Op RangeOp() {
  Op op;
  op.kind = OpKind::kMlock;
  return op;
}

TEST(EventTableTest, EveryEventHasAUniqueNameAFamilyAndACitedSource) {
  std::set<std::string> names;
  for (size_t e = 0; e < static_cast<size_t>(Event::kCount); ++e) {
    const EventInfo& info = InfoOf(static_cast<Event>(e));
    EXPECT_EQ(static_cast<size_t>(info.event), e) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << "two events named " << info.name;
    EXPECT_STRNE(FamilyName(info.family), "?") << info.name;
    // A kernel file, a man page or a commit.
    EXPECT_THAT(info.citation, ::testing::ContainsRegex("[a-z]+/[a-z_]+\\.c|\\([0-9]\\)|[0-9a-f]{12}")) << info.name;
    EXPECT_EQ(info.gates >> kGateCount, 0u) << info.name;
  }
}

TEST(EventTableTest, AClosedGateNamesItsReasonForEveryEventThatNeedsIt) {
  Coverage coverage;
  coverage.CloseGate(kGateMremap, "mremap is not generated");
  EXPECT_EQ(coverage.UnreachableReason(Event::kLockAcrossHole), nullptr);
  ASSERT_NE(coverage.UnreachableReason(Event::kMremapMovedLocked), nullptr);
  EXPECT_EQ(*coverage.UnreachableReason(Event::kMremapMovedLocked), "mremap is not generated");
  coverage.CloseGate(kGateZeroPage, "no zero page");
  ASSERT_NE(coverage.UnreachableReason(Event::kThpHugeZeroMapped), nullptr);  // needs --thp and the zero page
  StepEffects fx;
  fx.Note(Event::kLockAcrossHole);
  coverage.Add(RangeOp(), {0, 0, 0}, fx);
  coverage.Add(RangeOp(), {0, 0, 0}, fx);
  coverage.EndSequence();
  coverage.Add(RangeOp(), {0, 0, 0}, fx);
  coverage.EndSequence();
  EXPECT_EQ(coverage.EventCount(Event::kLockAcrossHole), 3u);
  EXPECT_EQ(coverage.EventReach(Event::kLockAcrossHole), 2u);  // two sequences reached it
  std::ostringstream printed;
  coverage.Print(printed, "");
  EXPECT_THAT(printed.str(), ::testing::ContainsRegex("lock call crossed a hole after changing pages \\(ENOMEM\\) +3  in 2 sequences\n"));
  EXPECT_THAT(printed.str(), ::testing::HasSubstr("(not possible here: mremap is not generated)"));
  EXPECT_THAT(printed.str(), ::testing::HasSubstr("   mremap:\n"));
}

TEST(UnmodelledRuleTest, EveryRuleHasAUniqueIdAReasonAndASource) {
  std::set<std::string> ids;
  ASSERT_FALSE(UnmodelledRules().empty());
  for (const UnmodelledRule& rule : UnmodelledRules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
    EXPECT_STRNE(rule.why, "") << rule.id;
    EXPECT_THAT(rule.source, ::testing::ContainsRegex("[a-z]+/[a-z_]+\\.c|THP")) << rule.id;
  }
}

}  // namespace
}  // namespace mlc
