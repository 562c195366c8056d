// Tests of runners/smaps_parser.h on whole smaps texts: 6.1 (with "??" and
// "sd"), 6.18 (with "lf"), hugetlb mappings and a 2.6.32 layout without
// Locked or VmFlags; every VMA and field, and which VMAs support mlock.
#include "runners/smaps_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oracles/vm_flags.h"
#include "suite/testing/smaps_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

// 2.6.32-era layout (reconstructed): no Anonymous or Locked lines (both later
// 2.6 additions), no VmFlags (3.8+), KernelPageSize/MMUPageSize at the end,
// readable [vsyscall], and nameless headers without the trailing space.
constexpr std::string_view kKernel2632Smaps =
    R"(00400000-0040b000 r-xp 00000000 08:01 393224                             /bin/cat
Size:                 44 kB
Rss:                  20 kB
Pss:                  20 kB
Shared_Clean:         20 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:           20 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
0060a000-0060b000 rw-p 0000a000 08:01 393224                             /bin/cat
Size:                  4 kB
Rss:                   4 kB
Pss:                   4 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         4 kB
Referenced:            4 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
0215c000-0217d000 rw-p 00000000 00:00 0                                  [heap]
Size:                132 kB
Rss:                   4 kB
Pss:                   4 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         4 kB
Referenced:            4 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
7f3b8a6e1000-7f3b8a6e5000 rw-p 00000000 00:00 0
Size:                 16 kB
Rss:                  16 kB
Pss:                  16 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        16 kB
Referenced:           16 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
7fff5c3d2000-7fff5c3e7000 rw-p 00000000 00:00 0                          [stack]
Size:                 84 kB
Rss:                  12 kB
Pss:                  12 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        12 kB
Referenced:           12 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
7fff5c3ff000-7fff5c400000 r-xp 00000000 00:00 0                          [vdso]
Size:                  4 kB
Rss:                   4 kB
Pss:                   0 kB
Shared_Clean:          4 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            4 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
ffffffffff600000-ffffffffff601000 r-xp 00000000 00:00 0                  [vsyscall]
Size:                  4 kB
Rss:                   0 kB
Pss:                   0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Swap:                  0 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
)";

std::string Perms(const SmapsVma& vma) {
  std::string perms = "----";
  if (vma.read) perms[0] = 'r';
  if (vma.write) perms[1] = 'w';
  if (vma.exec) perms[2] = 'x';
  perms[3] = vma.shared ? 's' : 'p';
  return perms;
}

bool IsGateVma(const SmapsVma& vma) { return vma.name == "[vsyscall]"; }

const SmapsVma* FindByName(const std::vector<SmapsVma>& vmas,
                           std::string_view name) {
  for (const SmapsVma& vma : vmas) {
    if (vma.name == name) return &vma;
  }
  return nullptr;
}

struct ExpectedVma {
  uint64_t start;
  uint64_t end;
  const char* perms;
  std::string_view name;
  uint64_t rss_kb;
  uint64_t locked_kb;
  uint32_t vm_flags;
};

void ExpectVmas(const std::vector<SmapsVma>& actual,
                const std::vector<ExpectedVma>& expected,
                bool expect_vm_flags) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "VMA #" << i << " " << expected[i].name);
    EXPECT_EQ(actual[i].start, expected[i].start);
    EXPECT_EQ(actual[i].end, expected[i].end);
    EXPECT_EQ(Perms(actual[i]), expected[i].perms);
    EXPECT_EQ(actual[i].name, expected[i].name);
    EXPECT_EQ(actual[i].rss_kb, expected[i].rss_kb);
    EXPECT_EQ(actual[i].locked_kb, expected[i].locked_kb);
    EXPECT_EQ(actual[i].vm_flags, expected[i].vm_flags);
    EXPECT_EQ(actual[i].has_vm_flags, expect_vm_flags);
  }
}

