// mlockcheck-executor: the fork server that runs generated sequences.
//
// Started once by the runner (runners/executor.cc) with the pipes of
// runners/wire.h on fds 3-6. It is a small static binary so that the address
// space outside the arena is small and known: it measures that space once,
// maps nothing after the measurement, and serves every sequence with a fresh
// child. One child always waits, already prepared (its /proc files open, the
// seccomp allow-list installed), reading the request pipe; it runs the
// sequence it reads, and after every step reads smaps, mincore and status
// into buffers allocated before the fork, so no allocation ever happens
// between acting and observing. The runner tells this process when the
// waiting child took a request; it then forks the next one.
#include <alloca.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "oracles/files.h"
#include "oracles/kernel_profile.h"
#include "oracles/observation.h"
#include "runners/arena_guard.h"
#include "runners/raw_syscalls.h"
#include "runners/seccomp_policy.h"
#include "runners/smaps_parser.h"
#include "runners/wire.h"

namespace mlc {
namespace {

using wire::kControlFd;
using wire::kRecordFd;
using wire::kRequestFd;
using wire::kTakenFd;
constexpr size_t kMaxFilter = 512;
constexpr size_t kStackReserve = 256 * 1024;

// Child exit codes (the runner reads the record stream first; these only
// matter when a record could not be written).
constexpr int kExitOk = 0;
constexpr int kExitChildError = 3;
constexpr int kExitSeccomp = 5;
constexpr int kExitNoRequest = 6;  // the runner closed the request pipe

// Children that took a request and have not been reaped yet, and children
// reaped before the runner's word that they took one arrived.
class RunningChildren {
 public:
  void NoteEarlyExit(pid_t pid, int status) {
    early_pid_[early_next_ % kMaxEarly] = pid;
    early_status_[early_next_ % kMaxEarly] = status;
    ++early_next_;
  }
  // The status of `pid` if it was reaped early, forgotten.
  bool TakeEarlyExit(pid_t pid, int* status) {
    for (size_t i = 0; i < kMaxEarly; ++i) {
      if (early_pid_[i] == pid) {
        early_pid_[i] = 0;
        *status = early_status_[i];
        return true;
      }
    }
    return false;
  }
  bool Add(pid_t pid, uint32_t run) {
    if (count_ == kMax) return false;
    pids_[count_] = pid;
    runs_[count_] = run;
    ++count_;
    return true;
  }
  // The run of `pid`, forgotten; 0 for a child that never took one.
  uint32_t Take(pid_t pid) {
    for (size_t i = 0; i < count_; ++i) {
      if (pids_[i] != pid) continue;
      const uint32_t run = runs_[i];
      --count_;
      pids_[i] = pids_[count_];
      runs_[i] = runs_[count_];
      return run;
    }
    return 0;
  }

