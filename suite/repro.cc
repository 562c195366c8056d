#include "suite/repro.h"

#include <algorithm>
#include <sstream>

#include "oracles/page_map.h"
#include "oracles/sequence_text.h"
#include "runners/arena_guard.h"
#include "runners/executor.h"
#include "runners/host.h"

namespace mlc {
namespace {

// The fixed part of every reproducer: observation helpers, in plain C with
// libc only. Each helper reads what the executor reads (runners/
// executor_main.cc): smaps per VMA, mincore per mapped run, VmLck.
constexpr const char* kPrelude = R"C(#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef SYS_mlock2
#define SYS_mlock2 325 /* x86-64 */
#endif
#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

struct outcome { long ret; int err; int sig; };
static int bug_present;

static struct outcome sys_result(long ret) {
  struct outcome o = { ret, ret == -1 ? errno : 0, 0 };
  return o;
}

/* A touch is a plain load or store; SIGSEGV/SIGBUS is its outcome. */
static sigjmp_buf touch_jump;
static volatile sig_atomic_t touch_signal;
static void on_fault(int sig) { touch_signal = sig; siglongjmp(touch_jump, 1); }
static struct outcome touch(unsigned long addr, int write) {
  struct outcome o = { 0, 0, 0 };
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fault;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  if (sigsetjmp(touch_jump, 1) == 0) {
    volatile char *p = (volatile char *)addr;
    if (write) *p = 1; else (void)*p;
  } else {
    o.sig = touch_signal;
  }
  signal(SIGSEGV, SIG_DFL);
  signal(SIGBUS, SIG_DFL);
  return o;
}
static __attribute__((unused)) struct outcome touch_read(unsigned long addr) { return touch(addr, 0); }
static __attribute__((unused)) struct outcome touch_write(unsigned long addr) { return touch(addr, 1); }

static const char *errno_name(int e) {
  static char buf[32];
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EFAULT: return "EFAULT";
  case EEXIST: return "EEXIST";
  case EINVAL: return "EINVAL";
  case ENOSYS: return "ENOSYS";
  }
  snprintf(buf, sizeof buf, "errno %d", e);
  return buf;
}

static const char *outcome_text(struct outcome o, int is_mmap) {
  static char buf[2][64];
  static int which;
  char *b = buf[which ^= 1];
  if (o.sig) snprintf(b, 64, "%s", o.sig == SIGSEGV ? "SIGSEGV" : o.sig == SIGBUS ? "SIGBUS" : "signal");
  else if (o.ret == -1) snprintf(b, 64, "-1 %s", errno_name(o.err));
  else if (is_mmap && (unsigned long)o.ret >= ARENA) snprintf(b, 64, "A+0x%lx", (unsigned long)o.ret - ARENA);
  else snprintf(b, 64, "%ld", o.ret);
  return b;
}

/* Prints one call; with `check`, compares its outcome with the model's. */
static void step_done(int step, const char *call, struct outcome got, struct outcome want, int is_mmap) {
  int same = got.ret == want.ret && got.err == want.err && got.sig == want.sig;
  printf("%s %2d  %s  = %s", same ? "  " : ">>", step, call, outcome_text(got, is_mmap));
  if (!same) {
    printf("  (expected %s)", outcome_text(want, is_mmap));
    bug_present = 1;
  }
  printf("\n");
}

/* The arena as smaps and mincore show it. */
struct vma { unsigned long start, end; char perms[5]; int lo, lf; unsigned long rss_kb, locked_kb; };
static struct vma vmas[8192];
static int nvmas;
static unsigned long vmlck_kb, lo_total_kb, lo_outside_kb;

static __attribute__((unused)) void observe(void) {
  char line[512];
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) { perror("/proc/self/smaps"); exit(2); }
  nvmas = 0;
  lo_total_kb = lo_outside_kb = 0;
  static struct vma all[8192];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e, kb;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && n < 8192) {
      memset(&all[n], 0, sizeof all[n]);
      all[n].start = s;
      all[n].end = e;
      memcpy(all[n].perms, perms, 4);
      n++;
    } else if (n > 0 && sscanf(line, "Rss: %lu kB", &kb) == 1) {
      all[n - 1].rss_kb = kb;
    } else if (n > 0 && sscanf(line, "Locked: %lu kB", &kb) == 1) {
      all[n - 1].locked_kb = kb;
    } else if (n > 0 && strncmp(line, "VmFlags:", 8) == 0) {
      /* "??" is how kernels before 6.2 print VM_LOCKONFAULT */
      all[n - 1].lo = strstr(line, " lo") != NULL;
      all[n - 1].lf = all[n - 1].lo && (strstr(line, " lf") || strstr(line, " ??"));
    }
  }
  fclose(f);
  for (int i = 0; i < n; i++) {
    int inside = all[i].start >= ARENA && all[i].end <= ARENA + ARENA_PAGES * PAGE;
    if (all[i].lo) {
      lo_total_kb += (all[i].end - all[i].start) / 1024;
      if (!inside) lo_outside_kb += (all[i].end - all[i].start) / 1024;
    }
    if (inside) vmas[nvmas++] = all[i];
  }
  f = fopen("/proc/self/status", "r");
  if (!f) { perror("/proc/self/status"); exit(2); }
  vmlck_kb = 0;
  while (fgets(line, sizeof line, f)) sscanf(line, "VmLck: %lu kB", &vmlck_kb);
  fclose(f);
}

