#include "oracles/op.h"

#include "oracles/files.h"

#include <map>
#include <sstream>

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

std::string AddrString(const Op& op) {
  if (op.region == kAbsoluteAddr) return HexString(op.addr);
  if (op.region < 0) return "A+" + HexString(op.addr);
  const int64_t delta = static_cast<int64_t>(op.addr - op.region_base);
  std::string out = "r" + std::to_string(op.region);
  if (delta > 0) out += "+" + HexString(static_cast<uint64_t>(delta));
  if (delta < 0) out += "-" + HexString(static_cast<uint64_t>(-delta));
  return out;
}

std::string LimitString(uint64_t bytes) {
  return bytes == uapi::kRlimInfinity ? "RLIM_INFINITY" : HexString(bytes);
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
  }
  return "?";
}

bool operator==(const Op& a, const Op& b) {
  return a.kind == b.kind && a.addr == b.addr && a.len == b.len && a.prot == b.prot &&
         a.flags == b.flags && a.region == b.region && a.region_base == b.region_base &&
         a.file == b.file && a.offset == b.offset && a.new_len == b.new_len && a.new_addr == b.new_addr;
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
  if (ReturnsAddress(op.kind)) {
    const uint64_t addr = static_cast<uint64_t>(outcome.ret);
    return addr >= arena_base ? "A+" + HexString(addr - arena_base) : HexString(addr);
  }
  if (op.kind == OpKind::kBrk) return HexString(static_cast<uint64_t>(outcome.ret));
  return std::to_string(outcome.ret);
}

void ShowOp(const Op& op, std::ostream& os) {
  switch (op.kind) {
    case OpKind::kMmap:
      if (op.region >= 0) os << "r" << op.region << " = ";
      os << "mmap(A+" << HexString(op.addr) << ", " << HexString(op.len) << ", " << ProtName(op.prot) << ", " << MmapFlagsName(op.flags)
         << ", -1, 0)";
      return;
    case OpKind::kMunmap:
    case OpKind::kMlock:
    case OpKind::kMunlock:
      os << OpKindName(op.kind) << "(" << AddrString(op) << ", " << HexString(op.len) << ")";
      return;
    case OpKind::kMprotect:
      os << "mprotect(" << AddrString(op) << ", " << HexString(op.len) << ", " << ProtName(op.prot) << ")";
      return;
    case OpKind::kMlock2:
      os << "mlock2(" << AddrString(op) << ", " << HexString(op.len) << ", " << Mlock2FlagsName(op.flags)
         << ")";
      return;
    case OpKind::kMlockall:
      os << "mlockall(" << MlockallFlagsName(op.flags) << ")";
      return;
    case OpKind::kMunlockall:
      os << "munlockall()";
      return;
    case OpKind::kReadTouch:
      os << "read(" << AddrString(op) << ")";
      return;
    case OpKind::kWriteTouch:
      os << "write(" << AddrString(op) << ")";
      return;
    case OpKind::kDropCapIpcLock:
      os << "capset(effective, permitted -= CAP_IPC_LOCK)";
      return;
    case OpKind::kSetMemlockLimit:
      os << "prlimit64(0, RLIMIT_MEMLOCK, {cur=" << LimitString(op.len) << ", max=" << LimitString(op.addr)
         << "}, NULL)";
      return;
    case OpKind::kMmapFile:
      if (op.region >= 0) os << "r" << op.region << " = ";
      os << "mmap(A+" << HexString(op.addr) << ", " << HexString(op.len) << ", " << ProtName(op.prot) << ", "
         << MmapFlagsName(op.flags) << ", " << FileName(op.file) << ", " << HexString(op.offset) << ")";
      return;
    case OpKind::kFtruncate:
      os << "ftruncate(" << FileName(op.file) << ", " << HexString(op.len) << ")";
      return;
    case OpKind::kMadvise:
      os << "madvise(" << AddrString(op) << ", " << HexString(op.len) << ", " << MadviseAdviceName(op.flags) << ")";
      return;
    case OpKind::kMremap:
      os << "mremap(" << AddrString(op) << ", " << HexString(op.len) << ", " << HexString(op.new_len) << ", "
         << MremapFlagsName(op.flags) << ", A+" << HexString(op.new_addr) << ")";
      return;
    case OpKind::kBrk:
      os << "brk(B+" << HexString(op.len) << ")";
      return;
    case OpKind::kFork:
      os << "fork() child: mmap(" << AddrString(op) << ", " << HexString(op.len) << ")";
      return;
  }
}

Op SetMemlockLimitOp(uint64_t cur, uint64_t max) {
  Op op;
  op.kind = OpKind::kSetMemlockLimit;
  op.len = cur;
  op.addr = max;
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