TEST(SmapsParserTest, Debian61ExcerptYieldsEveryVmaWithItsFields) {
  const Parsed parsed = Parse(kDebian61Smaps, kBefore62);
  ASSERT_TRUE(parsed.ok);
  EXPECT_EQ(parsed.error_offset, kUnset);
  const uint32_t sd = kVmSoftDirty;
  ExpectVmas(
      parsed.vmas,
      {
          {0x55e3b7a9c000, 0x55e3b7a9e000, "r--p", "/usr/local/bin/mlock_probe",
           8, 0, kVmRead | sd},
          {0x55e3b8f1d000, 0x55e3b8f3e000, "rw-p", "[heap]", 8, 0, kRW | sd},
          {0x7f6a1c3f2000, 0x7f6a1c3fa000, "rw-p", "", 8, 8,
           kRW | kVmLocked | kVmLockOnFault | sd},
          {0x7f6a1c3fa000, 0x7f6a1c3fe000, "rw-p", "", 16, 16,
           kRW | kVmLocked | sd},
          {0x7f6a1c3fe000, 0x7f6a1c402000, "rw-s", "/dev/zero (deleted)", 4, 0,
           kRW | kVmShared | sd},
          {0x7f6a1c428000, 0x7f6a1c57d000, "r-xp",
           "/usr/lib/x86_64-linux-gnu/libc.so.6", 884, 0,
           kVmRead | kVmExec | sd},
          {0x7f6a1c5d1000, 0x7f6a1c5d5000, "r--p", "[vvar]", 0, 0,
           kVmRead | kVmPfnMap | kVmIo | kVmDontExpand | sd},
          {0x7f6a1c5d5000, 0x7f6a1c5d7000, "r-xp", "[vdso]", 4, 0,
           kVmRead | kVmExec | kVmDontExpand | sd},
          {0x7ffc8e1b2000, 0x7ffc8e1d3000, "rw-p", "[stack]", 16, 0, kRW | sd},
          {0xffffffffff600000, 0xffffffffff601000, "--xp", "[vsyscall]", 0, 0,
           kVmExec},
      },
      /*expect_vm_flags=*/true);
}

TEST(SmapsParserTest, SoftDirtyIsOnEveryDebian61VmaExceptTheGateVma) {
  const Parsed parsed = Parse(kDebian61Smaps, kBefore62);
  ASSERT_TRUE(parsed.ok);
  for (const SmapsVma& vma : parsed.vmas) {
    SCOPED_TRACE(vma.name);
    EXPECT_EQ((vma.vm_flags & kVmSoftDirty) != 0, !IsGateVma(vma));
  }
}

TEST(SmapsParserTest, QuestionMarksAreLockOnFaultBefore62) {
  const Parsed parsed = Parse(kDebian61Smaps, kBefore62);
  ASSERT_TRUE(parsed.ok);
  ASSERT_GE(parsed.vmas.size(), 3u);
  const SmapsVma& on_fault = parsed.vmas[2];
  EXPECT_NE(on_fault.vm_flags & kVmLocked, 0u);
  EXPECT_NE(on_fault.vm_flags & kVmLockOnFault, 0u);
  EXPECT_EQ(on_fault.vm_flags & kVmUnknown, 0u);
  EXPECT_EQ(ParseVmFlags("rd wr mr mw me lo ?? ac sd", kBefore62),
            kRW | kVmLocked | kVmLockOnFault | kVmSoftDirty);
}

TEST(SmapsParserTest, QuestionMarksAreUnknownFrom62On) {
  const Parsed parsed = Parse(kDebian61Smaps, kFrom62);
  ASSERT_TRUE(parsed.ok);
  ASSERT_GE(parsed.vmas.size(), 3u);
  const SmapsVma& on_fault = parsed.vmas[2];
  EXPECT_NE(on_fault.vm_flags & kVmLocked, 0u);
  EXPECT_EQ(on_fault.vm_flags & kVmLockOnFault, 0u);
  EXPECT_NE(on_fault.vm_flags & kVmUnknown, 0u);
  // Only the "??" VMA is affected.
  for (size_t i = 0; i < parsed.vmas.size(); ++i) {
    if (i != 2) {
      EXPECT_EQ(parsed.vmas[i].vm_flags & kVmUnknown, 0u) << i;
    }
  }
}

