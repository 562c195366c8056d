// Facts about the machine the runner reads once, in the test process.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mlc {

// uname -r.
std::string KernelRelease();

// CAP_IPC_LOCK (bit 14) in CapEff of /proc/self/status; nullopt if unreadable.
std::optional<bool> HasCapIpcLock();
std::optional<bool> ParseCapIpcLock(std::string_view status_text);

// x86 protection keys make mmap(PROT_EXEC) execute-only (cpuinfo flag "ospke").
bool ExecOnlyIsReadable();

// Resident set high-water marks in kB: this process, and a process by pid.
long SelfMaxRssKb();
std::optional<long> StatusFieldKb(int pid, std::string_view field);

}  // namespace mlc
