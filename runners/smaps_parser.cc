#include "runners/smaps_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "oracles/vm_flags.h"

namespace mlc {
namespace {

constexpr uint64_t kMaxU64 = ~uint64_t{0};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Character classes by table lookup: the key scan below runs on every line,
// and a load is cheaper than a chain of range compares.
constexpr uint8_t kKeyChar = 0x10;  // May appear in a "Key:" name.
constexpr uint8_t kHexChar = 0x20;  // Low nibble holds the digit's value.

struct CharClassTable {
  uint8_t bits[256] = {};
  constexpr CharClassTable() {
    // Every key fs/proc/task_mmu.c (smaps) and fs/proc/array.c (status) print
    // is made of these ("Shared_Hugetlb", "Pss_Dirty", "VmLck").
    for (int c = 'A'; c <= 'Z'; ++c) bits[c] |= kKeyChar;
    for (int c = 'a'; c <= 'z'; ++c) bits[c] |= kKeyChar;
    for (int c = '0'; c <= '9'; ++c) bits[c] |= kKeyChar;
    bits[static_cast<int>('_')] |= kKeyChar;
    for (int c = '0'; c <= '9'; ++c)
      bits[c] |= static_cast<uint8_t>(kHexChar | (c - '0'));
    for (int c = 'a'; c <= 'f'; ++c)
      bits[c] |= static_cast<uint8_t>(kHexChar | (c - 'a' + 10));
    for (int c = 'A'; c <= 'F'; ++c)
      bits[c] |= static_cast<uint8_t>(kHexChar | (c - 'A' + 10));
  }
};
constexpr CharClassTable kCharClass;

uint8_t CharClass(char c) {
  return kCharClass.bits[static_cast<unsigned char>(c)];
}

// Reads one or more hex digits at line[*i]. Fails on none or on overflow.
bool ParseHex(std::string_view line, size_t* i, uint64_t* out) {
  size_t j = *i;
  uint64_t value = 0;
  while (j < line.size()) {
    const uint8_t c = CharClass(line[j]);
    if ((c & kHexChar) == 0) break;
    if ((value >> 60) != 0) return false;
    value = (value << 4) | (c & 0xf);
    ++j;
  }
  if (j == *i) return false;
  *i = j;
  *out = value;
  return true;
}

// Reads one or more decimal digits at text[*i]. Fails on none or on overflow.
bool ParseDecimal(std::string_view text, size_t* i, uint64_t* out) {
  size_t j = *i;
  uint64_t value = 0;
  while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
    const uint64_t digit = static_cast<uint64_t>(text[j] - '0');
    if (value > (kMaxU64 - digit) / 10) return false;
    value = value * 10 + digit;
    ++j;
  }
  if (j == *i) return false;
  *i = j;
  *out = value;
  return true;
}

bool Consume(std::string_view line, size_t* i, char c) {
  if (*i >= line.size() || line[*i] != c) return false;
  ++*i;
  return true;
}

// Parses "<spaces>1234 kB<spaces>" as printed by SEQ_PUT_DEC() in
// fs/proc/task_mmu.c and by "%8lu kB" in task_mem(). The unit is required:
// a count without it is not something the kernel writes.
std::optional<uint64_t> ParseKbValue(std::string_view value) {
  size_t i = 0;
  while (i < value.size() && IsBlank(value[i])) ++i;
  uint64_t kb = 0;
  if (!ParseDecimal(value, &i, &kb)) return std::nullopt;
  while (i < value.size() && IsBlank(value[i])) ++i;
  if (!Consume(value, &i, 'k') || !Consume(value, &i, 'B')) {
    return std::nullopt;
  }
  while (i < value.size() && IsBlank(value[i])) ++i;
  if (i != value.size()) return std::nullopt;
  return kb;
}

// Parses a header line as written by show_vma_header_prefix() in
// fs/proc/task_mmu.c: "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", then,
// for named VMAs, padding to a fixed column and the name. Nameless VMAs end
// in the trailing space (or nothing, on older kernels).
bool ParseHeader(std::string_view line, SmapsVma* vma) {
  size_t i = 0;
  uint64_t ignored = 0;
  if (!ParseHex(line, &i, &vma->start) || !Consume(line, &i, '-') ||
      !ParseHex(line, &i, &vma->end) || !Consume(line, &i, ' ')) {
    return false;
  }
  // The kernel never shows an empty or inverted VMA; treating one as data
  // would hide a misparse.
  if (vma->end <= vma->start) return false;

  if (line.size() - i < 4) return false;
  const char r = line[i], w = line[i + 1], x = line[i + 2], s = line[i + 3];
  if ((r != 'r' && r != '-') || (w != 'w' && w != '-') ||
      (x != 'x' && x != '-') || (s != 's' && s != 'p')) {
    return false;
  }
  vma->read = r == 'r';
  vma->write = w == 'w';
  vma->exec = x == 'x';
  vma->shared = s == 's';
  i += 4;

  // Offset, "major:minor" device, inode: checked for shape, not kept.
  if (!Consume(line, &i, ' ') || !ParseHex(line, &i, &ignored) ||
      !Consume(line, &i, ' ') || !ParseHex(line, &i, &ignored) ||
      !Consume(line, &i, ':') || !ParseHex(line, &i, &ignored) ||
      !Consume(line, &i, ' ') || !ParseDecimal(line, &i, &ignored)) {
    return false;
  }
  if (i == line.size()) return true;
  if (line[i] != ' ') return false;
  while (i < line.size() && line[i] == ' ') ++i;
  // Everything after the padding is the name, spaces included: the kernel
  // appends " (deleted)" to unlinked files and escapes only '\n' in paths.
  vma->name = std::string_view(line.data() + i, line.size() - i);
  return true;
}

constexpr uint32_t Pair(char a, char b) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(a)) << 8) |
         static_cast<unsigned char>(b);
}

