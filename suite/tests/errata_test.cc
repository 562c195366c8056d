// Tests of the errata registry (suite/lib/errata.h): parsing, the evidence every
// entry must carry, and when a divergence is a known kernel bug.
#include "suite/lib/errata.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace mlc {
namespace {

using ::testing::HasSubstr;

constexpr const char* kOne = R"(# a comment
[onfault-keeps-lo]
rule: ref 18: mlock2(MLOCK_ONFAULT) over lo pages sets lf
op: mlock2
channels: vma-flags result
result: expected 0, observed -1 EINVAL
kernels: 5.18 - 6.1.3
reproducer: suite/errata/onfault-keeps-lo.seq
fix: unknown
)";

std::vector<Erratum> Parse(const std::string& text) {
  std::string error;
  auto errata = ParseErrata(text, &error);
  EXPECT_TRUE(errata.has_value()) << error;
  return errata.value_or(std::vector<Erratum>{});
}

std::string ParseError(const std::string& text) {
  std::string error;
  EXPECT_FALSE(ParseErrata(text, &error).has_value());
  return error;
}

Op RangePagesOp(OpKind kind) {
  Op op;
  op.kind = kind;
  op.len = 4096;
  return op;
}
Op Mlock2() { return RangePagesOp(OpKind::kMlock2); }

TEST(ErrataTest, TheBuiltInRegistryParsesAndHasNoEntryWithoutEvidence) {
  std::string error;
  const auto errata = ParseErrata(BuiltinErrataText(), &error);
  ASSERT_TRUE(errata.has_value()) << error;
  // Every entry carries its evidence: a reproducer file, a kernel range and
  // a fix field (the two mremap MREMAP_DONTUNMAP entries of issue 3, the
  // swap-in that skips mlock found with reclaim, and move_pages() blind to
  // PROT_NONE pages found with migration, issue 13).
  EXPECT_EQ(errata->size(), 4u);
  for (const Erratum& e : *errata) {
    EXPECT_FALSE(e.reproducer.empty()) << e.id;
    EXPECT_FALSE(e.fix.empty()) << e.id;
    EXPECT_FALSE(e.rule.empty()) << e.id;
  }
}

TEST(ErrataTest, ParsesEveryField) {
  const auto errata = Parse(kOne);
  ASSERT_EQ(errata.size(), 1u);
  const Erratum& e = errata[0];
  EXPECT_EQ(e.id, "onfault-keeps-lo");
  EXPECT_EQ(e.op, OpKind::kMlock2);
  EXPECT_EQ(e.channels, (std::vector<Channel>{Channel::kVma, Channel::kResult}));
  EXPECT_EQ(e.result, "expected 0, observed -1 EINVAL");
  EXPECT_EQ(e.KernelRange(), "5.18 - 6.1.3");
  EXPECT_EQ(e.reproducer, "suite/errata/onfault-keeps-lo.seq");
  EXPECT_EQ(e.fix, "unknown");
}

TEST(ErrataTest, RejectsEntriesWithoutTheirEvidence) {
  for (const char* field : {"rule", "op", "channels", "kernels", "reproducer", "fix"}) {
    std::string text;
    std::istringstream in(kOne);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(std::string(field) + ":", 0) != 0) text += line + "\n";
    }
    EXPECT_THAT(ParseError(text), HasSubstr("has no '" + std::string(field) + "'")) << field;
  }
}

TEST(ErrataTest, RejectsMalformedLinesWithTheirNumber) {
  EXPECT_EQ(ParseError("rule: x\n"), "line 1: expected '[id]' or 'field: value'");
  EXPECT_THAT(ParseError("[Bad_Id]\n"), HasSubstr("line 1: bad erratum header"));
  EXPECT_THAT(ParseError("[a]\nop: mlock3\n"), HasSubstr("line 2: unknown op 'mlock3'"));
  EXPECT_THAT(ParseError("[a]\nchannels: vma-flags vmlock\n"), HasSubstr("unknown channel 'vmlock'"));
  EXPECT_THAT(ParseError("[a]\nkernels: 6.1\n"), HasSubstr("FIRST - FIXED"));
  EXPECT_THAT(ParseError("[a]\nkernels: 6.x - 6.2\n"), HasSubstr("bad kernel version '6.x'"));
  EXPECT_THAT(ParseError("[a]\nkernels: 6.2 - 6.1\n"), HasSubstr("not after"));
  EXPECT_THAT(ParseError("[a]\ncolour: blue\n"), HasSubstr("unknown field 'colour'"));
  EXPECT_THAT(ParseError(std::string(kOne) + kOne), HasSubstr("appears twice"));
}

