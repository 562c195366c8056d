#include "suite/lib/cli_args.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <rapidcheck/detail/Configuration.h>

#include "runners/host.h"

namespace mlc {

bool ParseCount(const char* text, uint64_t* out) {
  if (text == nullptr) return false;
  const bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const char* digits = hex ? text + 2 : text;
  const int base = hex ? 16 : 10;
  if (*digits == '\0') return false;
  uint64_t v = 0;
  for (const char* p = digits; *p != '\0'; ++p) {
    int d;
    if (*p >= '0' && *p <= '9') {
      d = *p - '0';
    } else if (hex && *p >= 'a' && *p <= 'f') {
      d = *p - 'a' + 10;
    } else if (hex && *p >= 'A' && *p <= 'F') {
      d = *p - 'A' + 10;
    } else {
      return false;
    }
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

std::string ReadCount(const std::string& flag, const char* text, uint64_t min, uint64_t max, uint64_t* out) {
  const std::string range = flag + " needs a number from " + std::to_string(min) + " to " + std::to_string(max);
  if (text == nullptr) return range;
  uint64_t v = 0;
  if (!ParseCount(text, &v)) {
    const bool too_long = *text != '\0' && std::strspn(text, "0123456789") == std::strlen(text);
    return range + (too_long ? ", got " : " (decimal, or hex after 0x), got '") + text + (too_long ? "" : "'");
  }
  if (v < min || v > max) return range + ", got " + text;
  *out = v;
  return "";
}

std::string ReadSeconds(const std::string& flag, const char* text, double max, double* out) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", max);
  const std::string range = flag + " needs a number of seconds above 0 and at most " + buf;
  if (text == nullptr || *text == '\0') return range;
  // strtod would take "inf", "nan" and hex floats: digits and one point only.
  if (std::strspn(text, "0123456789.") != std::strlen(text)) return range + ", got '" + text + "'";
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text, &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return range + ", got '" + text + "'";
  if (v <= 0 || v > max) return range + ", got " + text;
  *out = v;
  return "";
}

std::string OutputFileProblem(const std::string& flag, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || path[0] == '-') return flag + " needs a file name, got '" + path + "'";
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) return flag + ": " + path + " is a directory";
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::exists(parent, ec)) return flag + ": " + path + ": directory " + parent.string() + " does not exist";
  if (!fs::is_directory(parent, ec)) return flag + ": " + path + ": " + parent.string() + " is not a directory";
  if (fs::exists(p, ec)) {
    if (const std::string why = CannotWriteFile(path); !why.empty()) return flag + ": " + path + ": " + why;
  } else if (const std::string why = CannotCreateIn(parent.string()); !why.empty()) {
    return flag + ": " + path + ": cannot create a file in " + parent.string() + ": " + why;
  }
  return "";
}

std::string LoadRapidCheckConfiguration() {
  std::streambuf* saved = std::cerr.rdbuf(nullptr);
  std::string error;
  try {
    rc::detail::configuration();
  } catch (const std::exception& e) {
    error = std::string("RC_PARAMS: ") + e.what();
  }
  std::cerr.rdbuf(saved);
  return error;
}

bool HoldsReport(const std::string& dir) {
  std::error_code ec;
  for (const char* name : {"report.txt", "sequence.txt", "repro.c"}) {
    if (std::filesystem::exists(std::filesystem::path(dir) / name, ec)) return true;
  }
  return false;
}

std::string ReportDirProblem(const std::string& flag, const std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty() || dir[0] == '-') return flag + " needs a directory, got '" + dir + "'";
  std::error_code ec;
  if (!fs::exists(dir, ec)) return "";
  if (!fs::is_directory(dir, ec)) return flag + ": " + dir + " exists and is not a directory";
  if (HoldsReport(dir)) return flag + ": " + dir + " already holds a report (move it away or name another directory)";
  if (const std::string why = CannotCreateIn(dir); !why.empty()) return flag + ": " + dir + ": " + why;
  return "";
}

// --results-dir DIR: absent, or a directory without results yet.
std::string ResultsDirProblem(const std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty() || dir[0] == '-') return "--results-dir needs a directory, got '" + dir + "'";
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    // Created at the end, with its parents: the nearest one there must take it.
    fs::path parent = fs::absolute(dir, ec).parent_path();
    while (!parent.empty() && !fs::exists(parent, ec) && parent != parent.root_path()) parent = parent.parent_path();
    if (!fs::is_directory(parent, ec)) return "--results-dir: " + dir + ": " + parent.string() + " is not a directory";
    if (const std::string why = CannotCreateIn(parent.string()); !why.empty()) {
      return "--results-dir: " + dir + ": cannot create it in " + parent.string() + ": " + why;
    }
    return "";
  }
  if (!fs::is_directory(dir, ec)) return "--results-dir: " + dir + " exists and is not a directory";
  if (fs::exists(fs::path(dir) / "results.txt", ec)) return "--results-dir: " + dir + " already holds results";
  if (const std::string why = CannotCreateIn(dir); !why.empty()) return "--results-dir: " + dir + ": " + why;
  return "";
}

}  // namespace mlc
