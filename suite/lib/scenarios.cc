#include "suite/lib/scenarios.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oracles/sequence_text.h"

namespace mlc {

Op MmapPages(int region, uint64_t first_page, uint64_t pages, int prot, int flags,
             uint64_t page_size) {
  Op op;
  op.kind = OpKind::kMmap;
  op.addr = first_page * page_size;
  op.len = pages * page_size;
  op.prot = prot;
  op.flags = flags;
  op.region = region;
  op.region_base = op.addr;
  return op;
}

Op RangePages(OpKind kind, uint64_t first_page, uint64_t pages, uint64_t page_size) {
  Op op;
  op.kind = kind;
  op.addr = first_page * page_size;
  op.len = pages * page_size;
  return op;
}

Op MremapPages(uint64_t first_page, uint64_t pages, uint64_t new_pages, int flags, uint64_t new_first_page,
               uint64_t page_size) {
  Op op = RangePages(OpKind::kMremap, first_page, pages, page_size);
  op.new_len = new_pages * page_size;
  op.flags = flags;
  op.new_addr = new_first_page * page_size;
  return op;
}

Op Mlock2Pages(uint64_t first_page, uint64_t pages, int flags, uint64_t page_size) {
  Op op = RangePages(OpKind::kMlock2, first_page, pages, page_size);
  op.flags = flags;
  return op;
}

Op MprotectPages(uint64_t first_page, uint64_t pages, int prot, uint64_t page_size) {
  Op op = RangePages(OpKind::kMprotect, first_page, pages, page_size);
  op.prot = prot;
  return op;
}

Op MlockallOp(int flags) {
  Op op;
  op.kind = OpKind::kMlockall;
  op.flags = flags;
  return op;
}

Op MunlockallOp() {
  Op op;
  op.kind = OpKind::kMunlockall;
  return op;
}

Op TouchPage(OpKind kind, uint64_t page, uint64_t page_size) {
  Op op;
  op.kind = kind;
  op.addr = page * page_size;
  return op;
}

Op MmapFilePages(int file, uint64_t window, uint64_t file_page, uint64_t pages, int prot, int flags,
                 uint64_t page_size) {
  Op op;
  op.kind = OpKind::kMmapFile;
  op.file = file;
  op.addr = (window * kFileWindowPages + file_page) * page_size;
  op.len = pages * page_size;
  op.offset = file_page * page_size;
  op.prot = prot;
  op.flags = flags;
  return op;
}

Op MadvisePages(uint64_t first_page, uint64_t pages, int advice, uint64_t page_size) {
  Op op = RangePages(OpKind::kMadvise, first_page, pages, page_size);
  op.advice = advice;
  return op;
}

Op FtruncateOp(int file, uint64_t bytes) {
  Op op;
  op.kind = OpKind::kFtruncate;
  op.file = file;
  op.len = bytes;
  return op;
}

Op BrkOp(uint64_t offset) {
  Op op;
  op.kind = OpKind::kBrk;
  op.brk_offset = offset;
  return op;
}

Op ForkOp(uint64_t probe_page, uint64_t pages, uint64_t page_size) {
  Op op;
  op.kind = OpKind::kFork;
  op.addr = probe_page * page_size;
  op.len = pages * page_size;
  return op;
}

Op ReclaimOp(uint64_t bytes) {
  Op op;
  op.kind = OpKind::kReclaim;
  op.reclaim_bytes = bytes;
  return op;
}

Op MovePagesOp(uint64_t first_page, uint64_t pages, uint64_t node, uint64_t page_size) {
  Op op = RangePages(OpKind::kMovePages, first_page, pages, page_size);
  op.node = node;
  return op;
}

bool ReadSequenceFile(const std::string& path, SequenceFile* file, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = path + ": is a directory, not a sequence file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  // A binary file's bytes would go into the error message verbatim.
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) {
      char where[64];
      std::snprintf(where, sizeof where, "byte 0x%02x at offset %zu", c, i);
      *error = path + ": not a text file (" + where + ")";
      return false;
    }
  }
  return ParseSequence(text, path, file, error);
}

namespace {

// Corpus scenarios run under the default profile: one a --thp run found
// ("# profile: thp") would run without the PMD mappings it needs, so it is
// refused as malformed rather than passing for the wrong reason.
void TakeScenario(SequenceFile& file, Scenario* s) {
  if (file.header.count("profile")) {
    s->error = s->path + ": '# profile: " + file.header["profile"] +
               "': corpus scenarios run under the default profile (replay it with ./mlockcheck replay)";
    return;
  }
  s->ops = file.ops;
  s->rule = file.header.count("rule") ? file.header["rule"] : "";
}

}  // namespace

std::vector<Scenario> LoadScenarios(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".seq") files.push_back(entry.path());
  }
  std::vector<Scenario> scenarios;
  if (ec || files.empty()) {
    scenarios.push_back({"MissingRegressionCorpus", "", {}, dir, "no *.seq files in " + dir});
    return scenarios;
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    Scenario s;
    s.name = path.stem().string();
    s.path = path.string();
    SequenceFile file;
    if (ReadSequenceFile(s.path, &file, &s.error)) TakeScenario(file, &s);
    // Test names must be identifiers.
    for (char& c : s.name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    scenarios.push_back(std::move(s));
  }
  return scenarios;
}

std::string RegressionCorpusDir() {
  if (const char* dir = std::getenv("MLOCKCHECK_REGRESSIONS")) return dir;
  return "";
}

std::vector<Scenario> ReferenceScenarios() {
  if (const std::string dir = RegressionCorpusDir(); !dir.empty()) return LoadScenarios(dir);
  std::vector<Scenario> scenarios;
  for (const BuiltinSequence& seq : BuiltinRegressionCorpus()) {
    Scenario s;
    s.path = seq.path;
    s.name = std::filesystem::path(s.path).stem().string();
    SequenceFile file;
    if (ParseSequence(seq.text, s.path, &file, &s.error)) TakeScenario(file, &s);
    for (char& c : s.name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    scenarios.push_back(std::move(s));
  }
  if (scenarios.empty()) scenarios.push_back({"MissingRegressionCorpus", "", {}, "suite/regressions", "no *.seq files built in"});
  return scenarios;
}

}  // namespace mlc
