// Tests of generators/gen_ops.h's flag, protection and advice generators
// (every valid value, and invalid ones the kernel must reject), and of how
// a generated call prints.
#include "generators/gen_ops.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

#include "oracles/model.h"
#include "oracles/op.h"
#include "oracles/sequence_text.h"
#include "suite/testing/generators_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

// ---------------------------------------------------------------------------
// Flag generators.

TEST(GenFlagsTest, Mlock2FlagsAreBothValidAndInvalid) {
  rc::Random random(1);
  std::set<int> valid, invalid;
  Model model(TestConfig(64));
  model.Apply([] {
    Op op;
    op.kind = OpKind::kMmap;
    op.len = kPage;
    op.prot = uapi::kProtRead;
    op.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
    return op;
  }());
  for (int i = 0; i < 1000; ++i) {
    const int flags = Draw(GenMlock2Flags(), random);
    Op op;
    op.kind = OpKind::kMlock2;
    op.len = kPage;
    op.flags = flags;
    // ref 1: only MLOCK_ONFAULT is known.
    const bool is_valid = (flags & ~uapi::kMlockOnfault) == 0;
    EXPECT_EQ(model.Apply(op).err == uapi::kEinval, !is_valid) << flags;
    (is_valid ? valid : invalid).insert(flags);
  }
  EXPECT_THAT(valid, ::testing::ElementsAre(0, uapi::kMlockOnfault));
  EXPECT_THAT(invalid, ::testing::SizeIs(::testing::Ge(3u)));
}

TEST(GenFlagsTest, MlockallFlagsCoverEveryCombinationAndInvalidBits) {
  rc::Random random(2);
  std::set<int> seen;
  int einval = 0, ok = 0;
  for (int i = 0; i < 2000; ++i) {
    const int flags = Draw(GenMlockallFlags(true), random);
    seen.insert(flags);
    Model model(TestConfig(64));
    Op op;
    op.kind = OpKind::kMlockall;
    op.flags = flags;
    (model.Apply(op).err == uapi::kEinval ? einval : ok)++;
  }
  for (int bits = 0; bits < 8; ++bits) EXPECT_EQ(seen.count(bits), 1u) << bits;  // 0 and 4 too
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](int f) { return f & ~7; }));
  EXPECT_GT(einval, 0);
  EXPECT_GT(ok, 0);
}

TEST(GenFlagsTest, MlockallFlagsWithoutMclOnFaultNeverSetIt) {
  rc::Random random(3);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    const int flags = Draw(GenMlockallFlags(false), random);
    EXPECT_EQ(flags & uapi::kMclOnfault, 0) << flags;
    seen.insert(flags);
  }
  EXPECT_EQ(seen.count(uapi::kMclCurrent | uapi::kMclFuture), 1u);
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](int f) { return f & ~7; }));
}

TEST(GenFlagsTest, MmapFlagsAreAnonymousFixedAndOfOneType) {
  rc::Random random(4);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    const int flags = Draw(GenMmapFlags(), random);
    seen.insert(flags);
    EXPECT_TRUE(flags & uapi::kMapAnonymous);
    const int type = flags & (uapi::kMapShared | uapi::kMapPrivate);
    EXPECT_TRUE(type == uapi::kMapShared || type == uapi::kMapPrivate) << flags;
    EXPECT_NE(flags & (uapi::kMapFixed | uapi::kMapFixedNoreplace), 0) << flags;
  }
  const auto any = [&](int bit) {
    return std::any_of(seen.begin(), seen.end(), [bit](int f) { return (f & bit) != 0; });
  };
  EXPECT_TRUE(any(uapi::kMapShared));
  EXPECT_TRUE(any(uapi::kMapFixed));
  EXPECT_TRUE(any(uapi::kMapLocked));
  EXPECT_TRUE(any(uapi::kMapPopulate));
}

