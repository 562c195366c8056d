#include "runners/kernel_config.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace mlc {
namespace {

// Options that decide what mlock, smaps and mincore show.
constexpr const char* kOptions[] = {
    "CONFIG_PROC_PAGE_MONITOR",  // /proc/<pid>/smaps
    "CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS", "CONFIG_TRANSPARENT_HUGEPAGE_MADVISE",
    "CONFIG_PGTABLE_LEVELS",     // TASK_SIZE
    "CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS",  // execute-only PROT_EXEC
    "CONFIG_NUMA_BALANCING",     // PROT_NONE hinting faults
    "CONFIG_MEMCG", "CONFIG_SHMEM", "CONFIG_MMU",
};

std::string Extract(std::istream& in) {
  std::string hints, line;
  while (std::getline(in, line)) {
    for (const char* option : kOptions) {
      const std::string name(option);
      if (line.rfind(name + "=", 0) == 0 || line == "# " + name + " is not set") hints += line + "\n";
    }
  }
  return hints;
}

}  // namespace

std::vector<std::string> KernelConfigHints(const std::string& release) {
  std::string text;
  std::string source = "/boot/config-" + release;
  if (std::ifstream boot(source); boot) {
    text = Extract(boot);
  } else if (std::ifstream("/proc/config.gz")) {
    source = "/proc/config.gz";
    if (FILE* pipe = popen("gzip -dc /proc/config.gz 2>/dev/null", "r")) {
      std::string raw;
      char buf[65536];
      for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) raw.append(buf, n);
      pclose(pipe);
      std::istringstream in(raw);
      text = Extract(in);
    }
  }
  std::vector<std::string> hints;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) hints.push_back(line + " (" + source + ")");
  if (hints.empty()) hints.push_back("kernel configuration not readable (no /boot/config-" + release + ", no /proc/config.gz)");
  return hints;
}

}  // namespace mlc