/* "rw-p lo lf" or "unmapped", as mlockcheck prints per-page flags. */
static __attribute__((unused)) const char *page_flags(unsigned long page) {
  static char buf[16];
  unsigned long addr = ARENA + page * PAGE;
  for (int i = 0; i < nvmas; i++) {
    if (addr >= vmas[i].start && addr < vmas[i].end) {
      snprintf(buf, sizeof buf, "%.4s%s%s", vmas[i].perms, vmas[i].lo ? " lo" : "", vmas[i].lf ? " lf" : "");
      return buf;
    }
  }
  return "unmapped";
}

static __attribute__((unused)) int page_resident(unsigned long page) {
  unsigned char v = 0;
  if (strcmp(page_flags(page), "unmapped") == 0) return 0;
  if (syscall(SYS_mincore, ARENA + page * PAGE, PAGE, &v) != 0) { perror("mincore"); exit(2); }
  return v & 1;
}

/* One character per page: '.' unmapped, 'm' mapped, 'l' lo, 'f' lo lf; upper case resident. */
static __attribute__((unused)) char page_char(unsigned long page) {
  const char *fl = page_flags(page);
  char c = strcmp(fl, "unmapped") == 0 ? '.' : strstr(fl, " lf") ? 'f' : strstr(fl, " lo") ? 'l' : 'm';
  return c != '.' && page_resident(page) ? c - 'a' + 'A' : c;
}

struct run { unsigned long first, pages; const char *flags; int resident; };

static __attribute__((unused)) const struct run *expected_run(const struct run *runs, int n, unsigned long page) {
  for (int i = 0; i < n; i++)
    if (page >= runs[i].first && page < runs[i].first + runs[i].pages) return &runs[i];
  return NULL;
}

static __attribute__((unused)) void check_pages(const struct run *runs, int n, int flags, int residency) {
  for (unsigned long p = 0; p < ARENA_PAGES; p++) {
    const struct run *r = expected_run(runs, n, p);
    const char *want = r ? r->flags : "unmapped";
    if (flags && strcmp(want, page_flags(p)) != 0) {
      printf("  vma-flags: page %lu (A+0x%lx): expected %s, observed %s\n", p, p * PAGE, want, page_flags(p));
      bug_present = 1;
    }
    int want_resident = r ? r->resident : 0;
    if (residency && want_resident != page_resident(p)) {
      printf("  residency: page %lu (A+0x%lx): expected %s, observed %s\n", p, p * PAGE,
             want_resident ? "resident" : "absent", want_resident ? "absent" : "resident");
      bug_present = 1;
    }
  }
}

