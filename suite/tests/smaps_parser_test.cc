#include "runners/smaps_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oracles/vm_flags.h"

namespace mlc {
namespace {

constexpr SmapsDialect kBefore62{/*question_marks_mean_lock_on_fault=*/true};
constexpr SmapsDialect kFrom62{/*question_marks_mean_lock_on_fault=*/false};

// The kernel ends every VmFlags line, and the header of every nameless VMA,
// with a space. The raw-string fixtures below leave those trailing spaces out
// so that whitespace-stripping editors and hooks cannot silently change them;
// TrailingSpacesAsTheKernelPrintsThemAreAccepted covers the exact bytes.

// Debian 12, 6.1.0-x-cloud-amd64 (x86-64), laid out byte for byte as v6.1
// fs/proc/task_mmu.c prints it (reconstructed from that source, values
// illustrative). Debian enables CONFIG_MEM_SOFT_DIRTY, so every VMA in the mm
// shows "sd"; the gate VMA ([vsyscall]) is a static struct outside the mm and
// does not. 6.1 prints Pss_Dirty (new in 6.0) but no KSM line, and
// "THPeligible:    %d" before that line was padded like the others (2023).
// The first anonymous VMA is mlock2(MLOCK_ONFAULT) of 8 pages with 2 touched:
// VM_LOCKONFAULT had no mnemonic until 6.2 and prints "??". The second is
// mlock()ed; the /dev/zero one is MAP_SHARED|MAP_ANONYMOUS.
constexpr std::string_view kDebian61Smaps =
    R"(55e3b7a9c000-55e3b7a9e000 r--p 00000000 103:01 262234                    /usr/local/bin/mlock_probe
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         8 kB
Private_Dirty:         0 kB
Referenced:            8 kB
Anonymous:             0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd mr mw me sd
55e3b8f1d000-55e3b8f3e000 rw-p 00000000 00:00 0                          [heap]
Size:                132 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             8 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         8 kB
Referenced:            8 kB
Anonymous:             8 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd wr mr mw me ac sd
7f6a1c3f2000-7f6a1c3fa000 rw-p 00000000 00:00 0
Size:                 32 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             8 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         8 kB
Referenced:            8 kB
Anonymous:             8 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                8 kB
THPeligible:    0
VmFlags: rd wr mr mw me lo ?? ac sd
7f6a1c3fa000-7f6a1c3fe000 rw-p 00000000 00:00 0
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  16 kB
Pss:                  16 kB
Pss_Dirty:            16 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        16 kB
Referenced:           16 kB
Anonymous:            16 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:               16 kB
THPeligible:    0
VmFlags: rd wr mr mw me lo ac sd
7f6a1c3fe000-7f6a1c402000 rw-s 00000000 00:01 2058                       /dev/zero (deleted)
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   4 kB
Pss_Dirty:             4 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         4 kB
Referenced:            4 kB
Anonymous:             0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd wr sh mr mw me ms sd
7f6a1c428000-7f6a1c57d000 r-xp 00026000 103:01 1835                      /usr/lib/x86_64-linux-gnu/libc.so.6
Size:               1364 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                 884 kB
Pss:                 121 kB
Pss_Dirty:             0 kB
Shared_Clean:        884 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:          884 kB
Anonymous:             0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd ex mr mw me sd
7f6a1c5d1000-7f6a1c5d5000 r--p 00000000 00:00 0                          [vvar]
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   0 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Anonymous:             0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd mr pf io de dd sd
7f6a1c5d5000-7f6a1c5d7000 r-xp 00000000 00:00 0                          [vdso]
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          4 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            4 kB
Anonymous:             0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd ex mr mw me de sd
7ffc8e1b2000-7ffc8e1d3000 rw-p 00000000 00:00 0                          [stack]
Size:                132 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  16 kB
Pss:                  16 kB
Pss_Dirty:            16 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        16 kB
Referenced:           16 kB
Anonymous:            16 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd wr mr mw me gd ac sd
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
Size:                  4 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   0 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Anonymous:             0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: ex
)";

// Recorded from /proc/self/smaps on 6.18.44 (x86-64, no soft-dirty) running
// the same probe as above, with the ELF and libc mappings excerpted and the
// probe's path renamed. mlock2(MLOCK_ONFAULT) prints "lo lf", mlock() prints
// "lo". Unlike 6.1 it prints "KSM:" after "Anonymous:" and splits the vDSO
// data pages into [vvar] and [vvar_vclock].
constexpr std::string_view kKernel618Smaps =
    R"(555cfc69a000-555cfc69b000 r--p 00000000 fe:00 10952786                   /usr/local/bin/mlock_probe
Size:                  4 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   4 kB
Pss_Dirty:             4 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         4 kB
Referenced:            4 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr mw me
555d365d2000-555d365f3000 rw-p 00000000 00:00 0                          [heap]
Size:                132 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             8 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         8 kB
Referenced:            8 kB
Anonymous:             8 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr mr mw me ac
7f129e2a4000-7f129e2a8000 rw-s 00000000 00:01 1024                       /dev/zero (deleted)
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   4 kB
Pss_Dirty:             4 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         4 kB
Referenced:            4 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr sh mr mw me ms
7f129e2a8000-7f129e2ac000 rw-p 00000000 00:00 0
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  16 kB
Pss:                  16 kB
Pss_Dirty:            16 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        16 kB
Referenced:           16 kB
Anonymous:            16 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:               16 kB
THPeligible:           0
VmFlags: rd wr mr mw me lo ac
7f129e2ac000-7f129e2af000 rw-p 00000000 00:00 0
Size:                 12 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             8 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         8 kB
Referenced:            8 kB
Anonymous:             8 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr mr mw me ac
7f129e2d5000-7f129e42b000 r-xp 00026000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6
Size:               1368 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                 812 kB
Pss:                 203 kB
Pss_Dirty:             0 kB
Shared_Clean:        812 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:          812 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd ex mr mw me
7f129e492000-7f129e494000 ---p 00000000 00:00 0
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   0 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: mr mw me
7f129e494000-7f129e49c000 rw-p 00000000 00:00 0
Size:                 32 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             8 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         8 kB
Referenced:            8 kB
Anonymous:             8 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                8 kB
THPeligible:           0
VmFlags: rd wr mr mw me lo lf ac
7f129e49e000-7f129e4a2000 r--p 00000000 00:00 0                          [vvar]
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   0 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr pf io de dd
7f129e4a2000-7f129e4a4000 r--p 00000000 00:00 0                          [vvar_vclock]
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   0 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr pf io de dd
7f129e4a4000-7f129e4a6000 r-xp 00000000 00:00 0                          [vdso]
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          4 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            4 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd ex mr mw me de
7ffd399b8000-7ffd399d9000 rw-p 00000000 00:00 0                          [stack]
Size:                132 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  16 kB
Pss:                  16 kB
Pss_Dirty:            16 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        16 kB
Referenced:           16 kB
Anonymous:            16 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr mr mw me gd ac
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
Size:                  4 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   0 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            0 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: ex
)";

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

// /proc/<pid>/status from the same 6.18 probe (tab after each key, as
// fs/proc/array.c and task_mem() print). VmLck is locked_vm: the whole 32 kB
// ONFAULT VMA plus the 16 kB mlock()ed one, unlike smaps Locked which counts
// only resident pages.
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

constexpr size_t kUnset = ~size_t{0};

struct Parsed {
  bool ok = false;
  size_t error_offset = kUnset;
  std::vector<SmapsVma> vmas;
};

Parsed Parse(std::string_view text, const SmapsDialect& dialect) {
  Parsed parsed;
  parsed.ok = ParseSmaps(
      text, dialect,
      [&parsed](const SmapsVma& vma) { parsed.vmas.push_back(vma); },
      &parsed.error_offset);
  return parsed;
}

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

constexpr uint32_t kRW = kVmRead | kVmWrite;

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

namespace mlc {
namespace {

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
