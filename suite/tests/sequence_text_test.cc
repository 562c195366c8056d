// The sequence file format: printing and parsing agree, and malformed files
// are refused with FILE:LINE and what was expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "generators/gen_ops.h"
#include "oracles/sequence_text.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/sequence_gen.h"

namespace mlc {
namespace {

using ::testing::HasSubstr;

SequenceFile Parse(const std::string& text) {
  SequenceFile file;
  std::string error;
  EXPECT_TRUE(ParseSequence(text, "t.seq", &file, &error)) << error;
  return file;
}

std::string ParseError(const std::string& text) {
  SequenceFile file;
  std::string error;
  EXPECT_FALSE(ParseSequence(text, "bad.seq", &file, &error)) << "accepted:\n" << text;
  return error;
}

TEST(SequenceTextTest, FlagArgumentsRoundTripThroughTheirNames) {
  for (const ArgSyntax* arg : {&arg::kProt, &arg::kMmapFlags, &arg::kMlock2Flags, &arg::kMlockallFlags}) {
    EXPECT_EQ(arg->form, ArgSyntax::Form::kFlags);
    ASSERT_NE(arg->names, nullptr);
  }
  const SequenceFile file = Parse("mlock2(arena+0x0, 0x1000, MLOCK_ONFAULT|0xfffffffe)\nmlockall(MCL_CURRENT|0x8)\n");
  ASSERT_EQ(file.ops.size(), 2u);
  EXPECT_EQ(file.ops[0].flags, -1);
  EXPECT_EQ(FormatCall(file.ops[0], true), "mlock2(arena+0x0, 0x1000, MLOCK_ONFAULT|0xfffffffe)");
  EXPECT_EQ(FormatCall(file.ops[1], true), "mlockall(MCL_CURRENT|0x8)");
}

// Advice values are names of values, not bits: every one the model knows
// round-trips, and unassigned ones print as numbers.
TEST(SequenceTextTest, MadviseAdviceRoundTripsByName) {
  const SequenceFile file = Parse(
      "madvise(arena+0x1000, 0x2000, MADV_DONTNEED_LOCKED)\nmadvise(arena+0x0, 0x1000, MADV_POPULATE_WRITE)\n"
      "madvise(arena+0x0, 0x1000, MADV_WILLNEED)\nmadvise(arena+0x0, 0x1000, 0x5)\n");
  ASSERT_EQ(file.ops.size(), 4u);
  EXPECT_EQ(file.ops[0].kind, OpKind::kMadvise);
  EXPECT_EQ(file.ops[0].advice, uapi::kMadvDontneedLocked);
  EXPECT_EQ(file.ops[1].advice, uapi::kMadvPopulateWrite);
  EXPECT_EQ(file.ops[2].advice, uapi::kMadvWillneed);
  EXPECT_EQ(file.ops[3].advice, 5);
  EXPECT_EQ(FormatCall(file.ops[0], true), "madvise(arena+0x1000, 0x2000, MADV_DONTNEED_LOCKED)");
  EXPECT_EQ(FormatCall(file.ops[3], true), "madvise(arena+0x0, 0x1000, 0x5)");
  for (int advice : {uapi::kMadvWillneed, uapi::kMadvDontneed, uapi::kMadvFree, uapi::kMadvCold, uapi::kMadvPageout,
                     uapi::kMadvPopulateRead, uapi::kMadvPopulateWrite, uapi::kMadvDontneedLocked}) {
    const SequenceFile one = Parse("madvise(arena+0x0, 0x1000, " + MadviseAdviceName(advice) + ")\n");
    ASSERT_EQ(one.ops.size(), 1u);
    EXPECT_EQ(one.ops[0].advice, advice) << MadviseAdviceName(advice);
  }
  EXPECT_THAT(ParseError("madvise(arena+0x0, 0x1000, MADV_BOGUS)\n"), HasSubstr("madvise advice"));
}

TEST(SequenceTextTest, EveryOpKindHasASyntaxRow) {
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpSyntax* syntax = OpSyntaxOf(static_cast<OpKind>(k));
    ASSERT_NE(syntax, nullptr) << OpKindName(static_cast<OpKind>(k));
    EXPECT_STREQ(syntax->name, OpKindName(static_cast<OpKind>(k)));
  }
}

TEST(SequenceTextTest, ParsesSymbolicAddressesFlagsHeaderCommentsAndResults) {
  const SequenceFile file = Parse(
      "# rule: ref 34\n"
      "# seed: 7\n"
      "r0 = mmap(arena+0x2000, 0x5000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)  = A+0x2000\n"
      "\n"
      "mlock(r0+0x1, 0xfff)   # rounds outward\n"
      "mlock2(r0-0x1000, 0x1000, MLOCK_ONFAULT|0x2)  = -1 EINVAL\n"
      "munlock(0xfffffffffffff000, 0x2000)\n"
      "mlockall(MCL_CURRENT|MCL_FUTURE)\n"
      "munlockall()\n"
      "write(A+0x3000)\n");
  EXPECT_EQ(file.header.at("rule"), "ref 34");
  EXPECT_EQ(file.header.at("seed"), "7");
  ASSERT_EQ(file.ops.size(), 7u);
  EXPECT_EQ(file.lines, (std::vector<int>{3, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(file.ops[0].kind, OpKind::kMmap);
  EXPECT_EQ(file.ops[0].addr, 0x2000u);
  EXPECT_EQ(file.ops[0].flags, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace);
  EXPECT_EQ(file.ops[0].region, 0);
  EXPECT_EQ(file.ops[1].addr, 0x2001u);
  EXPECT_EQ(file.ops[1].region, 0);
  EXPECT_EQ(file.ops[1].region_base, 0x2000u);
  EXPECT_EQ(file.ops[2].addr, 0x1000u);
  EXPECT_EQ(file.ops[2].flags, 0x3);
  EXPECT_EQ(file.ops[3].region, kAbsoluteAddr);
  EXPECT_EQ(file.ops[4].flags, uapi::kMclCurrent | uapi::kMclFuture);
  EXPECT_EQ(file.ops[6].kind, OpKind::kWriteTouch);
  EXPECT_EQ(file.ops[6].addr, 0x3000u);
}

// mremap's five arguments: the old address symbolic, new_address always
// arena-relative (the executor passes it, used or not).
TEST(SequenceTextTest, MremapRoundTripsWithItsFiveArguments) {
  const std::string text =
      "r0 = mmap(arena+0x0, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
      "mremap(r0+0x1000, 0x1000, 0x1000, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, arena+0x10000)  = A+0x10000\n"
      "mremap(r0, 0x1000, 0x3000, 0, arena+0x0)\n";
  const SequenceFile file = Parse(text);
  ASSERT_EQ(file.ops.size(), 3u);
  const Op& move = file.ops[1];
  EXPECT_EQ(move.kind, OpKind::kMremap);
  EXPECT_EQ(move.addr, 0x1000u);
  EXPECT_EQ(move.region, 0);
  EXPECT_EQ(move.len, 0x1000u);
  EXPECT_EQ(move.new_len, 0x1000u);
  EXPECT_EQ(move.flags, uapi::kMremapMaymove | uapi::kMremapFixed | uapi::kMremapDontunmap);
  EXPECT_EQ(move.new_addr, 0x10000u);
  EXPECT_EQ(FormatCall(move, true),
            "mremap(r0+0x1000, 0x1000, 0x1000, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, arena+0x10000)");
  EXPECT_EQ(Parse(FormatSequence(file.ops, {})).ops, file.ops);
  EXPECT_THAT(ParseError("mremap(arena+0x0, 0x1000, 0x1000, 0, 0x10000)\n"),
              HasSubstr("bad.seq:1: expected a new address (arena+0xN)"));
  EXPECT_EQ(OpString(move), "mremap(arena+0x1000, 0x1000, 0x1000, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, arena+0x10000)");
}

TEST(SequenceTextTest, MalformedLinesNameTheLineAndWhatWasExpected) {
  EXPECT_EQ(ParseError("mlock(arena+0x0, 0x1000)\nfrobnicate(1)\n").substr(0, 32),
            "bad.seq:2: expected a call (mmap");
  EXPECT_THAT(ParseError("mlock(arena+0x0)\n"), HasSubstr("bad.seq:1: expected ',' and a length"));
  EXPECT_THAT(ParseError("mlock(r3, 0x1000)\n"),
              HasSubstr("bad.seq:1: expected an address; r3 is not defined by an earlier 'r3 = mmap(...)'"));
  EXPECT_THAT(ParseError("\n\nmprotect(arena+0x0, 0x1000, PROT_READ|PROT_BOGUS)\n"),
              HasSubstr("bad.seq:3: expected a protection"));
  EXPECT_THAT(ParseError("mmap(arena+0x0, 0x1000, PROT_READ, MAP_SHARED, 3, 0)\n"),
              HasSubstr("bad.seq:1: expected -1 (the fd)"));
  EXPECT_THAT(ParseError("mlockall(MCL_CURRENT\n"), HasSubstr("bad.seq:1: expected ')' after 1 arguments of mlockall"));
  EXPECT_THAT(ParseError("munlockall() junk\n"), HasSubstr("bad.seq:1: expected end of line"));
  EXPECT_THAT(ParseError("r1 = mlock(arena+0x0, 1)\n"), HasSubstr("bad.seq:1: expected mmap after 'rN ='"));
  EXPECT_THAT(ParseError("mlock(arena+, 1)\n"), HasSubstr("bad.seq:1: expected a number after 'arena+'"));
}

TEST(SequenceTextTest, TheReferenceCorpusParses) {
  const auto scenarios = ReferenceScenarios();
  EXPECT_GE(scenarios.size(), 20u);
  for (const Scenario& s : scenarios) {
    EXPECT_EQ(s.error, "") << s.name;
    EXPECT_FALSE(s.ops.empty()) << s.name;
    EXPECT_FALSE(s.rule.empty()) << s.name << " has no '# rule:' line";
  }
}

// Whatever the generators produce prints and parses back to the same
// calls, at the same addresses.
RC_GTEST_PROP(SequenceTextProperty, GeneratedSequencesRoundTrip, ()) {
  ModelConfig config;
  config.arena_base = 0x100000000000;
  config.profile = *ProfileForRelease("6.18.0", nullptr);
  const Sequence sequence = *GenSequence(Model(config), GenOptions{});
  SequenceFile file;
  std::string error;
  const std::string text = FormatSequence(sequence.ops);
  RC_ASSERT(ParseSequence(text, "gen.seq", &file, &error));
  RC_ASSERT(file.ops.size() == sequence.ops.size());
  for (size_t i = 0; i < file.ops.size(); ++i) {
    const Op& a = file.ops[i];
    const Op& b = sequence.ops[i];
    RC_ASSERT(a.kind == b.kind);
    RC_ASSERT(AbsoluteAddress(a, config.arena_base) == AbsoluteAddress(b, config.arena_base));
    RC_ASSERT(a.len == b.len);
    RC_ASSERT(a.prot == b.prot);
    RC_ASSERT(a.flags == b.flags);
    RC_ASSERT(FormatCall(a, true) == FormatCall(b, a.region == b.region));
  }
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// brk's argument is the break's offset from the initial one; fork's the
// child's probe mapping (oracles/op.h).
TEST(SequenceTextTest, BrkAndForkRoundTrip) {
  const SequenceFile file = Parse(
      "r0 = mmap(arena+0x0, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\n"
      "brk(0x1801)  = 0x5001801\n"
      "fork(arena+0x3000, 0x1000)\n"
      "fork(r0+0x0, 0x2000)\n"
      "brk(0x0)\n");
  ASSERT_EQ(file.ops.size(), 5u);
  EXPECT_EQ(file.ops[1].kind, OpKind::kBrk);
  EXPECT_EQ(file.ops[1].brk_offset, 0x1801u);
  EXPECT_EQ(file.ops[2], ForkOp(3));
  EXPECT_EQ(file.ops[3].kind, OpKind::kFork);
  EXPECT_EQ(file.ops[3].region, 0);
  EXPECT_EQ(FormatCall(file.ops[1], true), "brk(0x1801)");
  EXPECT_EQ(FormatCall(file.ops[2], true), "fork(arena+0x3000, 0x1000)");
  EXPECT_EQ(FormatCall(file.ops[3], true), "fork(r0, 0x2000)");
  EXPECT_EQ(Parse(FormatSequence(file.ops, {})).ops, file.ops);
  EXPECT_THAT(ParseError("brk()\n"), HasSubstr("the break's offset from the initial break"));
  EXPECT_THAT(ParseError("fork(arena+0x0)\n"), HasSubstr("fork takes 2 arguments"));
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// suite/README.md lists every call of the format, as the table has it.
TEST(SequenceTextTest, TheReadmeListsEveryCallOfTheFormat) {
  std::ifstream in(MLC_SUITE_README_PATH);
  ASSERT_TRUE(in) << MLC_SUITE_README_PATH;
  std::stringstream text;
  text << in.rdbuf();
  for (const OpSyntax& syntax : OpSyntaxTable()) {
    EXPECT_NE(text.str().find(std::string("`") + syntax.name + "("), std::string::npos)
        << syntax.name << " is not listed in " << MLC_SUITE_README_PATH;
  }
}

}  // namespace
}  // namespace mlc
