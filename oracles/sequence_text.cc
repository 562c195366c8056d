#include "oracles/sequence_text.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <sstream>

#include "oracles/files.h"

namespace mlc {
namespace {

using Form = ArgSyntax::Form;

// Flag names come from op.h's printers (one source): every single bit the
// printer names is a name the parser accepts.
using FlagPrinter = std::string (*)(int);

std::map<std::string, unsigned> FlagNames(FlagPrinter print) {
  std::map<std::string, unsigned> names;
  for (int bit = 0; bit < 32; ++bit) {
    const std::string name = print(static_cast<int>(1u << bit));
    if (name.rfind("0x", 0) != 0) names[name] = 1u << bit;
  }
  names[print(0)] = 0;  // PROT_NONE, or "0"
  // Printers of plain values rather than bits (madvise advice) name small
  // numbers that are not single bits.
  for (int value = 3; value < 64; ++value) {
    const std::string name = print(value);
    if (name.rfind("0x", 0) != 0 && name.find('|') == std::string::npos) names[name] = static_cast<unsigned>(value);
  }
  return names;
}

std::string SignedHex(int64_t delta) {
  if (delta < 0) return "-" + HexString(static_cast<uint64_t>(-delta));
  return "+" + HexString(static_cast<uint64_t>(delta));
}

std::string AddrText(const Op& op, bool labelled) {
  if (op.region == kAbsoluteAddr) return HexString(op.addr);
  if (labelled && op.region >= 0) {
    const auto delta = static_cast<int64_t>(op.addr - op.region_base);
    return "r" + std::to_string(op.region) + (delta == 0 ? "" : SignedHex(delta));
  }
  return "arena" + SignedHex(static_cast<int64_t>(op.addr));
}

// A cursor over one line.
class LineParser {
 public:
  LineParser(std::string_view text, const std::string& where) : text_(text), where_(where) {}

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // [A-Za-z_][A-Za-z0-9_]*
  std::string Word() {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  // Decimal, or hexadecimal after 0x (as FormatCall prints); a leading zero
  // is not octal. On failure nothing is consumed, so that Fail() shows the
  // number that did not parse (too long, or not one).
  bool Number(uint64_t* out) {
    SkipSpace();
    const size_t start = pos_;
    const std::string word = Word();
    const bool hex = word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
    if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0]))) {
      char* end = nullptr;
      errno = 0;
      *out = std::strtoull(word.c_str() + (hex ? 2 : 0), &end, hex ? 16 : 10);
      if (errno == 0 && *end == '\0') return true;
    }
    pos_ = start;
    return false;
  }
  bool Fail(std::string* error, const std::string& expected) {
    SkipSpace();
    std::string got = pos_ < text_.size() ? "'" + std::string(text_.substr(pos_, 40)) + "'" : "end of line";
    *error = where_ + ": expected " + expected + ", got " + got;
    return false;
  }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  std::string where_;
  size_t pos_ = 0;
};

bool ParseFlags(LineParser& in, const ArgSyntax& arg, int* out, std::string* error) {
  static std::map<FlagPrinter, std::map<std::string, unsigned>> cache;
  auto found = cache.find(arg.names);
  if (found == cache.end()) found = cache.emplace(arg.names, FlagNames(arg.names)).first;
  const auto& names = found->second;
  unsigned value = 0;
  do {
    const size_t at = in.pos();
    uint64_t number = 0;
    if (in.Number(&number)) {
      if (number > 0xffffffffu) return in.Fail(error, arg.what);
      value |= static_cast<unsigned>(number);
      continue;
    }
    in.set_pos(at);
    const std::string word = in.Word();
    const auto it = names.find(word);
    if (it == names.end()) {
      in.set_pos(at);
      return in.Fail(error, arg.what);
    }
    value |= it->second;
  } while (in.Eat('|'));
  *out = static_cast<int>(value);
  return true;
}

// Region bases defined so far: the address of the last `rN = mmap(...)`.
using RegionBases = std::map<int, uint64_t>;