// Two-letter mnemonics from show_smap_vma_flags() in fs/proc/task_mmu.c.
uint32_t MnemonicBit(char a, char b, const SmapsDialect& dialect) {
  switch (Pair(a, b)) {
    case Pair('r', 'd'):
      return kVmRead;
    case Pair('w', 'r'):
      return kVmWrite;
    case Pair('e', 'x'):
      return kVmExec;
    case Pair('s', 'h'):
      return kVmShared;
    case Pair('l', 'o'):
      return kVmLocked;
    case Pair('l', 'f'):
      return kVmLockOnFault;
    case Pair('i', 'o'):
      return kVmIo;
    case Pair('p', 'f'):
      return kVmPfnMap;
    case Pair('d', 'e'):
      return kVmDontExpand;
    case Pair('m', 'm'):
      return kVmMixedMap;
    case Pair('h', 't'):
      return kVmHugetlb;
    case Pair('s', 'd'):
      return kVmSoftDirty;
    case Pair('n', 'h'):
      return kVmNoHugePage;
    case Pair('h', 'g'):
      return kVmHugePage;
    case Pair('d', 'p'):
      return kVmDroppable;
    // "??" is the table's default for any set bit without a mnemonic. Before
    // v6.2 that included VM_LOCKONFAULT (commit 8614d6c5eda0 added "lf"); on
    // later kernels it means some bit we cannot name.
    case Pair('?', '?'):
      return dialect.question_marks_mean_lock_on_fault ? kVmLockOnFault
                                                       : kVmUnknown;
    default:
      return 0;
  }
}

}  // namespace

uint32_t ParseVmFlags(std::string_view value,
                      const SmapsDialect& dialect) noexcept {
  uint32_t flags = 0;
  size_t i = 0;
  const size_t n = value.size();
  while (i < n) {
    while (i < n && IsBlank(value[i])) ++i;
    const size_t token = i;
    while (i < n && !IsBlank(value[i])) ++i;
    // The kernel's table is char[][2], so every mnemonic is exactly two
    // characters; any other token cannot be one we know.
    if (i - token == 2) {
      flags |= MnemonicBit(value[token], value[token + 1], dialect);
    }
  }
  return flags;
}

namespace {

// The value after "<field>:" on its line, or nullopt.
std::optional<std::string_view> StatusValue(std::string_view text, std::string_view field) noexcept {
  if (field.empty()) return std::nullopt;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    // Match the whole key so "VmLck" does not pick up a "VmLckFoo:" line.
    if (line.size() > field.size() && line[field.size()] == ':' &&
        std::string_view(line.data(), field.size()) == field) {
      return line.substr(field.size() + 1);
    }
  }
  return std::nullopt;
}

// A "<field>:   1234" count without a unit, 0 if absent or malformed.
uint64_t StatusCount(std::string_view text, std::string_view field) noexcept {
  const std::optional<std::string_view> value = StatusValue(text, field);
  if (!value) return 0;
  size_t i = 0;
  while (i < value->size() && IsBlank((*value)[i])) ++i;
  uint64_t count = 0;
  return ParseDecimal(*value, &i, &count) ? count : 0;
}

}  // namespace

std::optional<uint64_t> ParseStatusKb(std::string_view status_text,
                                      std::string_view field) noexcept {
  const std::optional<std::string_view> value = StatusValue(status_text, field);
  return value ? ParseKbValue(*value) : std::nullopt;
}

