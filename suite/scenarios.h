// Hand-written sequences for the rules of the semantics reference. The
// oracle tests assert the model's prediction for each against the rule's
// text; the conformance run replays each on the kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oracles/files.h"
#include "oracles/op.h"

namespace mlc {

struct Scenario {
  std::string name;  // a sentence in CamelCase, usable as a test name
  std::string rule;  // the rule and its source
  std::vector<Op> ops;
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

constexpr int kAnonPrivate = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
constexpr int kAnonShared = uapi::kMapShared | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
constexpr int kRw = uapi::kProtRead | uapi::kProtWrite;

std::vector<Scenario> ReferenceScenarios();

}  // namespace mlc