 private:
  static constexpr size_t kMax = 64;
  static constexpr size_t kMaxEarly = 16;
  pid_t pids_[kMax];
  uint32_t runs_[kMax];
  size_t count_ = 0;
  pid_t early_pid_[kMaxEarly] = {};
  int early_status_[kMaxEarly] = {};
  size_t early_next_ = 0;
};

struct Config {
  uint64_t arena_base = 0x100000000000;
  uint64_t arena_pages = 4096;
  uint64_t max_steps = 64;
  bool mlock2_enosys = false;
  bool thp = false;  // --thp: THP allowed, private anonymous mmaps MADV_HUGEPAGE
};

// Everything below is set up before the first fork and never reallocated.
Config g_config;
uint64_t g_page_size = 4096;
uint64_t g_huge_page_size = 0;  // /proc/meminfo Hugepagesize in bytes (0: no hugetlbfs)
SmapsDialect g_dialect;
sock_filter g_filter[kMaxFilter];
sock_fprog g_program;
char* g_smaps_buf = nullptr;
size_t g_smaps_cap = 0;
char* g_status_buf = nullptr;
constexpr size_t kStatusCap = 8192;
unsigned char* g_mincore = nullptr;
char* g_record = nullptr;
size_t g_record_cap = 0;
wire::WireOp* g_ops = nullptr;
int g_smaps_fd = -1;
int g_status_fd = -1;
raw::CapSets g_caps{};  // read before the filter, for capset()
// Page flags: /proc/kpageflags opened by the server (children inherit it),
// each child's own /proc/self/pagemap, and their buffers.
bool g_page_flags = false;
bool g_has_secretmem = false;
bool g_has_tmpfile = false;
int g_kpageflags_fd = -1;
int g_pagemap_fd = -1;
uint64_t* g_pagemap = nullptr;  // one entry per arena page
struct PfnPage {
  uint64_t pfn;
  uint64_t page;
};
PfnPage* g_pfns = nullptr;      // present arena pages by PFN
constexpr size_t kKpfBatch = 512;  // PFNs read by one pread of /proc/kpageflags
uint64_t* g_kpf = nullptr;
int g_pid = 0;
// The heap region (OpKind::kBrk): every child's initial break, and the
// VMAs found there by the last observation.
uint64_t g_heap_base = 0;
wire::WireVma g_heap_vmas[kHeapPages];

// Touch faults: the handler jumps back into ExecuteTouch().
sigjmp_buf g_touch_jump;
volatile sig_atomic_t g_in_touch = 0;
volatile sig_atomic_t g_touch_signal = 0;
volatile uint32_t g_step = 0;
volatile uintptr_t g_null_address = 0;  // volatile: the compiler must not see a NULL store
uint32_t g_run = 0;  // the request a child serves
const char* g_setup_error = nullptr;  // reported once the child knows its run
int g_setup_errno = 0;

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const long n = raw::Write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void CopyMessage(char* dst, const char* src) {
  std::strncpy(dst, src, wire::kMaxMessage - 1);
  dst[wire::kMaxMessage - 1] = '\0';
}

[[noreturn]] void ChildFail(const char* message, int err) {
  wire::ChildErrorRecord r{};
  r.header = {wire::RecordType::kChildError, sizeof r, g_run, g_pid};
  r.step = g_step;
  r.err = err;
  CopyMessage(r.message, message);
  WriteAll(kRecordFd, &r, sizeof r);
  raw::ExitGroup(kExitChildError);
}

// SIGSYS from the seccomp filter (SCMP_ACT_TRAP): report the call and die.
void OnSeccompTrap(int, siginfo_t* info, void*) {
  wire::SeccompRecord r{};
  r.header = {wire::RecordType::kSeccomp, sizeof r, g_run, g_pid};
  r.syscall_nr = info->si_syscall;
  r.step = g_step;
  WriteAll(kRecordFd, &r, sizeof r);
  raw::ExitGroup(kExitSeccomp);
}

// SIGSEGV/SIGBUS. Installed one-shot (SA_RESETHAND): outside a touch the
// handler returns, the access repeats under the default action, and the
// runner sees a crash by that signal.
void OnTouchFault(int sig, siginfo_t*, void*) {
  if (g_in_touch) {
    g_touch_signal = sig;
    siglongjmp(g_touch_jump, 1);
  }
}

void ArmTouchHandlers() {
  struct sigaction sa {};
  sa.sa_sigaction = OnTouchFault;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

Outcome ExecuteTouch(uint64_t addr, bool write) {
  volatile char* p = reinterpret_cast<volatile char*>(addr);
  g_touch_signal = 0;
  if (sigsetjmp(g_touch_jump, 1) == 0) {
    g_in_touch = 1;
    if (write) {
      *p = 1;
    } else {
      (void)*p;
    }
    g_in_touch = 0;
    return {0, 0, 0};
  }
  g_in_touch = 0;
  ArmTouchHandlers();
  return {0, 0, g_touch_signal};
}

void ObserveAndReport(uint32_t step, const Outcome& outcome, uint64_t* kernel_ns,
                      wire::RecordType type = wire::RecordType::kStep);

// fork() under test: the child opens its own smaps and status (the parent's
// descriptors name the parent), maps its probe, observes everything but
// page flags, reports that as a kForkChildStep record and exits; the parent
// reaps it first, so its own observation follows with the child gone.
Outcome ExecuteFork(const wire::WireOp& op) {
  const long pid = raw::Fork();
  if (pid < 0) return {-1, errno, 0};
  if (pid == 0) {
    g_smaps_fd = static_cast<int>(raw::OpenAtReadOnly(wire::kProcDirFd, "self/smaps"));
    g_status_fd = static_cast<int>(raw::OpenAtReadOnly(wire::kProcDirFd, "self/status"));
    if (g_smaps_fd < 0 || g_status_fd < 0) ChildFail("the fork child cannot open its own smaps or status", errno);
    g_page_flags = false;
    const Outcome probe = raw::Mmap(op.addr, op.len, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    uint64_t ns = 0;
    ObserveAndReport(g_step, probe, &ns, wire::RecordType::kForkChildStep);
    raw::ExitGroup(kExitOk);
  }
  int status = 0;
  if (raw::Wait4(pid, &status) != pid) ChildFail("wait4 of the fork child failed", errno);
  // A child that failed reported why itself (kChildError, kSeccomp).
  if (!WIFEXITED(status) || WEXITSTATUS(status) != kExitOk) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == kExitSeccomp) raw::ExitGroup(kExitSeccomp);
    ChildFail("the fork child did not exit cleanly", 0);
  }
  return {0, 0, 0};
}

[[noreturn]] void Hang() {
  for (;;) {
    asm volatile("" ::: "memory");
  }
}

Outcome Execute(const wire::WireOp& op) {
  switch (op.kind) {
    case static_cast<uint32_t>(OpKind::kMmap): {
      const Outcome out = raw::Mmap(op.addr, op.len, op.prot, op.flags);
      // --thp: private anonymous mappings ask for THPs (transhuge.rst,
      // "madvise" mode); populate by MAP_POPULATE/MAP_LOCKED came first.
      const int type = op.flags & (uapi::kMapShared | uapi::kMapPrivate);
      if (g_config.thp && out.ret >= 0 && type == uapi::kMapPrivate) {
        const Outcome adv = raw::MadviseHugepage(static_cast<uint64_t>(out.ret), op.len);
        if (adv.ret != 0) ChildFail("madvise(MADV_HUGEPAGE) of a new mapping failed", adv.err);
      }
      return out;
    }
    case static_cast<uint32_t>(OpKind::kMunmap): return raw::Munmap(op.addr, op.len);
    case static_cast<uint32_t>(OpKind::kMprotect): return raw::Mprotect(op.addr, op.len, op.prot);
    case static_cast<uint32_t>(OpKind::kMlock): return raw::Mlock(op.addr, op.len);
    case static_cast<uint32_t>(OpKind::kMlock2): return raw::Mlock2(op.addr, op.len, op.flags);
    case static_cast<uint32_t>(OpKind::kMunlock): return raw::Munlock(op.addr, op.len);
    case static_cast<uint32_t>(OpKind::kMlockall): return raw::Mlockall(op.flags);
    case static_cast<uint32_t>(OpKind::kMunlockall): return raw::Munlockall();
    case static_cast<uint32_t>(OpKind::kReadTouch): return ExecuteTouch(op.addr, false);
    case static_cast<uint32_t>(OpKind::kWriteTouch): return ExecuteTouch(op.addr, true);
    case static_cast<uint32_t>(OpKind::kDropCapIpcLock): return raw::DropCapability(g_caps, uapi::kCapIpcLock);
    case static_cast<uint32_t>(OpKind::kSetMemlockLimit): return raw::SetMemlockLimit(op.len, op.addr);
    case static_cast<uint32_t>(OpKind::kMmapFile):
      if (op.file < 0 || op.file >= kFileCount) ChildFail("mmap of an unknown file", 0);
      return raw::MmapFile(op.addr, op.len, op.prot, op.flags, wire::kFileFdBase + op.file, op.offset);
    case static_cast<uint32_t>(OpKind::kFtruncate):
      if (op.file < 0 || op.file >= kFileCount) ChildFail("ftruncate of an unknown file", 0);
      return raw::Ftruncate(wire::kFileFdBase + op.file, op.len);
    case static_cast<uint32_t>(OpKind::kMadvise): return raw::Madvise(op.addr, op.len, op.flags);
    case static_cast<uint32_t>(OpKind::kMremap):
      return raw::Mremap(op.addr, op.len, op.new_len, op.flags, op.new_addr);
    case static_cast<uint32_t>(OpKind::kBrk): return raw::Brk(g_heap_base + op.len);
    case static_cast<uint32_t>(OpKind::kFork): return ExecuteFork(op);
    case wire::kSelfTestForbiddenSyscall: return {raw::Getppid(), 0, 0};
    case wire::kSelfTestCrash: {
      // A fault outside any touch: the handler returns and the default action kills.
      volatile int* const null_page = reinterpret_cast<volatile int*>(g_null_address);
      *null_page = 1;
      return {};
    }
    case wire::kSelfTestHang: Hang();
    case wire::kSelfTestOtherRlimit: return raw::SetRlimit(RLIMIT_CORE, 0, 0);
  }
  ChildFail("unknown op kind", 0);
}

// Reads a whole /proc file with pread (no lseek: seq_file restarts at 0).
// Returns the length, or -1 if it does not fit.
long ReadProcFile(int fd, char* buf, size_t cap) {
  size_t len = 0;
  for (;;) {
    const long n = raw::Pread(fd, buf + len, cap - len, len);
    if (n < 0) return -1;
    if (n == 0) return static_cast<long>(len);
    len += static_cast<size_t>(n);
    if (len == cap) return -1;
  }
}

uint32_t PageBitsFor(const SmapsVma& vma) {
  uint32_t bits = kPageMapped;
  if (vma.read) bits |= kPageRead;
  if (vma.write) bits |= kPageWrite;
  if (vma.exec) bits |= kPageExec;
  if (vma.shared) bits |= kPageShared;
  if (vma.vm_flags & kVmLocked) bits |= kPageLo;
  if (vma.vm_flags & kVmLockOnFault) bits |= kPageLf;
  if (vma.vm_flags & kVmHugetlb) bits |= kPageHugetlb;
  return bits;
}

// Reads the pagemap entries of every page of the arena's VMAs (one pread per
// run of adjacent VMAs) and the kpageflags of the present ones (PFNs
// sorted, nearby ones read together), and writes one PageFlagBit byte per
// VMA page into `out`. Returns the number of bytes written.
size_t ObservePageFlags(const wire::WireVma* vmas, uint32_t count, unsigned char* out, uint64_t* kernel_ns) {
  constexpr uint64_t kPresent = uint64_t{1} << 63;
  constexpr uint64_t kPfnMask = (uint64_t{1} << 55) - 1;
  const uint64_t t0 = raw::MonotonicNs();
  size_t present = 0;
  for (uint32_t i = 0; i < count;) {
    uint32_t j = i;
    while (j + 1 < count && vmas[j + 1].first_page == vmas[j].first_page + vmas[j].pages) ++j;
    const uint64_t first = vmas[i].first_page;
    const uint64_t pages = vmas[j].first_page + vmas[j].pages - first;
    const uint64_t vpn = g_config.arena_base / g_page_size + first;
    if (raw::Pread(g_pagemap_fd, g_pagemap + first, pages * 8, vpn * 8) != static_cast<long>(pages * 8)) {
      ChildFail("cannot read /proc/self/pagemap", errno);
    }
    for (uint64_t p = first; p < first + pages; ++p) {
      if (g_pagemap[p] & kPresent) g_pfns[present++] = {g_pagemap[p] & kPfnMask, p};
    }
    i = j + 1;
  }
  std::sort(g_pfns, g_pfns + present, [](const PfnPage& a, const PfnPage& b) { return a.pfn < b.pfn; });
  // kpageflags of each present page, in place of its pagemap entry.
  for (size_t i = 0; i < present;) {
    size_t j = i;
    while (j + 1 < present && g_pfns[j + 1].pfn - g_pfns[i].pfn < kKpfBatch) ++j;
    const uint64_t base = g_pfns[i].pfn;
    const uint64_t n = g_pfns[j].pfn - base + 1;
    if (raw::Pread(g_kpageflags_fd, g_kpf, n * 8, base * 8) != static_cast<long>(n * 8)) {
      ChildFail("cannot read /proc/kpageflags", errno);
    }
    for (size_t k = i; k <= j; ++k) g_pagemap[g_pfns[k].page] = g_kpf[g_pfns[k].pfn - base] | kPresent;
    i = j + 1;
  }
  *kernel_ns += raw::MonotonicNs() - t0;
  // include/uapi/linux/kernel-page-flags.h
  constexpr int kKpfMlocked = 33, kKpfUnevictable = 18, kKpfZeroPage = 24, kKpfThp = 22;
  size_t n = 0;
  for (uint32_t i = 0; i < count; ++i) {
    for (uint64_t p = vmas[i].first_page; p < vmas[i].first_page + vmas[i].pages; ++p) {
      const uint64_t e = g_pagemap[p];
      uint8_t flags = 0;
      if (e & kPresent) {
        flags = kPfPresent;
        if ((e >> kKpfMlocked) & 1) flags |= kPfMlocked;
        if ((e >> kKpfUnevictable) & 1) flags |= kPfUnevictable;
        if ((e >> kKpfZeroPage) & 1) flags |= kPfZeroPage;
        if ((e >> kKpfThp) & 1) flags |= kPfThp;
      }
      out[n++] = flags;
    }
  }
  return n;
}

// --thp: which PMD-sized ranges of the arena are PMD-mapped, one
// PAGEMAP_SCAN over the arena (PAGE_IS_HUGE: "Page is PMD-mapped THP or
// Hugetlb backed", Documentation/admin-guide/mm/pagemap.rst). A PMD over
// the huge zero page is told apart by PAGE_IS_PFNZERO where the kernel
// sets it, else by pagemap's PM_FILE bit (61), which pagemap_pmd_range()
// sets for a PMD page that is not anonymous: the huge zero folio.
constexpr uint64_t kThpBytes = 2 * 1024 * 1024;
raw::PageRegion g_regions[64];
void ObserveThp(wire::StepRecord* rec, uint64_t* kernel_ns) {
  const uint64_t t0 = raw::MonotonicNs();
  const uint64_t end = g_config.arena_base + g_config.arena_pages * g_page_size;
  rec->thp_pmd_mask = rec->thp_zero_mask = 0;
  const Outcome n = raw::PagemapScanHuge(g_pagemap_fd, g_config.arena_base, end, g_regions, 64);
  if (n.ret < 0) ChildFail("ioctl(PAGEMAP_SCAN) failed", n.err);
  for (long i = 0; i < n.ret; ++i) {
    for (uint64_t a = g_regions[i].start; a < g_regions[i].end; a += kThpBytes) {
      const uint64_t r = (a - g_config.arena_base) / kThpBytes;
      if (r >= 64) continue;
      bool zero = (g_regions[i].categories & raw::kPageIsPfnZero) != 0;
      uint64_t entry = 0;
      if (raw::Pread(g_pagemap_fd, &entry, 8, a / g_page_size * 8) != 8) {
        ChildFail("cannot read /proc/self/pagemap", errno);
      }
      zero = zero || ((entry >> 61) & 1);
      rec->thp_pmd_mask |= uint64_t{1} << r;
      if (zero) rec->thp_zero_mask |= uint64_t{1} << r;
    }
  }
  *kernel_ns += raw::MonotonicNs() - t0;
}

// Observes every channel and writes one StepRecord. `kernel_ns` accumulates
// the time spent inside the observation reads.
void ObserveAndReport(uint32_t step, const Outcome& outcome, uint64_t* kernel_ns, wire::RecordType type) {
  const uint64_t arena_end = g_config.arena_base + g_config.arena_pages * g_page_size;
  const uint64_t heap_end = g_heap_base + kHeapPages * g_page_size;
  // --thp: khugepaged may collapse a range into a THP at any moment (it is
  // woken when MADV_HUGEPAGE registers the mm, mm/khugepaged.c
  // khugepaged_enter_vma()), also while the channels are being read. The
  // PMD mappings are read before and after all other channels; when they
  // differ, everything is read again, so the record is one consistent
  // snapshot (a collapse holds mmap_lock for writing, which every read but
  // kpageflags' takes).
  wire::StepRecord* const head = reinterpret_cast<wire::StepRecord*>(g_record);
  uint64_t pmd_before = 0, zero_before = 0;
  for (int attempt = 0;; ++attempt) {
    if (g_config.thp) {
      ObserveThp(head, kernel_ns);
      pmd_before = head->thp_pmd_mask;
      zero_before = head->thp_zero_mask;
    }
    uint32_t heap_count = 0;
    uint64_t heap_rss_kb = 0, heap_locked_kb = 0;
    uint64_t t0 = raw::MonotonicNs();
    const long smaps_len = ReadProcFile(g_smaps_fd, g_smaps_buf, g_smaps_cap);
    uint64_t t1 = raw::MonotonicNs();
    *kernel_ns += t1 - t0;
    if (smaps_len < 0) ChildFail("/proc/self/smaps did not fit the executor's buffer", errno);

    auto* rec = reinterpret_cast<wire::StepRecord*>(g_record);
    auto* vmas = reinterpret_cast<wire::WireVma*>(g_record + sizeof(wire::StepRecord));
    rec->step = step;
    rec->ret = outcome.ret;
    rec->err = outcome.err;
    rec->signal = outcome.signal;
    rec->rss_kb = rec->locked_kb = rec->vmlck_kb = rec->lo_vma_kb = rec->anon_huge_kb = rec->hugetlb_kb = 0;
    uint32_t count = 0;
    bool straddles = false;
    const bool parsed = ParseSmaps(
        std::string_view(g_smaps_buf, static_cast<size_t>(smaps_len)), g_dialect,
        [&](const SmapsVma& vma) {
          if (vma.vm_flags & kVmLocked) rec->lo_vma_kb += (vma.end - vma.start) / 1024;
          // The heap region: the executor's guard page ends right below it,
          // so its VMAs are brk's alone.
          if (vma.end > g_heap_base && vma.start < heap_end) {
            if (vma.start < g_heap_base || vma.end > heap_end) {
              straddles = true;
              return;
            }
            g_heap_vmas[heap_count].first_page = static_cast<uint32_t>((vma.start - g_heap_base) / g_page_size);
            g_heap_vmas[heap_count].pages = static_cast<uint32_t>((vma.end - vma.start) / g_page_size);
            g_heap_vmas[heap_count].bits = PageBitsFor(vma);
            ++heap_count;
            heap_rss_kb += vma.rss_kb;
            heap_locked_kb += vma.locked_kb;
            return;
          }
          if (vma.end <= g_config.arena_base || vma.start >= arena_end) return;
          if (vma.start < g_config.arena_base || vma.end > arena_end) {
            straddles = true;
            return;
          }
          vmas[count].first_page = static_cast<uint32_t>((vma.start - g_config.arena_base) / g_page_size);
          vmas[count].pages = static_cast<uint32_t>((vma.end - vma.start) / g_page_size);
          vmas[count].bits = PageBitsFor(vma);
          ++count;
          rec->anon_huge_kb += vma.anon_huge_kb;
          rec->hugetlb_kb += vma.hugetlb_kb;
          rec->rss_kb += vma.rss_kb;
          rec->locked_kb += vma.locked_kb;
        });
    if (!parsed) ChildFail("cannot parse /proc/self/smaps", 0);
    if (straddles) ChildFail("a VMA straddles the arena or heap region boundary", 0);
    rec->vma_count = count;

    // The lock witness: msync(MS_INVALIDATE) of each VMA is EBUSY exactly
    // when it is VM_LOCKED (mm/msync.c), whatever smaps prints.
    t0 = raw::MonotonicNs();
    for (uint32_t i = 0; i < count; ++i) {
      const Outcome ms = raw::Msync(g_config.arena_base + uint64_t{vmas[i].first_page} * g_page_size,
                                    uint64_t{vmas[i].pages} * g_page_size, uapi::kMsInvalidate);
      if (ms.ret != 0 && ms.err != EBUSY) ChildFail("msync(MS_INVALIDATE) of a VMA failed", ms.err);
      if (ms.ret != 0) vmas[i].bits |= wire::kVmaMsyncBusy;
    }
    t1 = raw::MonotonicNs();
    *kernel_ns += t1 - t0;

    // mincore() fails with ENOMEM across a hole, so query each run of
    // adjacent VMAs (do_mincore() walks VMAs within one call).
    unsigned char* bitmap = reinterpret_cast<unsigned char*>(vmas + count);
    const size_t bitmap_bytes = (g_config.arena_pages + 7) / 8;
    std::memset(bitmap, 0, bitmap_bytes);
    for (uint32_t i = 0; i < count;) {
      uint32_t j = i;
      while (j + 1 < count && vmas[j + 1].first_page == vmas[j].first_page + vmas[j].pages) ++j;
      const uint64_t first = vmas[i].first_page;
      const uint64_t pages = vmas[j].first_page + vmas[j].pages - first;
      t0 = raw::MonotonicNs();
      const Outcome mc = raw::Mincore(g_config.arena_base + first * g_page_size, pages * g_page_size,
                                      g_mincore);
      t1 = raw::MonotonicNs();
      *kernel_ns += t1 - t0;
      if (mc.ret != 0) ChildFail("mincore failed on a range smaps reports as mapped", mc.err);
      for (uint64_t p = 0; p < pages; ++p) {
        if (g_mincore[p] & 1) bitmap[(first + p) / 8] |= static_cast<unsigned char>(1u << ((first + p) % 8));
      }
      i = j + 1;
    }

    const size_t flag_bytes = g_page_flags ? ObservePageFlags(vmas, count, bitmap + bitmap_bytes, kernel_ns) : 0;
    rec->page_flag_bytes = static_cast<uint32_t>(flag_bytes);
    rec->thp_pmd_mask = rec->thp_zero_mask = 0;
    if (g_config.thp) {
      ObserveThp(rec, kernel_ns);
      if (rec->thp_pmd_mask != pmd_before || rec->thp_zero_mask != zero_before) {
        if (attempt == 8) ChildFail("the arena's PMD mappings kept changing during 8 observations", 0);
        continue;
      }
    }

    // The heap region: its VMAs, their msync witness and their residency.
    auto* heap_vmas = reinterpret_cast<wire::WireVma*>(bitmap + bitmap_bytes + flag_bytes);
    unsigned char* heap_bitmap = reinterpret_cast<unsigned char*>(heap_vmas + heap_count);
    std::memset(heap_bitmap, 0, kHeapPages / 8);
    t0 = raw::MonotonicNs();
    for (uint32_t i = 0; i < heap_count; ++i) {
      wire::WireVma& vma = heap_vmas[i];
      vma = g_heap_vmas[i];
      const uint64_t start = g_heap_base + uint64_t{vma.first_page} * g_page_size;
      const Outcome ms = raw::Msync(start, uint64_t{vma.pages} * g_page_size, uapi::kMsInvalidate);
      if (ms.ret != 0 && ms.err != EBUSY) ChildFail("msync(MS_INVALIDATE) of a heap VMA failed", ms.err);
      if (ms.ret != 0) vma.bits |= wire::kVmaMsyncBusy;
      const Outcome mc = raw::Mincore(start, uint64_t{vma.pages} * g_page_size, g_mincore);
      if (mc.ret != 0) ChildFail("mincore failed on a heap VMA", mc.err);
      for (uint64_t p = 0; p < vma.pages; ++p) {
        const uint64_t page = vma.first_page + p;
        if (g_mincore[p] & 1) heap_bitmap[page / 8] |= static_cast<unsigned char>(1u << (page % 8));
      }
    }
    *kernel_ns += raw::MonotonicNs() - t0;
    rec->heap_vma_count = heap_count;
    rec->heap_rss_kb = heap_rss_kb;
    rec->heap_locked_kb = heap_locked_kb;

    t0 = raw::MonotonicNs();
    const long status_len = ReadProcFile(g_status_fd, g_status_buf, kStatusCap);
    t1 = raw::MonotonicNs();
    *kernel_ns += t1 - t0;
    if (status_len < 0) ChildFail("cannot read /proc/self/status", errno);
    const auto vmlck =
        ParseStatusKb(std::string_view(g_status_buf, static_cast<size_t>(status_len)), "VmLck");
    if (!vmlck) ChildFail("no VmLck in /proc/self/status", 0);
    rec->vmlck_kb = *vmlck;

    const size_t size = sizeof(wire::StepRecord) + count * sizeof(wire::WireVma) + bitmap_bytes + flag_bytes +
                        heap_count * sizeof(wire::WireVma) + kHeapPages / 8;
    rec->header = {type, static_cast<uint32_t>(size), g_run, g_pid};
    if (!WriteAll(kRecordFd, g_record, size)) raw::ExitGroup(kExitChildError);
    return;
  }
}

// The child's files (oracles/files.h) at their fixed descriptors: fresh ones
// per child, so every sequence starts with empty page caches, and the
// filter needs no open(). Returns what failed, or nullptr.
const char* CreateFiles() {
  const Outcome secret = g_has_secretmem ? raw::MemfdSecret(0) : Outcome{-1, ENOSYS, 0};
  const int fds[kFileCount] = {
      memfd_create("mlockcheck", MFD_CLOEXEC),
      // A regular tmpfs file with no name to clean up.
      open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600),
      static_cast<int>(secret.ret),
  };
  for (int f = 0; f < kFileCount; ++f) {
    if ((f == kSecretmem && !g_has_secretmem) || (f == kTmpfile && !g_has_tmpfile)) {
      if (fds[f] >= 0) close(fds[f]);
      continue;
    }
    if (fds[f] < 0) {
      return f == kMemfd     ? "memfd_create failed"
             : f == kTmpfile ? "cannot create a tmpfs file in /dev/shm"
                             : "memfd_secret failed in a child";
    }
    if (dup3(fds[f], wire::kFileFdBase + f, O_CLOEXEC) < 0) return "cannot place the file descriptors";
    close(fds[f]);
    if (ftruncate(wire::kFileFdBase + f, static_cast<off_t>(kFileInitialPages * g_page_size)) != 0) {
      return "cannot size the files";
    }
  }
  return nullptr;
}

// Set-up of a waiting child, done while the previous child runs: its own
// /proc files, fault handlers, then the filter. Errors are kept until the
// child knows which run to report them to.
void PrepareChild() {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  g_smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  g_status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (g_smaps_fd < 0 || g_status_fd < 0) {
    g_setup_error = "cannot open /proc/self/smaps or status";
    g_setup_errno = errno;
    return;
  }
  if (!raw::CapGet(&g_caps)) {
    g_setup_error = "capget failed";
    g_setup_errno = errno;
    return;
  }
  if (g_config.thp && !g_page_flags) {
    g_pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (g_pagemap_fd < 0) {
      g_setup_error = "cannot open /proc/self/pagemap";
      g_setup_errno = errno;
      return;
    }
  }
  if (g_page_flags) {
    // The child's own pagemap; and one CPU, so that the drains the model
    // relies on (Model::DrainsAtEnd) empty the batches its pages went to.
    g_pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    cpu_set_t one;
    CPU_ZERO(&one);
    const int cpu = sched_getcpu();
    if (cpu >= 0) CPU_SET(cpu, &one);
    if (g_pagemap_fd < 0 || cpu < 0 || sched_setaffinity(0, sizeof one, &one) != 0) {
      g_setup_error = "cannot open /proc/self/pagemap or pin the child to a CPU";
      g_setup_errno = errno;
      return;
    }
  }
  // /proc for a fork step's child (its own smaps and status).
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0 || dup3(proc, wire::kProcDirFd, O_CLOEXEC) < 0) {
    g_setup_error = "cannot open /proc";
    g_setup_errno = errno;
    return;
  }
  close(proc);
  if (const char* failed = CreateFiles()) {
    g_setup_error = failed;
    g_setup_errno = errno;
    return;
  }
  struct sigaction sa {};
  sa.sa_sigaction = OnSeccompTrap;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
  ArmTouchHandlers();
  if (raw::InstallSeccompFilter(&g_program) != 0) {
    g_setup_error = "cannot install the seccomp filter";
    g_setup_errno = errno;
  }
}