static __attribute__((unused)) void check_kb(const char *channel, unsigned long want, unsigned long got) {
  printf("  %s: expected %lu kB, observed %lu kB%s\n", channel, want, got, want == got ? "" : "  <-- differs");
  if (want != got) bug_present = 1;
}

static __attribute__((unused)) unsigned long sum_kb(int locked) {
  unsigned long kb = 0;
  for (int i = 0; i < nvmas; i++) kb += locked ? vmas[i].locked_kb : vmas[i].rss_kb;
  return kb;
}

static void prepare(void) {
  char line[256];
  unsigned long long caps = 0;
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f)) sscanf(line, "CapEff: %llx", &caps);
  if (f) fclose(f);
  if (!(caps & (1ULL << 14))) {
    printf("cannot run: needs CAP_IPC_LOCK (run as root), or RLIMIT_MEMLOCK changes the results\n");
    exit(2);
  }
  /* The arena and its guard holes must be free; MAP_FIXED_NOREPLACE says so. */
  unsigned long lo = ARENA - GUARD_PAGES * PAGE, len = (ARENA_PAGES + 2 * GUARD_PAGES) * PAGE;
  void *p = mmap((void *)lo, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
  if (p != (void *)lo) {
    printf("cannot run: the arena 0x%lx..0x%lx is in use\n", lo, lo + len);
    exit(2);
  }
  munmap(p, len);
  /* As the executor: no transparent huge pages, so every page is its own. */
  prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  setvbuf(stdout, NULL, _IONBF, 0);
}
)C";

std::string CString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// An argument as C: addresses relative to the arena, everything cast to
// long so that syscall(2)'s variadic arguments are full registers.
std::string CAddr(const Op& op) {
  if (op.region == kAbsoluteAddr) return HexString(op.addr) + "UL";
  const auto offset = static_cast<int64_t>(op.addr);
  return offset < 0 ? "ARENA - " + HexString(static_cast<uint64_t>(-offset)) + "UL"
                    : "ARENA + " + HexString(op.addr) + "UL";
}

std::string CArgs(const Op& op, const OpSyntax& syntax) {
  std::string out;
  for (ArgKind arg : syntax.args) {
    if (!out.empty()) out += ", ";
    switch (arg) {
      case ArgKind::kAddr: out += "(long)(" + CAddr(op) + ")"; break;
      case ArgKind::kLen: out += "(long)" + HexString(op.len) + "UL"; break;
      case ArgKind::kProt: out += "(long)(" + ProtName(op.prot) + ")"; break;
      case ArgKind::kMmapFlags: out += "(long)(" + MmapFlagsName(op.flags) + ")"; break;
      case ArgKind::kMlock2Flags: out += "(long)(int)(" + Mlock2FlagsName(op.flags) + ")"; break;
      case ArgKind::kMlockallFlags: out += "(long)(" + MlockallFlagsName(op.flags) + ")"; break;
      case ArgKind::kMinusOne: out += "-1L"; break;
      case ArgKind::kZero: out += "0L"; break;
    }
  }
  return out;
}

std::string COutcome(const Outcome& o, const Op& op, const ModelConfig& config) {
  std::ostringstream os;
  if (op.kind == OpKind::kMmap && o.ret != -1 && o.signal == 0) {
    os << "(struct outcome){ (long)(ARENA + " << HexString(static_cast<uint64_t>(o.ret) - config.arena_base)
       << "UL), 0, 0 }";
  } else {
    os << "(struct outcome){ " << o.ret << ", " << o.err << ", " << o.signal << " }";
  }
  return os.str();
}