bool ParseAddr(LineParser& in, const RegionBases& regions, Op* op, std::string* error) {
  const size_t at = in.pos();
  uint64_t number = 0;
  if (in.Number(&number)) {
    op->region = kAbsoluteAddr;
    op->addr = number;
    return true;
  }
  in.set_pos(at);
  const std::string word = in.Word();
  uint64_t base = 0;
  if (word == "arena" || word == "A") {
    op->region = kNoRegion;
  } else if (word.size() > 1 && word[0] == 'r' &&
             word.find_first_not_of("0123456789", 1) == std::string::npos) {
    const int region = std::atoi(word.c_str() + 1);
    const auto it = regions.find(region);
    if (it == regions.end()) {
      in.set_pos(at);
      return in.Fail(error, "an address; " + word + " is not defined by an earlier '" + word + " = mmap(...)'");
    }
    op->region = region;
    op->region_base = base = it->second;
  } else {
    in.set_pos(at);
    return in.Fail(error, arg::kAddr.what);
  }
  int64_t delta = 0;
  const bool plus = in.Eat('+');
  if (plus || in.Eat('-')) {
    if (!in.Number(&number)) return in.Fail(error, "a number after '" + word + (plus ? "+'" : "-'"));
    delta = plus ? static_cast<int64_t>(number) : -static_cast<int64_t>(number);
  }
  op->addr = base + static_cast<uint64_t>(delta);
  return true;
}

bool ParseArg(LineParser& in, const ArgSyntax& arg, const RegionBases& regions, Op* op, std::string* error) {
  uint64_t number = 0;
  switch (arg.form) {
    case Form::kAddress: return ParseAddr(in, regions, op, error);
    case Form::kNumber:
      if (!in.Number(&number)) return in.Fail(error, arg.what);
      op->*arg.number = number;
      return true;
    case Form::kFlags: return ParseFlags(in, arg, &(op->*arg.bits), error);
    case Form::kArenaOffset: {
      const std::string word = in.Word();
      if ((word != "arena" && word != "A") || !in.Eat('+') || !in.Number(&number)) return in.Fail(error, arg.what);
      op->*arg.number = number;
      return true;
    }
    case Form::kLiteral: {
      // "-1" or "0": an optional minus and a number.
      const bool negative = in.Eat('-');
      const std::string text = (negative ? "-" : "") + std::to_string(in.Number(&number) ? number : ~uint64_t{0});
      if (text != arg.literal) return in.Fail(error, arg.what);
      return true;
    }
  }
  return in.Fail(error, arg.what);
}