// Waits for this child's request straight from the runner, then announces
// itself. The runner, not the child, tells the server that the waiting
// child is taken (wire::kTakenFd), so the child's start wakes nobody.
wire::RequestHeader ReceiveRequest() {
  wire::RequestHeader req;
  if (!ReadAll(kRequestFd, &req, sizeof req) || req.magic != wire::kMagic ||
      req.type == wire::RequestType::kQuit) {
    raw::ExitGroup(kExitNoRequest);
  }
  g_run = req.run;
  if (req.op_count > g_config.max_steps) ChildFail("request longer than --max-steps", 0);
  if (req.type == wire::RequestType::kRun &&
      !ReadAll(kRequestFd, g_ops, req.op_count * sizeof(wire::WireOp))) {
    ChildFail("short request", 0);
  }
  if (g_setup_error != nullptr) ChildFail(g_setup_error, g_setup_errno);
  wire::StartedRecord started{};
  started.header = {wire::RecordType::kStarted, sizeof started, g_run, g_pid};
  if (!WriteAll(kRecordFd, &started, sizeof started)) raw::ExitGroup(kExitChildError);
  return req;
}

void WaitForHugePagePool();

[[noreturn]] void RunChild(uint32_t op_count) {
  const ArenaBounds arena{g_config.arena_base, g_config.arena_pages * g_page_size, g_page_size, g_huge_page_size};
  uint64_t kernel_ns = 0;
  // brk's offsets are from the break this child starts with, which the
  // model knows as the executor's (fork copies mm->brk).
  if (static_cast<uint64_t>(raw::Brk(0).ret) != g_heap_base) {
    ChildFail("the child's initial break is not the executor's heap region", 0);
  }
  WaitForHugePagePool();
  const uint64_t begin = raw::MonotonicNs();
  for (uint32_t i = 0; i < op_count; ++i) {
    g_step = i;
    if (!MayExecute(g_ops[i], arena)) ChildFail("refused a call that could touch memory outside the arena", 0);
    const uint64_t t0 = raw::MonotonicNs();
    const Outcome outcome = Execute(g_ops[i]);
    kernel_ns += raw::MonotonicNs() - t0;
    ObserveAndReport(i, outcome, &kernel_ns);
  }
  wire::DoneRecord done{};
  done.header = {wire::RecordType::kDone, sizeof done, g_run, g_pid};
  done.steps = op_count;
  done.kernel_ns = kernel_ns;
  done.child_ns = raw::MonotonicNs() - begin;
  WriteAll(kRecordFd, &done, sizeof done);
  raw::ExitGroup(kExitOk);
}