// Runs of arena pages in the same expected state, for the C table.
std::string ExpectedRuns(const Observation& expected) {
  std::ostringstream os;
  size_t n = 0;
  const size_t pages = expected.page_bits.size();
  for (size_t i = 0; i < pages;) {
    size_t j = i;
    while (j + 1 < pages && expected.page_bits[j + 1] == expected.page_bits[i] &&
           expected.resident[j + 1] == expected.resident[i]) {
      ++j;
    }
    if (expected.page_bits[i] & kPageMapped) {
      os << "    { " << i << ", " << (j - i + 1) << ", " << CString(PageBitsString(expected.page_bits[i])) << ", "
         << int{expected.resident[i]} << " },\n";
      ++n;
    }
    i = j + 1;
  }
  if (n == 0) os << "    { 0, 0, \"unmapped\", 0 },\n";
  return os.str();
}

bool Has(const std::vector<Channel>& channels, Channel c) {
  return std::find(channels.begin(), channels.end(), c) != channels.end();
}

}  // namespace

ReproCheck ReproCheck::AllChannelsAfterLastStep(size_t steps) {
  ReproCheck check;
  check.step = steps == 0 ? 0 : steps - 1;
  for (int c = 0; c < static_cast<int>(Channel::kCount); ++c) check.channels.push_back(static_cast<Channel>(c));
  return check;
}

ReproCheck ReproCheck::ForDivergence(const SequenceResult& result) {
  ReproCheck check;
  check.step = result.diverging_step;
  for (const ChannelDiff& d : result.diffs) check.channels.push_back(d.channel);
  return check;
}

