// Tests of runners/smaps_parser.h line by line: empty and malformed text
// (the offset of the offending line), unknown fields, the kernel's trailing
// spaces, a missing last newline, and the VmFlags mnemonics.
#include "runners/smaps_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "oracles/vm_flags.h"
#include "suite/testing/smaps_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

TEST(SmapsParserTest, EmptyTextYieldsNoVmas) {
  const Parsed parsed = Parse("", kFrom62);
  EXPECT_TRUE(parsed.ok);
  EXPECT_TRUE(parsed.vmas.empty());
  EXPECT_EQ(parsed.error_offset, kUnset);
}

TEST(SmapsParserTest, MalformedHeaderFailsAtTheOffendingLine) {
  const std::string_view good =
      "7f129e2a8000-7f129e2ac000 rw-p 00000000 00:00 0\n"
      "Rss:                  16 kB\n"
      "Locked:               16 kB\n"
      "VmFlags: rd wr mr mw me lo ac\n"
      "7f129e2ac000-7f129e2af000 rw-p 00000000 00:00 0\n"
      "Rss:                   8 kB\n";
  const char* const kBadHeaders[] = {
      "7f129e2ac000-7f129e2af000 rw-x 00000000 00:00 0",  // bad shared/private
      "7f129e2ac000-7f129e2af000 rw- 00000000 00:00 0",   // short perms
      "7f129e2ac000 7f129e2af000 rw-p 00000000 00:00 0",  // no '-'
      "7f129e2ag000-7f129e2af000 rw-p 00000000 00:00 0",  // non-hex start
      "7f129e2af000-7f129e2ac000 rw-p 00000000 00:00 0",  // end before start
      "7f129e2ac000-7f129e2af000 rw-p 00000000 00:00",    // no inode
      "7f129e2ac000-7f129e2af000 rw-p 00000000 0000 0",   // no dev ':'
      "7f129e2ac000-7f129e2af000 rw-p 00000000 00:00 0x1 [heap]",
      "17f129e2ac0000000-17f129e2af0000000 rw-p 00000000 00:00 0",  // > 64 bits
      "",  // blank line
      "Truncated Rss line",
  };
  for (const char* bad : kBadHeaders) {
    SCOPED_TRACE(bad);
    const std::string text =
        std::string(good) + bad + "\nRss:                   8 kB\n";
    const Parsed parsed = Parse(text, kFrom62);
    EXPECT_FALSE(parsed.ok);
    EXPECT_EQ(parsed.error_offset, good.size());
    // The first block was closed by a good header and already reported; the
    // block still open at the bad line is dropped.
    ASSERT_EQ(parsed.vmas.size(), 1u);
    EXPECT_EQ(parsed.vmas[0].locked_kb, 16u);
  }
}

TEST(SmapsParserTest, MalformedKbValueFailsAtTheOffendingLine) {
  const std::string_view header =
      "7f129e2a8000-7f129e2ac000 rw-p 00000000 00:00 0\n";
  for (const char* bad :
       {"Rss:                lots kB", "Rss:                  16",
        "Locked:               16 MB",
        "Locked:", "Rss:       99999999999999999999 kB"}) {
    SCOPED_TRACE(bad);
    const std::string text = std::string(header) + bad + "\nVmFlags: rd\n";
    const Parsed parsed = Parse(text, kFrom62);
    EXPECT_FALSE(parsed.ok);
    EXPECT_EQ(parsed.error_offset, header.size());
    EXPECT_TRUE(parsed.vmas.empty());
  }
}

TEST(SmapsParserTest, FieldBeforeTheFirstHeaderIsMalformed) {
  const Parsed parsed = Parse("Rss:                   4 kB\n", kFrom62);
  EXPECT_FALSE(parsed.ok);
  EXPECT_EQ(parsed.error_offset, 0u);
  EXPECT_TRUE(parsed.vmas.empty());
}

TEST(SmapsParserTest, UnknownFieldsAreIgnoredWhereverTheyAppear) {
  const Parsed parsed = Parse(
      "7f129e494000-7f129e49c000 rw-p 00000000 00:00 0\n"
      "VmFlags: rd wr mr mw me lo lf ac\n"
      "FutureCounter:  3 pages, maybe\n"
      "Rss:                   8 kB\n"
      "ProtectionKey:         0\n"
      "Locked:                8 kB\n"
      "THPeligible:           0\n",
      kFrom62);
  ASSERT_TRUE(parsed.ok);
  ASSERT_EQ(parsed.vmas.size(), 1u);
  // VmFlags first does not end the block: later fields still apply.
  EXPECT_EQ(parsed.vmas[0].rss_kb, 8u);
  EXPECT_EQ(parsed.vmas[0].locked_kb, 8u);
  EXPECT_EQ(parsed.vmas[0].vm_flags, kRW | kVmLocked | kVmLockOnFault);
}

TEST(SmapsParserTest, TrailingSpacesAsTheKernelPrintsThemAreAccepted) {
  const Parsed parsed = Parse(
      "7f129e494000-7f129e49c000 rw-p 00000000 00:00 0 \n"
      "Rss:                   8 kB\n"
      "Locked:                8 kB\n"
      "VmFlags: rd wr mr mw me lo lf ac \n"
      "7ffd399b8000-7ffd399d9000 rw-p 00000000 00:00 0"
      "                          [stack]\n"
      "VmFlags: rd wr mr mw me gd ac \n",
      kFrom62);
  ASSERT_TRUE(parsed.ok);
  ASSERT_EQ(parsed.vmas.size(), 2u);
  EXPECT_EQ(parsed.vmas[0].name, "");
  EXPECT_EQ(parsed.vmas[0].vm_flags, kRW | kVmLocked | kVmLockOnFault);
  EXPECT_EQ(parsed.vmas[1].name, "[stack]");
  EXPECT_EQ(parsed.vmas[1].vm_flags, kRW);
}

TEST(SmapsParserTest, LastVmaIsReportedWithoutATrailingNewline) {
  std::string_view text = kKernel618Smaps;
  ASSERT_EQ(text.back(), '\n');
  text.remove_suffix(1);
  const Parsed parsed = Parse(text, kFrom62);
  ASSERT_TRUE(parsed.ok);
  ASSERT_EQ(parsed.vmas.size(), 13u);
  EXPECT_EQ(parsed.vmas.back().name, "[vsyscall]");
  EXPECT_EQ(parsed.vmas.back().vm_flags, kVmExec);
}

TEST(SmapsParserTest, EveryVmFlagBitMnemonicIsRecognised) {
  EXPECT_EQ(
      ParseVmFlags("rd wr ex sh lo lf io pf de mm ht sd nh hg dp", kFrom62),
      kVmRead | kVmWrite | kVmExec | kVmShared | kVmLocked | kVmLockOnFault |
          kVmIo | kVmPfnMap | kVmDontExpand | kVmMixedMap | kVmHugetlb |
          kVmSoftDirty | kVmNoHugePage | kVmHugePage | kVmDroppable);
}

TEST(SmapsParserTest, MnemonicsOutsideVmFlagBitAreIgnored) {
  EXPECT_EQ(ParseVmFlags("mr mw me ms gd ac nr dd mg um uw ss sl", kFrom62),
            0u);
  EXPECT_EQ(ParseVmFlags("rdx w ??? lo", kFrom62), kVmLocked);
  EXPECT_EQ(ParseVmFlags("", kFrom62), 0u);
  EXPECT_EQ(ParseVmFlags("   ", kBefore62), 0u);
}

}  // namespace
}  // namespace mlc