// Feature detection under the same filter as a run: mlock2 with an invalid
// flag is EINVAL where it exists (the flag check comes first, mm/mlock.c) and
// ENOSYS where it does not; MCL_ONFAULT is EINVAL before 4.4.
[[noreturn]] void ProbeChild() {
  wire::ProbeRecord r{};
  r.header = {wire::RecordType::kProbe, sizeof r, g_run, g_pid};
  r.mlock2_err = raw::Mlock2(0, 0, ~0).err;
  const Outcome future = raw::Mlockall(uapi::kMclFuture | uapi::kMclOnfault);
  r.mcl_onfault_err = future.err;
  if (future.ret == 0) raw::Munlockall();
  WriteAll(kRecordFd, &r, sizeof r);
  raw::ExitGroup(kExitOk);
}

// /proc/meminfo's hugetlb lines, allocation-free: the children call it.
bool ReadHugePool(int fd, HugetlbPool* pool) {
  char buf[8192];
  const long n = ReadProcFile(fd, buf, sizeof buf);
  if (n < 0) return false;
  *pool = ParseHugetlbMeminfo(std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

// The pool as the executor found it; every sequence's model starts there.
int g_meminfo_fd = -1;
HugetlbPool g_huge_pool;

// A child that ran before this one may still be exiting with its huge pages
// (exit_mmap() runs after its last record reached the runner), so wait,
// yielding, until the pool is back to what the executor measured.
void WaitForHugePagePool() {
  if (g_meminfo_fd < 0) return;
  const uint64_t begin = raw::MonotonicNs();
  for (;;) {
    HugetlbPool now;
    if (!ReadHugePool(g_meminfo_fd, &now)) ChildFail("cannot read /proc/meminfo", 0);
    if (now.free == g_huge_pool.free && now.reserved == g_huge_pool.reserved) return;
    if (raw::MonotonicNs() - begin > 10'000'000'000ull) {
      ChildFail("the huge page pool did not return to its size at start within 10 s (another user of huge pages?)",
                0);
    }
    raw::SchedYield();
  }
}

// The initial user namespace is the one capable() checks (IsInitialUserNamespace).
bool InInitialUserNamespace() {
  auto read = [](const char* path, char* buf, size_t cap) -> const char* {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    const long n = ReadProcFile(fd, buf, cap - 1);
    close(fd);
    if (n < 0) return nullptr;
    buf[n] = '\0';
    return buf;
  };
  char uid_map[256], setgroups[64];
  return IsInitialUserNamespace(read("/proc/self/uid_map", uid_map, sizeof uid_map),
                                read("/proc/self/setgroups", setgroups, sizeof setgroups));
}

// Extends the stack VMA now, so that no later call chain grows it: a grown
// stack under mlockall(MCL_CURRENT) would change VmLck (mm/mmap.c
// acct_stack_growth(), ref 29).
__attribute__((noinline)) void GrowStack() {
  volatile char* reserve = static_cast<volatile char*>(alloca(kStackReserve));
  for (size_t i = 0; i < kStackReserve; i += 1024) reserve[i] = 0;
}

void* MapBuffer(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mlockcheck-executor: mmap");
    std::exit(2);
  }
  return p;
}

// Whether page flags can be observed: /proc/kpageflags opens (root,
// CONFIG_PROC_PAGE_MONITOR) and pagemap shows PFNs (CAP_SYS_ADMIN since
// 4.2, ref 50). Keeps /proc/kpageflags open for the children.
bool ProbePageFlags(wire::HelloRecord* hello) {
  g_kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
  if (g_kpageflags_fd < 0) {
    CopyMessage(hello->page_flags_reason,
                "cannot open /proc/kpageflags (needs root and CONFIG_PROC_PAGE_MONITOR)");
    return false;
  }
  const int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  uint64_t entry = 0;
  g_record[0] = 1;  // present
  const bool read = pagemap >= 0 && pread(pagemap, &entry, 8, reinterpret_cast<uintptr_t>(g_record) / g_page_size * 8) == 8;
  if (pagemap >= 0) close(pagemap);
  if (!read || (entry & ((uint64_t{1} << 55) - 1)) == 0) {
    CopyMessage(hello->page_flags_reason, "/proc/self/pagemap hides page frame numbers (needs CAP_SYS_ADMIN)");
    close(g_kpageflags_fd);
    g_kpageflags_fd = -1;
    return false;
  }
  return true;
}

// Measures the executor's own mappings once. Nothing may be mapped near the
// arena, and the lockable size of everything else is what mlockall(MCL_CURRENT)
// adds to VmLck.
bool MeasureAddressSpace(wire::HelloRecord* hello) {
  const int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CopyMessage(hello->message,
                "cannot open /proc/self/smaps (the kernel needs CONFIG_PROC_PAGE_MONITOR)");
    hello->status = wire::HelloStatus::kUnsupported;
    return false;
  }
  const long len = ReadProcFile(fd, g_smaps_buf, g_smaps_cap);
  close(fd);
  if (len < 0) {
    CopyMessage(hello->message, "cannot read /proc/self/smaps");
    return false;
  }
  const uint64_t guard_start = g_config.arena_base - kArenaGuardPages * g_page_size;
  const uint64_t guard_end = g_config.arena_base + (g_config.arena_pages + kArenaGuardPages) * g_page_size;
  bool overlaps = false;
  bool heap_blocked = false;
  const uint64_t heap_limit = g_heap_base + kHeapPages * g_page_size + (2u << 20);
  bool has_flags = true;
  uint64_t lockable = 0;
  uint32_t vmas = 0;
  const bool parsed = ParseSmaps(std::string_view(g_smaps_buf, static_cast<size_t>(len)), g_dialect,
                                 [&](const SmapsVma& vma) {
                                   ++vmas;
                                   has_flags = has_flags && vma.has_vm_flags;
                                   if (vma.start < guard_end && vma.end > guard_start) overlaps = true;
                                   // brk growth needs its pages free, and the
                                   // stack guard gap above (sys_brk()).
                                   if (vma.end > g_heap_base && vma.start < heap_limit) heap_blocked = true;
                                   if (VmaSupportsMlock(vma.vm_flags, vma.name == "[vsyscall]")) {
                                     lockable += (vma.end - vma.start) / g_page_size;
                                   }
                                 });
  if (!parsed || !has_flags) {
    CopyMessage(hello->message, "cannot parse /proc/self/smaps (no VmFlags lines: kernel older than 3.8?)");
    hello->status = wire::HelloStatus::kUnsupported;
    return false;
  }
  if (overlaps) {
    CopyMessage(hello->message, "the arena's address range is already in use; choose another --arena-base");
    return false;
  }
  if (heap_blocked) {
    CopyMessage(hello->message, "a mapping lies within 2 MiB above the heap region (brk could not grow)");
    return false;
  }
  hello->outside_lockable_pages = lockable;
  hello->outside_vmas = vmas;
  // mm->total_vm, which mlockall(MCL_CURRENT) compares against the limit,
  // is what status prints as VmSize (fs/proc/task_mmu.c task_mem()); a
  // forked child starts with the same (dup_mmap()).
  const int status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  const long status_len = status_fd < 0 ? -1 : ReadProcFile(status_fd, g_status_buf, kStatusCap);
  if (status_fd >= 0) close(status_fd);
  const auto vm_size =
      status_len < 0 ? std::nullopt
                     : ParseStatusKb(std::string_view(g_status_buf, static_cast<size_t>(status_len)), "VmSize");
  if (!vm_size) {
    CopyMessage(hello->message, "cannot read VmSize from /proc/self/status");
    return false;
  }
  hello->outside_total_pages = *vm_size * 1024 / g_page_size;
  return true;
}

