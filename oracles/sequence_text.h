// The sequence file format: one call per line, addresses symbolic, flags by
// name. `./mlockcheck run` writes it (report directory sequence.txt),
// `replay` and `repro` read it, and suite/regressions/*.seq are written in it.
//
//   # rule: ref 34: populate fails on PROT_NONE -> ENOMEM
//   r0 = mmap(arena+0x0, 0x2000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)
//   mlock(r0+0x1, 0xfff)
//   read(arena+0x0)
//
// Addresses: `arena+0xN` (alias `A+0xN`, also `arena-0xN` for the guard hole
// below), `rN+0xN`/`rN-0xN` relative to the last earlier `rN = mmap(...)`,
// or a bare number for an absolute address. Flags: names joined by `|`,
// numbers for other bits. `#` starts a comment; `# key: value` lines before
// the first call are the file's header. A trailing `= ...` (a result, as
// reports print them) is ignored. The grammar of each call comes from one
// table row per OpKind (OpSyntaxOf), which the printer, the parser and the
// C reproducer all read: a new operation is one new row.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "oracles/op.h"

namespace mlc {

// One argument of a call in the text format: where it lives in Op and how it
// is written. A new kind of argument is one more constant of this type (a
// new flag set: its printer from op.h; a new number: its Op field).
struct ArgSyntax {
  enum class Form : uint8_t {
    kAddress,  // Op::addr (+ region), symbolic: arena+0xN, rN+0xN, or absolute
    kNumber,   // *number, hex
    kFlags,    // *bits, names joined by '|' as `names` prints them
    kLiteral,  // exactly `literal` (mmap's fd and offset)
    kArenaOffset,  // *number, an arena offset written arena+0xN (mremap's new_address)
  };
  Form form;
  uint64_t Op::*number = nullptr;
  int Op::*bits = nullptr;
  std::string (*names)(int) = nullptr;
  const char* literal = nullptr;
  const char* what = "";  // for "expected <what>" errors
};

namespace arg {
extern const ArgSyntax kAddr, kLen, kProt, kMmapFlags, kMlock2Flags, kMlockallFlags, kFd, kOffset, kLimitCur,
    kLimitMax, kFile, kFileOffset, kAdvice, kNewLen, kMremapFlags, kNewAddr;
}  // namespace arg

struct OpSyntax {
  OpKind kind;
  const char* name;  // as printed: "mmap", "read" (a touch)
  std::vector<const ArgSyntax*> args;
  // The C reproducer: `syscall(<c_callee>, args...)` when is_syscall, else
  // `<c_callee>(args...)`, a helper the reproducer defines (touches).
  const char* c_callee;
  bool is_syscall;
};

// The table, one row per OpKind; nullptr for a kind without a row.
const std::vector<OpSyntax>& OpSyntaxTable();
const OpSyntax* OpSyntaxOf(OpKind kind);

struct SequenceFile {
  std::map<std::string, std::string> header;  // "# key: value" lines before the first call
  std::vector<Op> ops;
  std::vector<int> lines;  // source line of each op
};

// Prints one call in the file format (region labels only when `labelled`:
// the writer drops labels whose defining mmap is not in the sequence).
std::string FormatCall(const Op& op, bool labelled);
// Each call of a sequence as the file prints it: labelled by its region
// where the mmap that defines the label comes earlier, else arena-relative.
std::vector<std::string> FormatCalls(const std::vector<Op>& ops);
// The whole file: the header as "# key: value" lines, then one call per line.
std::string FormatSequence(const std::vector<Op>& ops,
                           const std::vector<std::pair<std::string, std::string>>& header = {});

// Parses a file's text. On error returns false with *error set to
// "<name>:<line>: expected ...".
bool ParseSequence(std::string_view text, const std::string& name, SequenceFile* out, std::string* error);

}  // namespace mlc
