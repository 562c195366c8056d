// The vocabulary of mlockcheck: one Op per generated call, and the outcome a
// call has. Pure values: generators build them, the oracle predicts them,
// runners execute them. Constants carry the Linux UAPI values (x86-64 /
// asm-generic) because this layer must not include <sys/mman.h>.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mlc {

// include/uapi/asm-generic/mman-common.h, include/uapi/linux/mman.h,
// arch/x86/include/uapi/asm/mman.h (via asm-generic/mman.h).
namespace uapi {
constexpr int kProtNone = 0x0;
constexpr int kProtRead = 0x1;
constexpr int kProtWrite = 0x2;
constexpr int kProtExec = 0x4;
constexpr int kMapShared = 0x01;
constexpr int kMapPrivate = 0x02;
constexpr int kMapFixed = 0x10;
constexpr int kMapAnonymous = 0x20;
constexpr int kMapLocked = 0x2000;
constexpr int kMapPopulate = 0x8000;
constexpr int kMapNonblock = 0x10000;
constexpr int kMapFixedNoreplace = 0x100000;
constexpr int kMapHugetlb = 0x40000;  // with MAP_HUGE_SHIFT bits 0: the default huge page size
constexpr int kMlockOnfault = 0x01;
constexpr int kMclCurrent = 1;  // asm-generic/mman.h; alpha/powerpc/sparc differ
constexpr int kMclFuture = 2;
constexpr int kMclOnfault = 4;
constexpr int kEperm = 1;
constexpr int kEnoent = 2;
constexpr int kEagain = 11;
constexpr int kEnomem = 12;
constexpr int kEfault = 14;
constexpr int kEexist = 17;
constexpr int kEinval = 22;
constexpr int kEnosys = 38;
constexpr int kEbusy = 16;
constexpr int kEacces = 13;
constexpr int kEnodev = 19;
constexpr int kMremapMaymove = 1;  // include/uapi/linux/mman.h
constexpr int kMremapFixed = 2;
constexpr int kMremapDontunmap = 4;
constexpr int kMsInvalidate = 2;  // asm-generic/mman-common.h
constexpr int kSigbus = 7;
constexpr int kSigsegv = 11;
// include/uapi/asm-generic/resource.h; RLIM_INFINITY is ~0UL on x86-64.
constexpr int kRlimitMemlock = 8;
constexpr uint64_t kRlimInfinity = ~uint64_t{0};
constexpr int kCapIpcLock = 14;       // include/uapi/linux/capability.h
constexpr int kCapSysResource = 24;
constexpr int kCapSysNice = 23;
// madvise(2) advice, include/uapi/asm-generic/mman-common.h.
constexpr int kMadvWillneed = 3;
constexpr int kMadvDontneed = 4;
constexpr int kMadvFree = 8;
constexpr int kMadvCold = 20;
constexpr int kMadvPageout = 21;
constexpr int kMadvPopulateRead = 22;
constexpr int kMadvPopulateWrite = 23;
constexpr int kMadvDontneedLocked = 24;
// include/uapi/linux/mempolicy.h
constexpr int kMpolMfMove = 1 << 1;
}  // namespace uapi

enum class OpKind : uint8_t {
  kMmap,
  kMunmap,
  kMprotect,
  kMlock,
  kMlock2,
  kMunlock,
  kMlockall,
  kMunlockall,
  kReadTouch,
  kWriteTouch,
  // Privileges and limits: capset(2) dropping CAP_IPC_LOCK from the
  // effective and permitted sets, and prlimit64(0, RLIMIT_MEMLOCK,
  // {limit_cur, limit_max}, NULL).
  kDropCapIpcLock,
  kSetMemlockLimit,
  kMmapFile,   // mmap of one of the executor's files (oracles/files.h) at a fixed address
  kFtruncate,  // ftruncate of one of those files
  kMadvise,    // madvise(addr, len, advice)
  // mremap(addr, len, new_len, flags, arena + new_addr), all five
  // arguments always passed (raw syscall).
  kMremap,
  // brk(initial break + brk_offset): the target's offset in bytes from the
  // break the child started with (0..kHeapPages pages, any byte amount), not
  // a delta, so every call means the same after shrinking removed others.
  kBrk,
  // fork(): the child maps `len` bytes at `addr` (MAP_FIXED_NOREPLACE,
  // private anonymous, read/write), observes its own view and exits; the
  // parent waits for it. Returns 0 once the child was reaped.
  kFork,
  // reclaim(bytes): writes the amount to memory.reclaim of the cgroup v2
  // group the child runs in alone (created by the executor; guests, or hosts
  // whose root cgroup delegates the memory controller). Returns 0 when the
  // write took it, -1 EAGAIN when less was reclaimed (mm/memcontrol.c
  // memory_reclaim()).
  kReclaim,
  // move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE) of every page of
  // [addr, addr + len) to `node`: the calling process, so no capability
  // (mm/migrate.c kernel_move_pages()). Returns 0, or the number of pages
  // not migrated; status[] (each page's node, or a negative errno) is
  // observed with the outcome.
  kMovePages,
  // compact(allowed): writes `allowed` (0 or 1) to
  // /proc/sys/vm/compact_unevictable_allowed, then 1 to
  // /proc/sys/vm/compact_memory (a machine the run has to itself only).
  // Returns 0; which arena pages changed their PFN is observed with it.
  kCompact,
  // migrate_pages(0, 65, old, new) with new = {node} and old = every other
  // node with memory: the calling process's whole address space
  // (mm/mempolicy.c kernel_migrate_pages()), MPOL_MF_MOVE_ALL with
  // CAP_SYS_NICE, else MPOL_MF_MOVE. Returns the number of folios not
  // migrated. Generated only on a machine the run has to itself: it moves
  // the child's pages outside the arena too.
  kMigratePages,
};
constexpr int kOpKindCount = 22;
// The heap the executor owns: brk targets stay within this many pages above
// the initial break (the model's second region, Model::heap()).
constexpr uint64_t kHeapPages = 64;
inline bool IsMmap(OpKind kind) { return kind == OpKind::kMmap || kind == OpKind::kMmapFile; }
const char* OpKindName(OpKind kind);