bool ParseArgs(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(a, "--mlock2-enosys") == 0) {
      g_config.mlock2_enosys = true;
    } else if (std::strcmp(a, "--thp") == 0) {
      g_config.thp = true;
    } else if (v && std::strcmp(a, "--arena-base") == 0) {
      g_config.arena_base = std::strtoull(v, nullptr, 0);
      ++i;
    } else if (v && std::strcmp(a, "--arena-pages") == 0) {
      g_config.arena_pages = std::strtoull(v, nullptr, 0);
      ++i;
    } else if (v && std::strcmp(a, "--max-steps") == 0) {
      g_config.max_steps = std::strtoull(v, nullptr, 0);
      ++i;
    } else {
      std::fprintf(stderr, "mlockcheck-executor: unknown argument %s\n", a);
      return false;
    }
  }
  return g_config.arena_pages > 0 && g_config.max_steps > 0;
}

// Reports the exit of a child that took a request on the control pipe.
bool ReportExit(uint32_t run, int status) {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  wire::ExitRecord exit_record{};
  exit_record.header = {wire::RecordType::kExit, sizeof exit_record, run, 0};
  exit_record.wait_status = status;
  exit_record.max_rss_kb = static_cast<uint64_t>(usage.ru_maxrss);
  return WriteAll(kControlFd, &exit_record, sizeof exit_record);
}