std::string WriteReproducer(const std::vector<Op>& ops, const ModelConfig& config, const ReproCheck& check,
                            const std::string& origin) {
  std::ostringstream c;
  const size_t last = std::min(check.step, ops.empty() ? 0 : ops.size() - 1);
  std::string channels;
  for (Channel ch : check.channels) channels += (channels.empty() ? "" : ", ") + std::string(ChannelName(ch));
  c << "/* mlockcheck reproducer (" << origin << ").\n"
    << " *\n"
    << " * Makes " << (last + 1) << " calls with syscall(2) in an arena at a fixed address, checks each\n"
    << " * result, and after call " << last << " checks: " << (channels.empty() ? "results only" : channels) << ".\n";
  if (!check.why.empty()) c << " * " << check.why << "\n";
  c << " * Expectations: the mlockcheck model, " << config.profile.Describe() << ".\n"
    << " *\n"
    << " *   cc -static -o repro repro.c && ./repro      (as root: needs CAP_IPC_LOCK)\n"
    << " *\n"
    << " * Exit status: 1 the kernel differs (bug present), 0 it agrees, 2 cannot run.\n"
    << " */\n";
  c << "#define PAGE " << config.page_size << "UL\n"
    << "#define ARENA " << HexString(config.arena_base) << "UL\n"
    << "#define ARENA_PAGES " << config.arena_pages << "UL\n"
    << "#define GUARD_PAGES " << kArenaGuardPages << "UL\n";
  c << kPrelude << "\n";

  Model model(config);
  Observation expected;
  std::ostringstream body;
  for (size_t i = 0; i <= last && i < ops.size(); ++i) {
    const Op& op = ops[i];
    const Outcome outcome = model.Apply(op);
    const OpSyntax* syntax = OpSyntaxOf(op.kind);
    if (syntax == nullptr) {
      body << "  /* step " << i << ": " << OpKindName(op.kind) << " has no C form */\n";
      continue;
    }
    const std::string call = syntax->is_syscall ? "sys_result(syscall(" + std::string(syntax->c_callee) + ", " +
                                                      CArgs(op, *syntax) + "))"
                                                : std::string(syntax->c_callee) + "(" + CArgs(op, *syntax) + ")";
    // A call without arguments: drop the trailing ", ".
    std::string fixed = call;
    const std::string empty_args = ", ))";
    if (const size_t at = fixed.find(empty_args); at != std::string::npos) fixed.replace(at, empty_args.size(), "))");
    body << "  step_done(" << i << ", " << CString(FormatCall(op, false)) << ", " << fixed << ",\n            "
         << COutcome(outcome, op, config) << ", " << (op.kind == OpKind::kMmap) << ");\n";
  }
  Predict(model, Outcome{}, &expected);
  const MemoryTotals totals = model.Totals();
  const uint64_t outside_kb =
      model.outside_lock() != Lock::kNone ? config.outside_lockable_pages * config.page_size / 1024 : 0;
  const PageWindow window = WindowOf(ops, config.page_size, config.arena_pages);

  c << "static const struct run expected_pages[] __attribute__((unused)) = {\n" << ExpectedRuns(expected) << "};\n\n";
  c << "int main(void) {\n"
    << "  prepare();\n"
    << "  printf(\"arena A = 0x%lx; calls (>> where the result differs):\\n\", ARENA);\n"
    << body.str()
    << "  observe();\n"
    << "  printf(\"after step " << last << ":\\n\");\n";
  if (window.end > window.first) {
    c << "  printf(\"  page map of pages " << window.first << "-" << window.end - 1
      << " ('.' unmapped, m mapped, l lo, f lo lf; upper case resident)\\n\");\n"
      << "  printf(\"    expected  " << PageMap(expected, window.first, window.end) << "\\n    observed  \");\n"
      << "  for (unsigned long p = " << window.first << "; p < " << window.end << "; p++) putchar(page_char(p));\n"
      << "  printf(\"\\n\");\n";
  }
  const bool flags = Has(check.channels, Channel::kVma), residency = Has(check.channels, Channel::kResidency);
  if (flags || residency) {
    c << "  check_pages(expected_pages, (int)(sizeof expected_pages / sizeof expected_pages[0]), " << flags << ", "
      << residency << ");\n";
  }
  if (Has(check.channels, Channel::kRss)) c << "  check_kb(\"smaps Rss (arena)\", " << totals.rss_kb << ", sum_kb(0));\n";
  if (Has(check.channels, Channel::kLocked)) {
    c << "  check_kb(\"smaps Locked (arena)\", " << totals.locked_kb << ", sum_kb(1));\n";
  }
  if (Has(check.channels, Channel::kVmLck)) {
    // The model's VmLck counts the executor's own mappings under
    // mlockall(MCL_CURRENT); here the program's own are what smaps shows
    // locked outside the arena.
    c << "  check_kb(\"VmLck (arena" << (outside_kb || model.outside_lock() != Lock::kNone ? ", less this program's own locked VMAs" : "")
      << ")\", " << totals.vmlck_kb - outside_kb << ", vmlck_kb"
      << (model.outside_lock() != Lock::kNone ? " - lo_outside_kb" : "") << ");\n";
  }
  if (Has(check.channels, Channel::kVmLckVsSmaps)) {
    c << "  check_kb(\"VmLck vs the sizes of all lo VMAs in smaps\", lo_total_kb, vmlck_kb);\n";
  }
  c << "  if (bug_present) {\n"
    << "    printf(\"BUG PRESENT: the kernel differs from the model\\n\");\n"
    << "    return 1;\n"
    << "  }\n"
    << "  printf(\"no bug: the kernel agrees with the model\\n\");\n"
    << "  return 0;\n"
    << "}\n";
  return c.str();
}

ModelConfig HostModelConfig(std::string* why) {
  ModelConfig config;
  why->clear();
  const ExecutorOptions defaults;
  config.arena_base = defaults.arena_base;
  config.arena_pages = defaults.arena_pages;
  const auto profile = ProfileForRelease(KernelRelease(), why);
  if (!profile) {
    if (why->empty()) *why = "kernel " + KernelRelease() + " is not modelled";
    return config;
  }
  why->clear();
  config.profile = *profile;
  config.exec_only_readable = ExecOnlyIsReadable();
  return config;
}

}  // namespace mlc