std::string KnownCalls() {
  std::string out;
  for (const OpSyntax& s : OpSyntaxTable()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

// One call: [rN =] name(arg, ...) [= result] [# comment]
bool ParseCall(std::string_view line, const std::string& where, RegionBases* regions, Op* op,
               std::string* error) {
  LineParser in(line, where);
  // A line copied from a report's sequence listing starts with its step
  // number, marked ">>" at the diverging step: both are ignored.
  if (in.Eat('>')) in.Eat('>');
  uint64_t step_number = 0;
  in.Number(&step_number);  // consumes nothing when there is none
  const size_t start = in.pos();
  std::string name = in.Word();
  int label = kNoRegion;
  if (in.Eat('=')) {
    if (name.size() < 2 || name[0] != 'r' || name.find_first_not_of("0123456789", 1) != std::string::npos) {
      return in.Fail(error, "a region label rN before '='");
    }
    label = std::atoi(name.c_str() + 1);
    name = in.Word();
  }
  const OpSyntax* syntax = nullptr;
  for (const OpSyntax& s : OpSyntaxTable()) {
    if (name == s.name) syntax = &s;
  }
  if (syntax == nullptr) {
    in.set_pos(start);
    return in.Fail(error, "a call (" + KnownCalls() + ")");
  }
  if (label != kNoRegion && !IsMmap(syntax->kind)) return in.Fail(error, "mmap after 'rN ='");
  *op = Op{};
  op->kind = syntax->kind;
  if (!in.Eat('(')) return in.Fail(error, "'(' after " + name);
  for (size_t i = 0; i < syntax->args.size(); ++i) {
    if (i > 0 && !in.Eat(',')) {
      return in.Fail(error, "',' and " + std::string(syntax->args[i]->what) + " (" + name + " takes " +
                                std::to_string(syntax->args.size()) + " arguments)");
    }
    if (!ParseArg(in, *syntax->args[i], *regions, op, error)) return false;
  }
  if (!in.Eat(')')) return in.Fail(error, "')' after " + std::to_string(syntax->args.size()) + " arguments of " + name);
  if (in.Eat('=')) {
    // A printed result ("= A+0x0", "= -1 ENOMEM", "= SIGSEGV"): informative only.
  } else if (!in.AtEnd()) {
    return in.Fail(error, "end of line, '= result' or '# comment'");
  }
  if (IsMmap(op->kind)) {
    if (op->region == kAbsoluteAddr) return in.Fail(error, "an mmap address inside the arena (arena+0xN)");
    op->region = label;
    op->region_base = op->addr;
    if (label >= 0) (*regions)[label] = op->addr;
  }
  return true;
}

}  // namespace

namespace {
std::string FileArgName(int file) {
  switch (file) {
    case kMemfd: return "MEMFD";
    case kTmpfile: return "TMPFILE";
    case kSecretmem: return "SECRETMEM";
  }
  return HexString(static_cast<uint64_t>(file));
}
}  // namespace

namespace arg {
const ArgSyntax kAddr{Form::kAddress, nullptr, nullptr, nullptr, nullptr, "an address (arena+0xN, rN+0xN or a number)"};
const ArgSyntax kLen{Form::kNumber, &Op::len, nullptr, nullptr, nullptr, "a length (a number)"};
const ArgSyntax kProt{Form::kFlags, nullptr, &Op::prot, ProtName, nullptr,
                      "a protection (PROT_READ|PROT_WRITE|PROT_EXEC, PROT_NONE or a number)"};
const ArgSyntax kMmapFlags{Form::kFlags, nullptr, &Op::flags, MmapFlagsName, nullptr,
                           "mmap flags (MAP_PRIVATE|MAP_ANONYMOUS|... or a number)"};
const ArgSyntax kMlock2Flags{Form::kFlags, nullptr, &Op::flags, Mlock2FlagsName, nullptr,
                             "mlock2 flags (MLOCK_ONFAULT, 0 or a number)"};
const ArgSyntax kMlockallFlags{Form::kFlags, nullptr, &Op::flags, MlockallFlagsName, nullptr,
                               "mlockall flags (MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT, 0 or a number)"};
const ArgSyntax kFd{Form::kLiteral, nullptr, nullptr, nullptr, "-1", "-1 (the fd)"};
const ArgSyntax kOffset{Form::kLiteral, nullptr, nullptr, nullptr, "0", "0 (the offset)"};
// One of the executor's files (oracles/files.h) by name. Printed through
// the flag machinery: the values 0, 1 and 2 are "no bit", bit 0 and bit 1.
const ArgSyntax kFile{Form::kFlags, nullptr, &Op::file, FileArgName, nullptr, "a file (MEMFD, TMPFILE or SECRETMEM)"};
const ArgSyntax kFileOffset{Form::kNumber, &Op::offset, nullptr, nullptr, nullptr, "a file offset (a number)"};
// RLIMIT_MEMLOCK's soft and hard limit in bytes.
const ArgSyntax kLimitCur{Form::kNumber, &Op::limit_cur, nullptr, nullptr, nullptr, "the soft limit (a number)"};
const ArgSyntax kLimitMax{Form::kNumber, &Op::limit_max, nullptr, nullptr, nullptr, "the hard limit (a number)"};
const ArgSyntax kAdvice{Form::kFlags, nullptr, &Op::advice, MadviseAdviceName, nullptr,
                        "madvise advice (MADV_DONTNEED, MADV_FREE, ... or a number)"};
const ArgSyntax kNewLen{Form::kNumber, &Op::new_len, nullptr, nullptr, nullptr, "a new length (a number)"};
const ArgSyntax kMremapFlags{Form::kFlags, nullptr, &Op::flags, MremapFlagsName, nullptr,
                             "mremap flags (MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0 or a number)"};
const ArgSyntax kNewAddr{Form::kArenaOffset, &Op::new_addr, nullptr, nullptr, nullptr, "a new address (arena+0xN)"};
// brk's target as an offset in bytes from the break the child started with.
const ArgSyntax kBrkOffset{Form::kNumber, &Op::brk_offset, nullptr, nullptr, nullptr,
                           "the break's offset from the initial break (a number)"};
// memory.reclaim's amount in bytes.
const ArgSyntax kReclaimBytes{Form::kNumber, &Op::reclaim_bytes, nullptr, nullptr, nullptr,
                              "the bytes to reclaim (a number)"};
// move_pages' target node, the same for every page.
const ArgSyntax kNode{Form::kNumber, &Op::node, nullptr, nullptr, nullptr, "a NUMA node (a number)"};
// vm.compact_unevictable_allowed for a compaction.
const ArgSyntax kUnevictableAllowed{Form::kNumber, &Op::unevictable_allowed, nullptr, nullptr, nullptr,
                                    "compact_unevictable_allowed (0 or 1)"};
}  // namespace arg

const std::vector<OpSyntax>& OpSyntaxTable() {
  using namespace arg;
  static const std::vector<OpSyntax> kTable = {
      {OpKind::kMmap, "mmap", {&kAddr, &kLen, &kProt, &kMmapFlags, &kFd, &kOffset}, "SYS_mmap", true},
      {OpKind::kMunmap, "munmap", {&kAddr, &kLen}, "SYS_munmap", true},
      {OpKind::kMprotect, "mprotect", {&kAddr, &kLen, &kProt}, "SYS_mprotect", true},
      {OpKind::kMlock, "mlock", {&kAddr, &kLen}, "SYS_mlock", true},
      {OpKind::kMlock2, "mlock2", {&kAddr, &kLen, &kMlock2Flags}, "SYS_mlock2", true},
      {OpKind::kMunlock, "munlock", {&kAddr, &kLen}, "SYS_munlock", true},
      {OpKind::kMlockall, "mlockall", {&kMlockallFlags}, "SYS_mlockall", true},
      {OpKind::kMunlockall, "munlockall", {}, "SYS_munlockall", true},
      {OpKind::kReadTouch, "read", {&kAddr}, "touch_read", false},
      {OpKind::kWriteTouch, "write", {&kAddr}, "touch_write", false},
      // capset() dropping CAP_IPC_LOCK; prlimit64(0, RLIMIT_MEMLOCK, {soft, hard}, NULL).
      {OpKind::kDropCapIpcLock, "capset", {}, "drop_cap_ipc_lock", false},
      {OpKind::kSetMemlockLimit, "prlimit64", {&kLimitCur, &kLimitMax}, "set_memlock_limit", false},
      {OpKind::kMmapFile, "mmap_file", {&kAddr, &kLen, &kProt, &kMmapFlags, &kFile, &kFileOffset}, "SYS_mmap", true},
      {OpKind::kFtruncate, "ftruncate", {&kFile, &kLen}, "SYS_ftruncate", true},
      {OpKind::kMadvise, "madvise", {&kAddr, &kLen, &kAdvice}, "SYS_madvise", true},
      {OpKind::kMremap, "mremap", {&kAddr, &kLen, &kNewLen, &kMremapFlags, &kNewAddr}, "SYS_mremap", true},
      // brk(initial break + offset); fork() whose child maps len bytes at the
      // address, observes itself and exits (the C helpers are in
      // suite/lib/repro_prelude.c).
      {OpKind::kBrk, "brk", {&kBrkOffset}, "brk_to", false},
      {OpKind::kFork, "fork", {&kAddr, &kLen}, "fork_and_probe", false},
      // A write of the amount to memory.reclaim of the child's own cgroup.
      {OpKind::kReclaim, "reclaim", {&kReclaimBytes}, "reclaim_memcg", false},
      // move_pages(0, ...) of every page of the range to the node, MPOL_MF_MOVE.
      {OpKind::kMovePages, "move_pages", {&kAddr, &kLen, &kNode}, "move_pages_to", false},
      // compact_unevictable_allowed, then compact_memory.
      {OpKind::kCompact, "compact", {&kUnevictableAllowed}, "compact_all", false},
      // migrate_pages(0, ...) of the whole process: every other node to the node.
      {OpKind::kMigratePages, "migrate_pages", {&kNode}, "migrate_pages_to", false},
  };
  return kTable;
}

const OpSyntax* OpSyntaxOf(OpKind kind) {
  for (const OpSyntax& s : OpSyntaxTable()) {
    if (s.kind == kind) return &s;
  }
  return nullptr;
}

std::string FormatCall(const Op& op, bool labelled) {
  const OpSyntax* syntax = OpSyntaxOf(op.kind);
  if (syntax == nullptr) return std::string("# no text form for ") + OpKindName(op.kind);
  std::string out;
  if (IsMmap(op.kind) && labelled && op.region >= 0) out += "r" + std::to_string(op.region) + " = ";
  out += syntax->name;
  out += '(';
  for (size_t i = 0; i < syntax->args.size(); ++i) {
    if (i > 0) out += ", ";
    const ArgSyntax& arg = *syntax->args[i];
    switch (arg.form) {
      case Form::kAddress: out += AddrText(op, labelled && !IsMmap(op.kind)); break;
      case Form::kNumber: out += HexString(op.*arg.number); break;
      case Form::kFlags: out += arg.names(op.*arg.bits); break;
      case Form::kLiteral: out += arg.literal; break;
      case Form::kArenaOffset: out += "arena+" + HexString(op.*arg.number); break;
    }
  }
  out += ')';
  return out;
}

std::vector<std::string> FormatCalls(const std::vector<Op>& ops) {
  std::vector<std::string> calls;
  calls.reserve(ops.size());
  std::set<int> defined;
  for (const Op& op : ops) {
    if (IsMmap(op.kind) && op.region >= 0) defined.insert(op.region);
    // A label whose mmap was shrunk away keeps its address: print it
    // arena-relative.
    calls.push_back(FormatCall(op, op.region >= 0 && defined.count(op.region) > 0));
  }
  return calls;
}

std::string FormatSequence(const std::vector<Op>& ops,
                           const std::vector<std::pair<std::string, std::string>>& header) {
  std::ostringstream os;
  for (const auto& [key, value] : header) os << "# " << key << ": " << value << "\n";
  for (const std::string& call : FormatCalls(ops)) os << call << "\n";
  return os.str();
}

bool ParseSequence(std::string_view text, const std::string& name, SequenceFile* out, std::string* error) {
  *out = SequenceFile{};
  RegionBases regions;
  int number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    const size_t hash = line.find('#');
    if (hash != std::string_view::npos) {
      std::string_view comment = line.substr(hash + 1);
      const size_t colon = comment.find(':');
      const std::string_view before = line.substr(0, hash);
      const bool blank_before = before.find_first_not_of(" \t\r") == std::string_view::npos;
      if (out->ops.empty() && blank_before && colon != std::string_view::npos) {
        auto trim = [](std::string_view s) {
          const size_t b = s.find_first_not_of(" \t\r");
          const size_t e = s.find_last_not_of(" \t\r");
          return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
        };
        const std::string key = trim(comment.substr(0, colon));
        if (!key.empty() && key.find(' ') == std::string::npos) out->header[key] = trim(comment.substr(colon + 1));
      }
      line = before;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Op op;
    if (!ParseCall(line, name + ":" + std::to_string(number), &regions, &op, error)) return false;
    out->ops.push_back(op);
    out->lines.push_back(number);
  }
  return true;
}

}  // namespace mlc