// Forks the child for the next request. It prepares itself (open files,
// handlers, filter) and blocks reading the request pipe, so fork and set-up
// happen while the current child runs, and a request reaches its child
// without passing through this process.
pid_t ForkWaitingChild() {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  g_pid = getpid();
  PrepareChild();
  const wire::RequestHeader req = ReceiveRequest();
  if (req.type == wire::RequestType::kProbe) ProbeChild();
  RunChild(req.op_count);
}

// The server loop: keeps one child waiting for the next request, forks a new
// one as soon as it takes its request, and reaps children as SIGCHLD
// arrives. The runner closing the request pipe ends it.
int Serve() {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  const int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) return 2;
  fcntl(kTakenFd, F_SETFL, O_NONBLOCK);
  RunningChildren running;
  pid_t waiting = ForkWaitingChild();
  // The runner reports each child that started; a child may also be reaped
  // before that report arrives.
  auto drain_taken = [&]() {
    wire::TakenMessage taken;
    while (read(kTakenFd, &taken, sizeof taken) == sizeof taken) {
      int status = 0;
      if (taken.pid == waiting) {
        if (!running.Add(waiting, taken.run)) return false;
        waiting = ForkWaitingChild();
        if (waiting < 0) return false;
      } else if (running.TakeEarlyExit(taken.pid, &status)) {
        if (!ReportExit(taken.run, status)) return false;
      }
    }
    return errno == EAGAIN;
  };
  for (;;) {
    pollfd pfds[2] = {{kTakenFd, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (poll(pfds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    if (!drain_taken()) return 2;
    if (!(pfds[1].revents & POLLIN)) continue;
    signalfd_siginfo info;
    while (read(sigfd, &info, sizeof info) == sizeof info) {
    }
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      const uint32_t run = running.Take(pid);
      if (run != 0) {
        if (!ReportExit(run, status)) return 2;
      } else if (pid == waiting) {
        // The runner closed the request pipe, or the child ended before
        // the runner's report that it took a request (kept for that report).
        if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoRequest) return 0;
        running.NoteEarlyExit(pid, status);
        waiting = ForkWaitingChild();
        if (waiting < 0) return 2;
      }
    }
  }
}

int Main(int argc, char** argv) {
  if (!ParseArgs(argc, argv)) return 2;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  // No THP in the arena unless --thp: the core model has no large folios
  // (inherited by the children, prctl(2) PR_SET_THP_DISABLE).
  if (!g_config.thp) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  g_page_size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  GrowStack();

  wire::HelloRecord hello{};
  hello.header = {wire::RecordType::kHello, sizeof hello, 0, 0};
  hello.page_size = g_page_size;
  hello.arena_base = g_config.arena_base;
  hello.arena_pages = g_config.arena_pages;
  utsname uts{};
  uname(&uts);
  std::memcpy(hello.release, uts.release, std::min(sizeof hello.release - 1, std::strlen(uts.release)));
  std::memcpy(hello.build, uts.version, std::min(sizeof hello.build - 1, std::strlen(uts.version)));
  std::string why;
  const auto profile = ProfileForRelease(uts.release, &why);
  if (profile) g_dialect = profile->smaps;

  // Buffers sized for the worst case of this run: every step can add a few
  // VMAs (split at both ends); ~2 kB of smaps text per VMA.
  const uint64_t max_vmas = 64 + 4 * g_config.max_steps;
  g_smaps_cap = static_cast<size_t>(max_vmas * 2048 + 64 * 1024);
  g_smaps_buf = static_cast<char*>(MapBuffer(g_smaps_cap));
  g_mincore = static_cast<unsigned char*>(MapBuffer(std::max<uint64_t>(g_config.arena_pages, kHeapPages)));
  g_status_buf = static_cast<char*>(MapBuffer(kStatusCap));
  g_record_cap = sizeof(wire::StepRecord) + g_config.arena_pages * sizeof(wire::WireVma) +
                 (g_config.arena_pages + 7) / 8 + g_config.arena_pages + kHeapPages * sizeof(wire::WireVma) +
                 kHeapPages / 8;
  g_record = static_cast<char*>(MapBuffer(g_record_cap));
  g_ops = static_cast<wire::WireOp*>(MapBuffer(g_config.max_steps * sizeof(wire::WireOp)));
  g_page_flags = ProbePageFlags(&hello);
  g_meminfo_fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (g_meminfo_fd >= 0 && ReadHugePool(g_meminfo_fd, &g_huge_pool)) {
    hello.huge_page_size = g_huge_pool.page_size;
    hello.huge_pages_free = g_huge_pool.free;
    hello.huge_pages_rsvd = g_huge_pool.reserved;
  }
  g_huge_page_size = hello.huge_page_size;
  // Without free huge pages no sequence can hold any: nothing to wait for.
  if (g_huge_pool.free == 0 && g_meminfo_fd >= 0) {
    close(g_meminfo_fd);
    g_meminfo_fd = -1;
  }
  // memfd_secret(2): CONFIG_SECRETMEM, and before 6.5 secretmem.enable=1.
  const Outcome secret = raw::MemfdSecret(0);
  g_has_secretmem = secret.ret >= 0;
  hello.secretmem_err = g_has_secretmem ? 0 : secret.err;
  // mmap(PROT_EXEC) of a file on a noexec mount is EPERM (mm/mmap.c
  // do_mmap() path_noexec(), which also honours SB_I_NOEXEC that statfs
  // does not show): /dev/shm may be mounted so, and secretmem's internal
  // mount is. Asked of the kernel with a mapping undone at once, before
  // the address space is measured.
  const int probe_fds[kFileCount] = {memfd_create("mlockcheck-probe", MFD_CLOEXEC),
                                     open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600),
                                     g_has_secretmem ? static_cast<int>(secret.ret) : -1};
  g_has_tmpfile = probe_fds[kTmpfile] >= 0;
  hello.tmpfile_err = g_has_tmpfile ? 0 : errno;
  for (int f = 0; f < kFileCount; ++f) {
    if (probe_fds[f] < 0) continue;
    void* p = mmap(nullptr, g_page_size, PROT_READ | PROT_EXEC, MAP_SHARED, probe_fds[f], 0);
    if (p == MAP_FAILED && errno == EPERM) hello.noexec_files |= 1u << f;
    if (p != MAP_FAILED) munmap(p, g_page_size);
    close(probe_fds[f]);
  }
  hello.page_flags = g_page_flags;
  if (g_page_flags) {
    g_pagemap = static_cast<uint64_t*>(MapBuffer(g_config.arena_pages * sizeof(uint64_t)));
    g_pfns = static_cast<PfnPage*>(MapBuffer(g_config.arena_pages * sizeof(PfnPage)));
    g_kpf = static_cast<uint64_t*>(MapBuffer(kKpfBatch * sizeof(uint64_t)));
  }

  // --thp needs PAGEMAP_SCAN (6.7+) to see which ranges are PMD-mapped.
  hello.thp = g_config.thp;
  if (g_config.thp) {
    const int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    const Outcome scan = pagemap < 0 ? Outcome{-1, errno, 0}
                                     : raw::PagemapScanHuge(pagemap, reinterpret_cast<uintptr_t>(g_record),
                                                            reinterpret_cast<uintptr_t>(g_record) + g_page_size,
                                                            g_regions, 1);
    if (pagemap >= 0) close(pagemap);
    hello.pagemap_scan_err = scan.ret < 0 ? scan.err : 0;
  }

  SeccompOptions options;
  options.mlock2_enosys = g_config.mlock2_enosys;
  options.thp = g_config.thp;
  const size_t instructions = BuildSeccompProgram(options, g_filter, kMaxFilter, &why);
  g_program.len = static_cast<unsigned short>(instructions);
  g_program.filter = g_filter;

  // The privileges and the limit every child starts with.
  rlimit memlock{};
  getrlimit(RLIMIT_MEMLOCK, &memlock);
  hello.memlock_cur = memlock.rlim_cur;
  hello.memlock_max = memlock.rlim_max;
  raw::CapSets caps{};
  const bool caps_known = raw::CapGet(&caps);
  hello.initial_user_namespace = InInitialUserNamespace();
  hello.cap_ipc_lock = hello.initial_user_namespace && ((caps.effective[0] >> uapi::kCapIpcLock) & 1);
  hello.cap_sys_resource = hello.initial_user_namespace && ((caps.effective[0] >> uapi::kCapSysResource) & 1);

  // The heap region: the break moved to a page boundary through glibc's own
  // sbrk() (so that its cached break stays true), and one PROT_NONE page
  // there, which no brk VMA can merge with: the region above it is brk's
  // alone (and the model's), what lies below is the executor's and measured
  // with the rest. Nothing allocates from the heap after this point; each
  // child checks its break.
  const auto brk0 = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t aligned = (brk0 + g_page_size - 1) & ~(g_page_size - 1);
  const bool heap_ok = sbrk(static_cast<intptr_t>(aligned - brk0 + g_page_size)) != reinterpret_cast<void*>(-1) &&
                       mprotect(reinterpret_cast<void*>(aligned), g_page_size, PROT_NONE) == 0;
  g_heap_base = aligned + g_page_size;
  hello.heap_base = g_heap_base;

  // The measurement comes last: nothing is mapped after it.
  hello.status = wire::HelloStatus::kFailed;
  if (!heap_ok) {
    CopyMessage(hello.message, "cannot set up the heap region (sbrk)");
  } else if (!caps_known) {
    CopyMessage(hello.message, "capget failed");
  } else if (instructions == 0) {
    CopyMessage(hello.message, why.c_str());
  } else if (MeasureAddressSpace(&hello)) {
    hello.status = wire::HelloStatus::kOk;
  }
  if (!WriteAll(kControlFd, &hello, sizeof hello)) return 2;
  return hello.status == wire::HelloStatus::kOk ? Serve() : 0;
}

}  // namespace
}  // namespace mlc

int main(int argc, char** argv) { return mlc::Main(argc, argv); }
