#include "oracles/op.h"

#include <map>
#include <sstream>

#include "oracles/files.h"
#include "oracles/sequence_text.h"

namespace mlc {
namespace {

// Joins the names of the known bits of `flags`; unknown bits are printed in hex.
template <size_t N>
std::string BitNames(int flags, const std::pair<int, const char*> (&names)[N], const char* zero) {
  if (flags == 0) return zero;
  std::string out;
  unsigned rest = static_cast<unsigned>(flags);
  for (const auto& [bit, name] : names) {
    if (rest & static_cast<unsigned>(bit)) {
      if (!out.empty()) out += '|';
      out += name;
      rest &= ~static_cast<unsigned>(bit);
    }
  }
  if (rest != 0) {
    if (!out.empty()) out += '|';
    out += HexString(rest);
  }
  return out;
}

}  // namespace

std::string HexString(uint64_t value) {
  std::ostringstream os;
  os << "0x" << std::hex << value;
  return os.str();
}

const char* OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kMmap: return "mmap";
    case OpKind::kMunmap: return "munmap";
    case OpKind::kMprotect: return "mprotect";
    case OpKind::kMlock: return "mlock";
    case OpKind::kMlock2: return "mlock2";
    case OpKind::kMunlock: return "munlock";
    case OpKind::kMlockall: return "mlockall";
    case OpKind::kMunlockall: return "munlockall";
    case OpKind::kReadTouch: return "read";
    case OpKind::kWriteTouch: return "write";
    case OpKind::kDropCapIpcLock: return "capset";
    case OpKind::kSetMemlockLimit: return "prlimit64";
    case OpKind::kMmapFile: return "mmap_file";
    case OpKind::kFtruncate: return "ftruncate";
    case OpKind::kMadvise: return "madvise";
    case OpKind::kMremap: return "mremap";
    case OpKind::kBrk: return "brk";
    case OpKind::kFork: return "fork";
    case OpKind::kReclaim: return "reclaim";
    case OpKind::kMovePages: return "move_pages";
    case OpKind::kCompact: return "compact";
    case OpKind::kMigratePages: return "migrate_pages";
  }
  return "?";
}

bool operator==(const Op& a, const Op& b) {
  return a.kind == b.kind && a.addr == b.addr && a.len == b.len && a.prot == b.prot &&
         a.flags == b.flags && a.region == b.region && a.region_base == b.region_base &&
         a.file == b.file && a.offset == b.offset && a.new_len == b.new_len && a.new_addr == b.new_addr &&
         a.advice == b.advice && a.brk_offset == b.brk_offset && a.limit_cur == b.limit_cur &&
         a.limit_max == b.limit_max && a.reclaim_bytes == b.reclaim_bytes && a.node == b.node &&
         a.unevictable_allowed == b.unevictable_allowed;
}

std::string ErrnoName(int err) {
  switch (err) {
    case 0: return "0";
    case uapi::kEperm: return "EPERM";
    case uapi::kEnoent: return "ENOENT";
    case uapi::kEagain: return "EAGAIN";
    case uapi::kEnomem: return "ENOMEM";
    case uapi::kEfault: return "EFAULT";
    case uapi::kEexist: return "EEXIST";
    case uapi::kEinval: return "EINVAL";
    case uapi::kEnosys: return "ENOSYS";
    case uapi::kEacces: return "EACCES";
    case uapi::kEnodev: return "ENODEV";
    case uapi::kEbusy: return "EBUSY";
    default: return "errno " + std::to_string(err);
  }
}

std::string ProtName(int prot) {
  static const std::pair<int, const char*> kNames[] = {
      {uapi::kProtRead, "PROT_READ"}, {uapi::kProtWrite, "PROT_WRITE"}, {uapi::kProtExec, "PROT_EXEC"}};
  return BitNames(prot, kNames, "PROT_NONE");
}

std::string MmapFlagsName(int flags) {
  static const std::pair<int, const char*> kNames[] = {
      {uapi::kMapShared, "MAP_SHARED"},       {uapi::kMapPrivate, "MAP_PRIVATE"},
      {uapi::kMapAnonymous, "MAP_ANONYMOUS"}, {uapi::kMapFixed, "MAP_FIXED"},
      {uapi::kMapFixedNoreplace, "MAP_FIXED_NOREPLACE"},
      {uapi::kMapLocked, "MAP_LOCKED"},       {uapi::kMapPopulate, "MAP_POPULATE"},
      {uapi::kMapNonblock, "MAP_NONBLOCK"},   {uapi::kMapHugetlb, "MAP_HUGETLB"}};
  return BitNames(flags, kNames, "0");
}

