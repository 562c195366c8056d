// Facts about the machine the runner reads once, in the test process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlc {

// uname -r.
std::string KernelRelease();

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

// x86 protection keys make mmap(PROT_EXEC) execute-only (cpuinfo flag "ospke").
bool ExecOnlyIsReadable();

// mm/memory.c fault_around_bytes in pages: from debugfs where it is mounted
// (the only place it can be changed), else the kernel's default of 64 KiB.
uint64_t FaultAroundPages(uint64_t page_size);

// HugePages_Free from /proc/meminfo: hugetlb pages reserved and unused
// (nullopt if unreadable).
std::optional<long> FreeHugePages();

// Whether a read fault on private anonymous memory maps the shared zero
// page here (false where the kernel forbids it, mm_forbids_zeropage() or a
// vendor boot parameter): one page of this process read-faulted, its smaps
// Rss read, unmapped. The executor asks the same of its own address space.
bool ReadFaultMapsZeroPage();

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

// A seed from the kernel's random source, for runs without --seed.
uint64_t RandomSeed();

}  // namespace mlc