std::optional<uint64_t> ParseVmstatCount(std::string_view vmstat_text, std::string_view name) noexcept {
  size_t pos = 0;
  while (!name.empty() && pos < vmstat_text.size()) {
    size_t end = vmstat_text.find('\n', pos);
    if (end == std::string_view::npos) end = vmstat_text.size();
    const std::string_view line(vmstat_text.data() + pos, end - pos);
    pos = end + 1;
    if (line.size() > name.size() && line[name.size()] == ' ' && line.substr(0, name.size()) == name) {
      size_t i = name.size() + 1;
      uint64_t count = 0;
      if (ParseDecimal(line, &i, &count) && i == line.size()) return count;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

HugetlbPool ParseHugetlbMeminfo(std::string_view meminfo_text) noexcept {
  HugetlbPool pool;
  pool.page_size = ParseStatusKb(meminfo_text, "Hugepagesize").value_or(0) * 1024;
  pool.free = StatusCount(meminfo_text, "HugePages_Free");
  pool.reserved = StatusCount(meminfo_text, "HugePages_Rsvd");
  return pool;
}

namespace smaps_internal {

bool SmapsCursor::ApplyField(std::string_view key,
                             std::string_view value) noexcept {
  // Dispatch on length first: all but three keys are skipped, and this is
  // the per-line hot path.
  switch (key.size()) {
    case 3:
      if (key == "Rss") {
        const std::optional<uint64_t> kb = ParseKbValue(value);
        if (!kb) return false;
        pending_.rss_kb = *kb;
      }
      break;
    case 6:
      if (key == "Locked") {
        const std::optional<uint64_t> kb = ParseKbValue(value);
        if (!kb) return false;
        pending_.locked_kb = *kb;
      }
      break;
    case 7:
      // Real kernels print VmFlags last in the block, but nothing here
      // depends on that: the block ends only at the next header.
      if (key == "VmFlags") {
        pending_.vm_flags = ParseVmFlags(value, dialect_);
        pending_.has_vm_flags = true;
      }
      break;
    case 13:
      if (key == "AnonHugePages") {
        const std::optional<uint64_t> kb = ParseKbValue(value);
        if (!kb) return false;
        pending_.anon_huge_kb = *kb;
      }
      break;
    case 14:
    case 15:
      if (key == "Shared_Hugetlb" || key == "Private_Hugetlb") {
        const std::optional<uint64_t> kb = ParseKbValue(value);
        if (!kb) return false;
        pending_.hugetlb_kb += *kb;
      }
      break;
    default:
      break;
  }
  return true;
}

SmapsCursor::Step SmapsCursor::Next(SmapsVma* vma) noexcept {
  const size_t size = text_.size();
  while (pos_ < size) {
    const size_t line_start = pos_;
    size_t line_end = text_.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = size;
    pos_ = line_end < size ? line_end + 1 : size;
    const std::string_view line(text_.data() + line_start,
                                line_end - line_start);

    // "Key:" lines are told apart from headers by the ':' after the key;
    // anything else must be a well-formed header (the kernel writes no blank
    // or free-form lines into smaps).
    size_t key_len = 0;
    while (key_len < line.size() && (CharClass(line[key_len]) & kKeyChar)) {
      ++key_len;
    }
    if (key_len > 0 && key_len < line.size() && line[key_len] == ':') {
      const std::string_view key(line.data(), key_len);
      const std::string_view value(line.data() + key_len + 1,
                                   line.size() - key_len - 1);
      // A field before the first header belongs to no VMA.
      if (has_pending_ && ApplyField(key, value)) continue;
      return Fail(line_start);
    }

    SmapsVma header;
    if (!ParseHeader(line, &header)) return Fail(line_start);
    if (has_pending_) {
      *vma = pending_;
      pending_ = header;
      return Step::kVma;
    }
    pending_ = header;
    has_pending_ = true;
  }
  if (has_pending_) {
    has_pending_ = false;
    *vma = pending_;
    return Step::kVma;
  }
  return Step::kEnd;
}

SmapsCursor::Step SmapsCursor::Fail(size_t line_start) noexcept {
  // Sticky: drop the VMA still open and make every later Next() return kEnd.
  error_offset_ = line_start;
  pos_ = text_.size();
  has_pending_ = false;
  return Step::kError;
}

}  // namespace smaps_internal
bool IsInitialUserNamespace(const char* uid_map, const char* setgroups) {
  if (uid_map == nullptr) return true;
  unsigned long inside = 1, outside = 1, count = 0;
  if (std::sscanf(uid_map, "%lu %lu %lu", &inside, &outside, &count) != 3) return false;
  if (inside != 0 || outside != 0 || count != 4294967295ul) return false;
  return setgroups == nullptr || std::strncmp(setgroups, "allow", 5) == 0;
}

}  // namespace mlc
