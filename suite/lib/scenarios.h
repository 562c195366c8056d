// The regression corpus: suite/regressions/*.seq, hand-written sequences for
// the rules of oracles/README.md and every divergence worth keeping.
// The oracle tests assert the model's prediction for the reference ones
// against the rule's text; the conformance run replays every file on the
// kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oracles/files.h"
#include "oracles/op.h"
#include "oracles/sequence_text.h"

namespace mlc {

struct Scenario {
  std::string name;  // a sentence in CamelCase, usable as a test name
  std::string rule;  // the rule and its source
  std::vector<Op> ops;
  std::string path;   // the .seq file
  std::string error;  // "FILE:LINE: expected ..." when the file is malformed
};

// Builders for readable sequences. Pages are arena pages.
Op MmapPages(int region, uint64_t first_page, uint64_t pages, int prot, int flags,
             uint64_t page_size = 4096);
Op RangePages(OpKind kind, uint64_t first_page, uint64_t pages, uint64_t page_size = 4096);
Op Mlock2Pages(uint64_t first_page, uint64_t pages, int flags, uint64_t page_size = 4096);
Op MprotectPages(uint64_t first_page, uint64_t pages, int prot, uint64_t page_size = 4096);
Op MlockallOp(int flags);
Op MunlockallOp();
Op TouchPage(OpKind kind, uint64_t page, uint64_t page_size = 4096);
// mmap of `file`'s pages [file_page, file_page + pages) at their place in
// `window` (oracles/files.h).
Op MmapFilePages(int file, uint64_t window, uint64_t file_page, uint64_t pages, int prot, int flags,
                 uint64_t page_size = 4096);
Op FtruncateOp(int file, uint64_t bytes);
Op MadvisePages(uint64_t first_page, uint64_t pages, int advice, uint64_t page_size = 4096);
// mremap(arena page first, pages, new_pages, flags, arena page new_first).
Op MremapPages(uint64_t first_page, uint64_t pages, uint64_t new_pages, int flags, uint64_t new_first_page = 0,
               uint64_t page_size = 4096);
// brk(initial break + offset); fork() whose child maps `pages` pages at
// arena page `probe_page`.
Op BrkOp(uint64_t offset);
Op ForkOp(uint64_t probe_page, uint64_t pages = 1, uint64_t page_size = 4096);
// reclaim(bytes): memory.reclaim of the child's own cgroup.
Op ReclaimOp(uint64_t bytes);
// move_pages of arena pages [first_page, first_page + pages) to `node`.
Op MovePagesOp(uint64_t first_page, uint64_t pages, uint64_t node, uint64_t page_size = 4096);

constexpr int kAnonPrivate = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
constexpr int kAnonShared = uapi::kMapShared | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;

// Reads and parses a sequence file; *error is "FILE:LINE: expected ..." or
// "FILE: cannot open".
bool ReadSequenceFile(const std::string& path, SequenceFile* file, std::string* error);

// Every *.seq file of `dir`, sorted by name; the name is the file's stem and
// the rule its "# rule:" header line.
std::vector<Scenario> LoadScenarios(const std::string& dir);
// The regression corpus as built in (suite/regressions/*.seq at build time):
// path relative to the source tree, and text.
struct BuiltinSequence {
  const char* path;
  const char* text;
};
const std::vector<BuiltinSequence>& BuiltinRegressionCorpus();
// $MLOCKCHECK_REGRESSIONS if set (read from there), else empty (built in).
std::string RegressionCorpusDir();
std::vector<Scenario> ReferenceScenarios();

}  // namespace mlc