// Addresses are symbolic: offsets into the arena (printed "A+0x3000"), so a
// sequence means the same wherever the arena lies. `region`/`region_base` only
// label an address for printing ("r3+0x1001"), so a shrunk sequence still
// reads naturally when the mmap that created r3 was removed.
constexpr int kNoRegion = -1;
// `addr` is an absolute address outside the arena, used only for calls the
// kernel rejects before touching any VMA (wrap-around EINVAL).
constexpr int kAbsoluteAddr = -2;

// One call: each field is named for what it means to the kinds that use it
// (the others leave it at its default).
struct Op {
  OpKind kind = OpKind::kMunlockall;
  uint64_t addr = 0;  // arena offset, or absolute when region == kAbsoluteAddr; kFork: the child's mmap
  uint64_t len = 0;   // the range's length; kFtruncate: the file's new size; kMremap: old_len
  int prot = 0;   // mmap, mprotect
  int flags = 0;  // mmap, mlock2, mlockall, mremap flags
  int region = kNoRegion;
  uint64_t region_base = 0;  // arena offset of region `region`
  int file = -1;             // kMmapFile, kFtruncate: which file (oracles/files.h)
  uint64_t offset = 0;       // kMmapFile: file offset in bytes
  uint64_t new_len = 0;      // kMremap: new_len
  uint64_t new_addr = 0;     // kMremap: arena offset of new_address
  int advice = 0;            // kMadvise: MADV_*
  uint64_t brk_offset = 0;   // kBrk: the break's target above the initial break, bytes
  uint64_t limit_cur = 0;    // kSetMemlockLimit: RLIMIT_MEMLOCK's soft limit, bytes
  uint64_t limit_max = 0;    // ... and its hard one (uapi::kRlimInfinity: unlimited)
  uint64_t reclaim_bytes = 0;  // kReclaim: what memory.reclaim is asked to reclaim
  uint64_t node = 0;           // kMovePages, kMigratePages: the target NUMA node
  uint64_t unevictable_allowed = 0;  // kCompact: vm.compact_unevictable_allowed for it
};
Op SetMemlockLimitOp(uint64_t cur, uint64_t max);
Op DropCapIpcLockOp();
// Resolves region-relative addresses against the sequence itself: an address
// labelled rN means "this far from where the last mmap labelled rN was
// placed". Shrinking may move that mmap; the calls aimed at it move along,
// and a printed "r3+0x1001" stays true. Labels without a defining mmap in
// the sequence keep the address they were generated with.
std::vector<Op> ResolveRegions(const std::vector<Op>& ops);

inline uint64_t AbsoluteAddress(const Op& op, uint64_t arena_base) {
  return op.region == kAbsoluteAddr ? op.addr : arena_base + op.addr;
}
bool operator==(const Op& a, const Op& b);

// How a call ended: a syscall's return value and errno, or for a touch 0 and
// the signal it raised.
struct Outcome {
  int64_t ret = 0;
  int err = 0;
  int signal = 0;
  // Expected side only: the call may as well fail with this errno (ret -1),
  // where the documented answer is a range (memory.reclaim's EAGAIN).
  // Not part of ==; OutcomeAllows() honours it.
  int or_err = 0;
  // Expected side only: a successful return value (ret >= 0) may as well
  // be any of ret + 1 .. ret_max (move_pages(2): "the number of
  // nonmigrated pages"); 0 = no range.
  int64_t ret_max = 0;
};
inline bool operator==(const Outcome& a, const Outcome& b) {
  return a.ret == b.ret && a.err == b.err && a.signal == b.signal;
}
inline bool operator!=(const Outcome& a, const Outcome& b) { return !(a == b); }
// Whether `observed` is an outcome `expected` allows: equal, or the
// failure its or_err names.
inline bool OutcomeAllows(const Outcome& expected, const Outcome& observed) {
  return expected == observed ||
         (expected.ret >= 0 && expected.ret_max > expected.ret && observed.err == 0 && observed.signal == 0 &&
          observed.ret >= expected.ret && observed.ret <= expected.ret_max) ||
         (expected.or_err != 0 && observed.ret == -1 && observed.err == expected.or_err && observed.signal == 0);
}

std::string HexString(uint64_t value);  // "0x1000"
std::string ErrnoName(int err);
std::string ProtName(int prot);
std::string MmapFlagsName(int flags);
std::string Mlock2FlagsName(int flags);
std::string MlockallFlagsName(int flags);
std::string MadviseAdviceName(int advice);  // "MADV_DONTNEED", or the number
std::string MremapFlagsName(int flags);
// Calls whose return value is an address (printed arena-relative).
inline bool ReturnsAddress(OpKind kind) { return IsMmap(kind) || kind == OpKind::kMremap; }
std::string OutcomeString(const Outcome& outcome, const Op& op, uint64_t arena_base);

// Prints the call, e.g. "mlock2(r3+0x1001, 0x2000, MLOCK_ONFAULT)".
void ShowOp(const Op& op, std::ostream& os);
std::string OpString(const Op& op);
std::ostream& operator<<(std::ostream& os, const Op& op);

}  // namespace mlc