TEST(ErrataTest, AffectsKernelsFromTheFirstAffectedUpToButNotIncludingTheFix) {
  const Erratum e = Parse(kOne)[0];
  EXPECT_FALSE(e.AffectsKernel({5, 17, 9}));
  EXPECT_TRUE(e.AffectsKernel({5, 18, 0}));
  EXPECT_TRUE(e.AffectsKernel({6, 1, 2}));
  EXPECT_FALSE(e.AffectsKernel({6, 1, 3}));
  EXPECT_FALSE(e.AffectsKernel({6, 18, 0}));
  std::string open = kOne;
  open.replace(open.find("5.18 - 6.1.3"), 12, "5.18 -");
  const Erratum unfixed = Parse(open)[0];
  EXPECT_TRUE(unfixed.AffectsKernel({6, 18, 44}));
  EXPECT_EQ(unfixed.KernelRange(), "5.18 - (not fixed)");
}

TEST(ErrataTest, MatchesOnlyTheSameCallWithEveryDifferingChannelExplained) {
  const auto errata = Parse(kOne);
  const KernelVersion inside{6, 1, 0};
  const ChannelDiff vma{Channel::kVma, "", "", "page 0 ..."};
  const ChannelDiff result{Channel::kResult, "0", "-1 EINVAL", ""};
  EXPECT_EQ(MatchErratum(errata, inside, Mlock2(), {vma}), &errata[0]);
  EXPECT_EQ(MatchErratum(errata, inside, Mlock2(), {vma, result}), &errata[0]);
  // Outside the range the rule is checked in full.
  EXPECT_EQ(MatchErratum(errata, {6, 18, 44}, Mlock2(), {vma}), nullptr);
  // Another call, an unexplained channel, another result, no diff at all.
  EXPECT_EQ(MatchErratum(errata, inside, RangePagesOp(OpKind::kMlock), {vma}), nullptr);
  EXPECT_EQ(MatchErratum(errata, inside, Mlock2(), {vma, {Channel::kVmLck, "8 kB", "4 kB", ""}}), nullptr);
  EXPECT_EQ(MatchErratum(errata, inside, Mlock2(), {{Channel::kResult, "0", "-1 ENOMEM", ""}}), nullptr);
  EXPECT_EQ(MatchErratum(errata, inside, Mlock2(), {}), nullptr);
}

TEST(ErrataTest, AStableReleaseCarryingTheFixIsUnaffectedWithinItsSeries) {
  std::string text = kOne;
  text.replace(text.find("5.18 - 6.1.3"), 12, "5.7 -\nfixed-in-stable: 6.1.191 6.12.114");
  text += "fix: 838bb60dc215 (\"second\")\n";
  const Erratum e = Parse(text)[0];
  EXPECT_TRUE(e.AffectsKernel({6, 1, 190}));
  EXPECT_FALSE(e.AffectsKernel({6, 1, 191}));
  EXPECT_FALSE(e.AffectsKernel({6, 1, 192}));
  EXPECT_TRUE(e.AffectsKernel({6, 12, 113}));
  EXPECT_FALSE(e.AffectsKernel({6, 12, 118}));
  EXPECT_TRUE(e.AffectsKernel({6, 6, 200}));  // another series: no backport listed
  EXPECT_TRUE(e.AffectsKernel({6, 18, 44}));
  EXPECT_EQ(e.KernelRange(), "5.7 - (not fixed) (stable fixes: 6.1.191, 6.12.114)");
  EXPECT_EQ(e.fix, "unknown; 838bb60dc215 (\"second\")");
  EXPECT_THAT(ParseError("[a]\nfixed-in-stable: 6.1\n"), HasSubstr("bad stable version '6.1' (want x.y.z)"));
  std::string early = text;
  early.replace(early.find("6.1.191"), 7, "5.4.100");
  EXPECT_THAT(ParseError(early), HasSubstr("stable fix 5.4.100 is before the first affected version"));
}

TEST(ErrataTest, DebiansStableSublevelComesFromUnameV) {
  const KernelVersion debian = *ParseKernelRelease("6.1.0-57-cloud-amd64");
  const KernelVersion stable = StableVersion(debian, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)");
  EXPECT_EQ(stable.patch, 192);
  EXPECT_EQ(StableVersion(debian, "#1 SMP PREEMPT_DYNAMIC @0").patch, 0);
  EXPECT_EQ(StableVersion(debian, "#1 SMP Debian 6.12.118-1").patch, 0);  // another series
  const KernelVersion upstream = *ParseKernelRelease("6.12.118+deb12-cloud-amd64");
  EXPECT_EQ(StableVersion(upstream, "#1 SMP Debian 6.12.999-1").patch, 118);  // uname -r wins
  EXPECT_EQ(ProfileForRelease("6.1.0-57-cloud-amd64", nullptr, "#1 SMP Debian 6.1.192-3")->version.patch, 192);
}

}  // namespace
}  // namespace mlc