std::string Mlock2FlagsName(int flags) {
  static const std::pair<int, const char*> kNames[] = {{uapi::kMlockOnfault, "MLOCK_ONFAULT"}};
  return BitNames(flags, kNames, "0");
}

std::string MlockallFlagsName(int flags) {
  static const std::pair<int, const char*> kNames[] = {{uapi::kMclCurrent, "MCL_CURRENT"},
                                                       {uapi::kMclFuture, "MCL_FUTURE"},
                                                       {uapi::kMclOnfault, "MCL_ONFAULT"}};
  return BitNames(flags, kNames, "0");
}

// Advice values are not bits: a name for each known value, else the number.
std::string MadviseAdviceName(int advice) {
  switch (advice) {
    case uapi::kMadvWillneed: return "MADV_WILLNEED";
    case uapi::kMadvDontneed: return "MADV_DONTNEED";
    case uapi::kMadvFree: return "MADV_FREE";
    case uapi::kMadvCold: return "MADV_COLD";
    case uapi::kMadvPageout: return "MADV_PAGEOUT";
    case uapi::kMadvPopulateRead: return "MADV_POPULATE_READ";
    case uapi::kMadvPopulateWrite: return "MADV_POPULATE_WRITE";
    case uapi::kMadvDontneedLocked: return "MADV_DONTNEED_LOCKED";
  }
  return HexString(static_cast<uint64_t>(static_cast<uint32_t>(advice)));
}

std::string MremapFlagsName(int flags) {
  static const std::pair<int, const char*> kNames[] = {{uapi::kMremapMaymove, "MREMAP_MAYMOVE"},
                                                       {uapi::kMremapFixed, "MREMAP_FIXED"},
                                                       {uapi::kMremapDontunmap, "MREMAP_DONTUNMAP"}};
  return BitNames(flags, kNames, "0");
}

std::string OutcomeString(const Outcome& outcome, const Op& op, uint64_t arena_base) {
  if (outcome.signal != 0) {
    return outcome.signal == uapi::kSigsegv ? "SIGSEGV"
           : outcome.signal == uapi::kSigbus ? "SIGBUS"
                                              : "signal " + std::to_string(outcome.signal);
  }
  if (outcome.ret == -1) return "-1 " + ErrnoName(outcome.err);
  if (outcome.ret >= 0 && outcome.ret_max > outcome.ret) return std::to_string(outcome.ret) + " to " + std::to_string(outcome.ret_max);
  if (outcome.or_err != 0) return std::to_string(outcome.ret) + " or -1 " + ErrnoName(outcome.or_err);
  if (ReturnsAddress(op.kind)) {
    const uint64_t addr = static_cast<uint64_t>(outcome.ret);
    return addr >= arena_base ? "A+" + HexString(addr - arena_base) : HexString(addr);
  }
  if (op.kind == OpKind::kBrk) return HexString(static_cast<uint64_t>(outcome.ret));
  return std::to_string(outcome.ret);
}

// One printer for calls, the sequence file's (oracles/sequence_text.h):
// whatever prints a call prints text that replays. A call printed alone has
// no earlier mmap to label it by, so its address is arena-relative.
void ShowOp(const Op& op, std::ostream& os) { os << FormatCall(op, /*labelled=*/false); }

Op SetMemlockLimitOp(uint64_t cur, uint64_t max) {
  Op op;
  op.kind = OpKind::kSetMemlockLimit;
  op.limit_cur = cur;
  op.limit_max = max;
  return op;
}

Op DropCapIpcLockOp() {
  Op op;
  op.kind = OpKind::kDropCapIpcLock;
  return op;
}

std::vector<Op> ResolveRegions(const std::vector<Op>& ops) {
  std::map<int, uint64_t> bases;
  std::vector<Op> out = ops;
  for (Op& op : out) {
    if (op.region < 0) continue;
    if (IsMmap(op.kind)) {
      bases[op.region] = op.addr;
      op.region_base = op.addr;
      continue;
    }
    const auto it = bases.find(op.region);
    if (it == bases.end()) continue;
    op.addr = it->second + (op.addr - op.region_base);
    op.region_base = it->second;
  }
  return out;
}

std::string OpString(const Op& op) {
  std::ostringstream os;
  ShowOp(op, os);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Op& op) {
  ShowOp(op, os);
  return os;
}

}  // namespace mlc
