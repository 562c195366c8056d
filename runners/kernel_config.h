// The kernel configuration options a bug report should mention, read from
// /boot/config-<release> or /proc/config.gz (CONFIG_IKCONFIG_PROC).
#pragma once

#include <string>
#include <vector>

namespace mlc {

// "CONFIG_TRANSPARENT_HUGEPAGE=y", ... for the options that change what
// the suite observes; one line saying why when no configuration is readable.
std::vector<std::string> KernelConfigHints(const std::string& release);

}  // namespace mlc