TEST(SmapsParserTest, Kernel618ExcerptYieldsEveryVmaWithItsFields) {
  const Parsed parsed = Parse(kKernel618Smaps, kFrom62);
  ASSERT_TRUE(parsed.ok);
  const uint32_t vvar = kVmRead | kVmPfnMap | kVmIo | kVmDontExpand;
  ExpectVmas(
      parsed.vmas,
      {
          {0x555cfc69a000, 0x555cfc69b000, "r--p", "/usr/local/bin/mlock_probe",
           4, 0, kVmRead},
          {0x555d365d2000, 0x555d365f3000, "rw-p", "[heap]", 8, 0, kRW},
          {0x7f129e2a4000, 0x7f129e2a8000, "rw-s", "/dev/zero (deleted)", 4, 0,
           kRW | kVmShared},
          {0x7f129e2a8000, 0x7f129e2ac000, "rw-p", "", 16, 16, kRW | kVmLocked},
          {0x7f129e2ac000, 0x7f129e2af000, "rw-p", "", 8, 0, kRW},
          {0x7f129e2d5000, 0x7f129e42b000, "r-xp",
           "/usr/lib/x86_64-linux-gnu/libc.so.6", 812, 0, kVmRead | kVmExec},
          {0x7f129e492000, 0x7f129e494000, "---p", "", 0, 0, 0},
          {0x7f129e494000, 0x7f129e49c000, "rw-p", "", 8, 8,
           kRW | kVmLocked | kVmLockOnFault},
          {0x7f129e49e000, 0x7f129e4a2000, "r--p", "[vvar]", 0, 0, vvar},
          {0x7f129e4a2000, 0x7f129e4a4000, "r--p", "[vvar_vclock]", 0, 0, vvar},
          {0x7f129e4a4000, 0x7f129e4a6000, "r-xp", "[vdso]", 4, 0,
           kVmRead | kVmExec | kVmDontExpand},
          {0x7ffd399b8000, 0x7ffd399d9000, "rw-p", "[stack]", 16, 0, kRW},
          {0xffffffffff600000, 0xffffffffff601000, "--xp", "[vsyscall]", 0, 0,
           kVmExec},
      },
      /*expect_vm_flags=*/true);
}

// A private and a shared MAP_HUGETLB mapping as 6.x prints them: Rss 0,
// the present huge pages in Private_Hugetlb/Shared_Hugetlb, "ht" in VmFlags.
constexpr std::string_view kHugetlbSmaps =
    "7f0000000000-7f0000400000 rw-p 00000000 00:10 12345                      /anon_hugepage (deleted)\n"
    "Size:               4096 kB\n"
    "KernelPageSize:     2048 kB\n"
    "MMUPageSize:        2048 kB\n"
    "Rss:                   0 kB\n"
    "Pss:                   0 kB\n"
    "Shared_Clean:          0 kB\n"
    "Shared_Dirty:          0 kB\n"
    "Private_Clean:         0 kB\n"
    "Private_Dirty:         0 kB\n"
    "Referenced:            0 kB\n"
    "Anonymous:             0 kB\n"
    "AnonHugePages:         0 kB\n"
    "ShmemPmdMapped:        0 kB\n"
    "FilePmdMapped:         0 kB\n"
    "Shared_Hugetlb:        0 kB\n"
    "Private_Hugetlb:    2048 kB\n"
    "Swap:                  0 kB\n"
    "SwapPss:               0 kB\n"
    "Locked:                0 kB\n"
    "THPeligible:           0\n"
    "VmFlags: rd wr mr mw me de ht sd\n"
    "7f0000400000-7f0000800000 rw-s 00000000 00:10 12346                      /anon_hugepage (deleted)\n"
    "Size:               4096 kB\n"
    "Rss:                   0 kB\n"
    "Shared_Hugetlb:     2048 kB\n"
    "Private_Hugetlb:    2048 kB\n"
    "Locked:                0 kB\n"
    "VmFlags: rd wr sh mr mw me ms de ht sd\n";

