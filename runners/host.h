// Facts about the machine the runner reads once, in the test process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "oracles/kernel_profile.h"

namespace mlc {

// uname -r.
std::string KernelRelease();
// uname -v, which names a Debian kernel's stable release (StableVersion()).
std::string KernelBuild();

// CAP_IPC_LOCK (bit 14) in CapEff of /proc/self/status; nullopt if unreadable.
std::optional<bool> HasCapIpcLock();
std::optional<bool> ParseCapIpcLock(std::string_view status_text);

// The privileges and the lock limit of this process, as the kernel's
// capable() and rlimit() see them (the executor reports the same for its
// children): CapEff counts only in the initial user namespace.
struct HostPrivileges {
  bool cap_ipc_lock = false;
  bool cap_sys_resource = false;
  uint64_t memlock_cur = 0;  // RLIMIT_MEMLOCK, bytes
  uint64_t memlock_max = 0;
};
HostPrivileges ReadHostPrivileges();

// Whether a PROT_EXEC-only mapping can be read (x86 protection keys make it
// execute-only): measured in a forked child that maps one page PROT_EXEC and
// reads it (SIGSEGV: execute-only). nullopt if the probe itself failed.
std::optional<bool> ExecOnlyIsReadable();

// The machine's own account of itself, for PredictMeasured()
// (oracles/kernel_profile.h): /proc/cmdline (or `cmdline_path`, a test
// hook) and cpuinfo's "ospke".
HostFacts ReadHostFacts(const std::string& cmdline_path = "/proc/cmdline");

// Every measurement of MeasuredBehaviour, made on this machine; *why says
// which could not be made (and the result is unusable). What the kernel
// lacks the means to show (memfd_secret unavailable) keeps `fallback`'s
// value, the prediction.
std::optional<MeasuredBehaviour> MeasureBehaviour(const MeasuredBehaviour& fallback, std::string* why);

// Whether a read fault of private anonymous memory maps the zero page here
// (MeasuredBehaviour::read_fault_maps_zero_page): a page is mapped, read, and its
// smaps Rss read back (the zero page is not counted, fs/proc/task_mmu.c
// smaps_pte_entry() skips it via vm_normal_page()). nullopt if smaps is
// unreadable.
std::optional<bool> ReadFaultMapsZeroPage();

// Whether a mapping of a memfd_secret(2) file is VM_LOCKED ("lo" in smaps),
// as secretmem_mmap() made it from 5.14. Since "mm/secretmem: properly
// account locked pages" (CVE-2026-93243; in stable 6.1.191 and 6.12.113 per
// Debian's changelogs, so in Debian's 6.1.192 and 6.12.117) it sets only
// VM_DONTDUMP and secretmem_fault() charges each page to the user's
// locked_vm (__secretmem_account_pages()); MeasuredBehaviour::secretmem_locked
// follows this. nullopt when memfd_secret is unavailable.
std::optional<bool> SecretmemMappingsAreLocked();

// mm/memory.c fault_around_bytes in pages: from debugfs where it is mounted
// (the only place it can be changed), else the kernel's default of 64 KiB.
uint64_t FaultAroundPages(uint64_t page_size);

// /proc/swaps: it exists only with CONFIG_SWAP (mm/swapfile.c
// procswaps_init()); a line after its header is an active swap area.
struct SwapState {
  bool config_swap = false;
  bool active = false;
};
SwapState ReadSwapState();
SwapState ParseSwaps(bool exists, std::string_view text);

// hugetlb as /proc/meminfo and /proc/sys/vm show it
// (Documentation/admin-guide/mm/hugetlbpage.rst): the default huge page size
// (0 without hugetlbfs), the free and reserved pages of the pool, and
// nr_overcommit_hugepages (surplus pages, which the model does not cover).
struct HugetlbState {
  uint64_t page_size = 0;  // bytes
  uint64_t free = 0;
  uint64_t reserved = 0;
  uint64_t overcommit = 0;
};
HugetlbState ReadHugetlbState();

// --thp: why this kernel cannot run the THP profile, or "" if it can. Reads
// /sys/kernel/mm/transparent_hugepage (Documentation/admin-guide/mm/
// transhuge.rst) and changes nothing: THP must not be "never", PMDs must be
// 2 MiB, and no other THP size (mTHP, 6.8+) or shmem THP may be enabled,
// because the model knows PMD-sized anonymous THPs only.
std::string ThpUnavailableReason(const std::string& sysfs = "/sys/kernel/mm/transparent_hugepage");

// Resident set high-water mark of this process, in kB.
long SelfMaxRssKb();
// A "<field>: N kB" line of /proc/<pid>/status; pid 0 means this process.
std::optional<long> StatusFieldKb(int pid, std::string_view field);

// Whether standard error is a terminal (for a progress line).
bool StderrIsTerminal();
// Why this process cannot write the existing file PATH, or create files
// in the directory PATH (access(2), so root's overrides count): the errno
// text, or "" if it can.
std::string CannotWriteFile(const std::string& path);
std::string CannotCreateIn(const std::string& dir);

// The width of the terminal on standard error, in columns (80 if unknown).
int StderrColumns();

// A seed from the kernel's random source, for runs without --seed.
uint64_t RandomSeed();

// Runs this program (/proc/self/exe) again with `args` (argv[1..]), its
// standard output and standard error captured into *out;
// returns its exit code (128 + signal if a signal ended it), or -1 with
// *out holding the reason when it could not be started.
int RunSelf(const std::vector<std::string>& args, std::string* out);

// The same, started and waited for apart, so that several run at once: its
// output goes to a memfd (no pipe to keep drained meanwhile), and with
// `cpu` >= 0 it runs pinned to that CPU (its executor's children too).
struct SelfProcess {
  int pid = -1;
  int output_fd = -1;
};
// False with *error when it could not be started.
bool StartSelf(const std::vector<std::string>& args, int cpu, SelfProcess* process, std::string* error);
// Its exit code (128 + signal), its output in *out.
int WaitSelf(SelfProcess* process, std::string* out);

// A new private directory under $TMPDIR (or /tmp) named PREFIX-XXXXXX
// (mkdtemp), or "" with *error.
std::string MakeTempDir(const std::string& prefix, std::string* error);

// The CPUs this process may run on (sched_getaffinity), in order.
std::vector<int> AllowedCpus();

}  // namespace mlc