TEST(GenFlagsTest, ProtCoversAllEightCombinations) {
  rc::Random random(5);
  std::set<int> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(Draw(GenProt(), random));
  EXPECT_THAT(seen, ::testing::ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
}

// The advice generator: only advice the model knows or unassigned values.
TEST(GenOpsTest, MadviseAdviceIsKnownOrUnassigned) {
  rc::check([] {
    const int advice = *GenMadviseAdvice(true);
    const bool known = advice == uapi::kMadvDontneed || advice == uapi::kMadvDontneedLocked ||
                       advice == uapi::kMadvFree || advice == uapi::kMadvCold || advice == uapi::kMadvPageout ||
                       advice == uapi::kMadvWillneed || advice == uapi::kMadvPopulateRead ||
                       advice == uapi::kMadvPopulateWrite;
    RC_ASSERT(known || advice == 5 || advice == 99);
    RC_ASSERT(*GenMadviseAdvice(false) != uapi::kMadvDontneedLocked);
  });
}

// ---------------------------------------------------------------------------
// Printing.

// A call printed alone (RapidCheck's command, a test message) has no
// earlier mmap to label it by: arena-relative, in the sequence file's
// grammar; FormatCalls() labels calls within a sequence.
TEST(ShowOpTest, PrintsACallAloneArenaRelativeAndASequenceLabelled) {
  Op op;
  op.kind = OpKind::kMlock2;
  op.region = 3;
  op.region_base = 0x40000;
  op.addr = 0x41001;
  op.len = 0x2000;
  op.flags = uapi::kMlockOnfault;
  EXPECT_EQ(OpString(op), "mlock2(arena+0x41001, 0x2000, MLOCK_ONFAULT)");
  std::ostringstream os;
  os << op;
  EXPECT_EQ(os.str(), OpString(op));

  Op mmap;
  mmap.kind = OpKind::kMmap;
  mmap.region = 3;
  mmap.region_base = mmap.addr = 0x40000;
  mmap.len = 0x4000;
  mmap.prot = uapi::kProtRead | uapi::kProtWrite;
  mmap.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
  EXPECT_THAT(FormatCalls({op, mmap, op}),
              ::testing::ElementsAre("mlock2(arena+0x41001, 0x2000, MLOCK_ONFAULT)",
                          "r3 = mmap(arena+0x40000, 0x4000, PROT_READ|PROT_WRITE, "
                          "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)",
                          "mlock2(r3+0x1001, 0x2000, MLOCK_ONFAULT)"));
  op.addr = 0x40000;
  op.flags = 0;
  EXPECT_EQ(FormatCalls({mmap, op}).back(), "mlock2(r3, 0x2000, 0)");
  op.kind = OpKind::kMunlock;
  op.addr = 0x3f000;
  EXPECT_EQ(FormatCalls({mmap, op}).back(), "munlock(r3-0x1000, 0x2000)");
}

TEST(ShowOpTest, PrintsArenaOffsetsAbsoluteAddressesAndFlagNames) {
  Op mmap;
  mmap.kind = OpKind::kMmap;
  mmap.region = 2;
  mmap.region_base = mmap.addr = 0x3000;
  mmap.len = 0x2000;
  mmap.prot = uapi::kProtRead | uapi::kProtWrite;
  mmap.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace | uapi::kMapLocked;
  EXPECT_EQ(OpString(mmap),
            "mmap(arena+0x3000, 0x2000, PROT_READ|PROT_WRITE, "
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)");

  Op mlock;
  mlock.kind = OpKind::kMlock;
  mlock.addr = 0x5000;
  mlock.len = 0x1000;
  EXPECT_EQ(OpString(mlock), "mlock(arena+0x5000, 0x1000)");
  mlock.region = kAbsoluteAddr;
  mlock.addr = 0 - kPage;
  EXPECT_EQ(OpString(mlock), "mlock(0xfffffffffffff000, 0x1000)");

  Op mlockall;
  mlockall.kind = OpKind::kMlockall;
  mlockall.flags = uapi::kMclFuture | uapi::kMclOnfault | 0x8;
  EXPECT_EQ(OpString(mlockall), "mlockall(MCL_FUTURE|MCL_ONFAULT|0x8)");

  Op mprotect;
  mprotect.kind = OpKind::kMprotect;
  mprotect.addr = 0;
  mprotect.len = 0x1000;
  mprotect.prot = uapi::kProtNone;
  EXPECT_EQ(OpString(mprotect), "mprotect(arena+0x0, 0x1000, PROT_NONE)");

  Op touch;
  touch.kind = OpKind::kWriteTouch;
  touch.addr = 0x10;
  EXPECT_EQ(OpString(touch), "write(arena+0x10)");
  EXPECT_EQ(OpString(Op{}), "munlockall()");
}

}  // namespace
}  // namespace mlc