TEST(SmapsParserTest, HugetlbPagesAreSummedOutsideRssAndHtIsAFlag) {
  const Parsed parsed = Parse(kHugetlbSmaps, kFrom62);
  ASSERT_TRUE(parsed.ok);
  ASSERT_EQ(parsed.vmas.size(), 2u);
  EXPECT_EQ(parsed.vmas[0].rss_kb, 0u);
  EXPECT_EQ(parsed.vmas[0].hugetlb_kb, 2048u);
  EXPECT_EQ(parsed.vmas[1].hugetlb_kb, 4096u);
  EXPECT_TRUE(parsed.vmas[0].vm_flags & kVmHugetlb);
  EXPECT_TRUE(parsed.vmas[1].vm_flags & kVmDontExpand);
  EXPECT_FALSE(VmaSupportsMlock(parsed.vmas[0].vm_flags, false));
}

TEST(SmapsParserTest, LfIsLockOnFaultUnderEitherDialect) {
  for (const SmapsDialect& dialect : {kBefore62, kFrom62}) {
    const Parsed parsed = Parse(kKernel618Smaps, dialect);
    ASSERT_TRUE(parsed.ok);
    ASSERT_EQ(parsed.vmas.size(), 13u);
    EXPECT_EQ(parsed.vmas[7].vm_flags, kRW | kVmLocked | kVmLockOnFault);
    EXPECT_EQ(ParseVmFlags("lf", dialect), kVmLockOnFault);
  }
}

TEST(SmapsParserTest, OldKernelWithoutLockedOrVmFlagsStillParses) {
  const Parsed parsed = Parse(kKernel2632Smaps, kFrom62);
  ASSERT_TRUE(parsed.ok);
  ExpectVmas(parsed.vmas,
             {
                 {0x00400000, 0x0040b000, "r-xp", "/bin/cat", 20, 0, 0},
                 {0x0060a000, 0x0060b000, "rw-p", "/bin/cat", 4, 0, 0},
                 {0x0215c000, 0x0217d000, "rw-p", "[heap]", 4, 0, 0},
                 {0x7f3b8a6e1000, 0x7f3b8a6e5000, "rw-p", "", 16, 0, 0},
                 {0x7fff5c3d2000, 0x7fff5c3e7000, "rw-p", "[stack]", 12, 0, 0},
                 {0x7fff5c3ff000, 0x7fff5c400000, "r-xp", "[vdso]", 4, 0, 0},
                 {0xffffffffff600000, 0xffffffffff601000, "r-xp", "[vsyscall]",
                  0, 0, 0},
             },
             /*expect_vm_flags=*/false);
}

TEST(SmapsParserTest, VvarAndVdsoAsParsedDoNotSupportMlock) {
  for (const std::string_view text : {kDebian61Smaps, kKernel618Smaps}) {
    const Parsed parsed = Parse(text, kBefore62);
    ASSERT_TRUE(parsed.ok);
    for (std::string_view name : {"[vvar]", "[vdso]", "[vsyscall]"}) {
      SCOPED_TRACE(name);
      const SmapsVma* vma = FindByName(parsed.vmas, name);
      ASSERT_NE(vma, nullptr);
      EXPECT_FALSE(VmaSupportsMlock(vma->vm_flags, IsGateVma(*vma)));
    }
  }
  const Parsed parsed = Parse(kKernel618Smaps, kFrom62);
  const SmapsVma* vclock = FindByName(parsed.vmas, "[vvar_vclock]");
  ASSERT_NE(vclock, nullptr);
  EXPECT_FALSE(VmaSupportsMlock(vclock->vm_flags, IsGateVma(*vclock)));
}

TEST(SmapsParserTest, AnonymousAndStackVmasAsParsedSupportMlock) {
  for (const std::string_view text : {kDebian61Smaps, kKernel618Smaps}) {
    const Parsed parsed = Parse(text, kBefore62);
    ASSERT_TRUE(parsed.ok);
    int anonymous = 0;
    for (const SmapsVma& vma : parsed.vmas) {
      if (!vma.name.empty() && vma.name != "[heap]" && vma.name != "[stack]" &&
          vma.name != "/dev/zero (deleted)") {
        continue;
      }
      SCOPED_TRACE(testing::Message()
                   << std::hex << vma.start << " " << vma.name);
      EXPECT_TRUE(VmaSupportsMlock(vma.vm_flags, IsGateVma(vma)));
      ++anonymous;
    }
    EXPECT_GE(anonymous, 5);
  }
}

}  // namespace
}  // namespace mlc
