// Tests of runners/smaps_parser.h's readers of /proc/<pid>/status (VmLck)
// and /proc/meminfo (the hugetlb pool).
#include "runners/smaps_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace mlc {
namespace {

// /proc/<pid>/status from the same 6.18 probe as kKernel618Smaps (tab after
// each key, as fs/proc/array.c and task_mem() print). VmLck is locked_vm: the
// whole 32 kB ONFAULT VMA plus the 16 kB mlock()ed one, unlike smaps Locked
// which counts only resident pages.
constexpr std::string_view kStatus618 =
    "Name:\tmlock_probe\n"
    "Umask:\t0022\n"
    "State:\tR (running)\n"
    "VmPeak:\t    2548 kB\n"
    "VmSize:\t    2548 kB\n"
    "VmLck:\t      48 kB\n"
    "VmPin:\t       0 kB\n"
    "VmHWM:\t    1436 kB\n"
    "VmRSS:\t    1436 kB\n"
    "RssAnon:\t     128 kB\n"
    "RssFile:\t    1304 kB\n"
    "RssShmem:\t       4 kB\n"
    "VmData:\t     272 kB\n"
    "VmStk:\t     132 kB\n"
    "VmExe:\t       4 kB\n"
    "VmLib:\t    1528 kB\n"
    "VmPTE:\t      48 kB\n"
    "VmSwap:\t       0 kB\n"
    "HugetlbPages:\t       0 kB\n"
    "Threads:\t1\n";

TEST(SmapsParserTest, VmLckIsReadFromStatus) {
  EXPECT_EQ(ParseStatusKb(kStatus618, "VmLck"), std::optional<uint64_t>(48));
  EXPECT_EQ(ParseStatusKb(kStatus618, "VmPin"), std::optional<uint64_t>(0));
  EXPECT_EQ(ParseStatusKb(kStatus618, "HugetlbPages"),
            std::optional<uint64_t>(0));
}

TEST(SmapsParserTest, AbsentStatusFieldIsNullopt) {
  // Kernel threads have no mm, so their status has no Vm* lines at all.
  EXPECT_EQ(
      ParseStatusKb("Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\n",
                    "VmLck"),
      std::nullopt);
  EXPECT_EQ(ParseStatusKb("", "VmLck"), std::nullopt);
  EXPECT_EQ(ParseStatusKb(kStatus618, ""), std::nullopt);
  // Only whole keys match.
  EXPECT_EQ(ParseStatusKb(kStatus618, "VmLc"), std::nullopt);
  EXPECT_EQ(ParseStatusKb(kStatus618, "Lck"), std::nullopt);
  EXPECT_EQ(ParseStatusKb("VmLckExtra:\t 5 kB\nVmLck:\t 7 kB", "VmLck"),
            std::optional<uint64_t>(7));
}

TEST(SmapsParserTest, MalformedStatusNumberIsNullopt) {
  for (const char* bad :
       {"VmLck:\t     4x8 kB\n", "VmLck:\t         kB\n", "VmLck:\t      48\n",
        "VmLck:\t      48 MB\n", "VmLck:\t     -48 kB\n",
        "VmLck:\t 99999999999999999999 kB\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseStatusKb(bad, "VmLck"), std::nullopt);
  }
}

// /proc/meminfo's hugetlb lines as 6.x prints them (hugetlb_report_meminfo()).
TEST(MeminfoParserTest, HugetlbPoolLines) {
  const HugetlbPool pool = ParseHugetlbMeminfo(
      "MemTotal:         507452 kB\n"
      "HugePages_Total:      12\n"
      "HugePages_Free:        9\n"
      "HugePages_Rsvd:        2\n"
      "HugePages_Surp:        0\n"
      "Hugepagesize:       2048 kB\n"
      "Hugetlb:           24576 kB\n");
  EXPECT_EQ(pool.page_size, 2u << 20);
  EXPECT_EQ(pool.free, 9u);
  EXPECT_EQ(pool.reserved, 2u);
  const HugetlbPool none = ParseHugetlbMeminfo("MemTotal:         507452 kB\n");
  EXPECT_EQ(none.page_size, 0u);
  EXPECT_EQ(none.free, 0u);
}

}  // namespace
}  // namespace mlc
