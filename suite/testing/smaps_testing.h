// Shared by the smaps parser's tests (suite/tests/smaps_parser_*_test.cc):
// the two dialects, smaps texts of 6.1 and 6.18 (defined in
// smaps_samples_61.cc and smaps_samples_618.cc) and Parse(), which collects
// every VMA of a text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "oracles/vm_flags.h"
#include "runners/smaps_parser.h"

namespace mlc {
namespace test {

constexpr SmapsDialect kBefore62{/*question_marks_mean_lock_on_fault=*/true};
constexpr SmapsDialect kFrom62{/*question_marks_mean_lock_on_fault=*/false};

// The kernel ends every VmFlags line, and the header of every nameless VMA,
// with a space. The raw-string fixtures leave those trailing spaces out
// so that whitespace-stripping editors and hooks cannot silently change them;
// TrailingSpacesAsTheKernelPrintsThemAreAccepted covers the exact bytes.
extern const std::string_view kDebian61Smaps;   // smaps_samples_61.cc
extern const std::string_view kKernel618Smaps;  // smaps_samples_618.cc

constexpr size_t kUnset = ~size_t{0};

struct Parsed {
  bool ok = false;
  size_t error_offset = kUnset;
  std::vector<SmapsVma> vmas;
};

inline Parsed Parse(std::string_view text, const SmapsDialect& dialect) {
  Parsed parsed;
  parsed.ok = ParseSmaps(
      text, dialect,
      [&parsed](const SmapsVma& vma) { parsed.vmas.push_back(vma); },
      &parsed.error_offset);
  return parsed;
}

constexpr uint32_t kRW = kVmRead | kVmWrite;

}  // namespace test
}  // namespace mlc
