/* The fixed part of every C reproducer mlockcheck writes (suite/lib/repro.cc
 * appends the calls and the checks, after defining PAGE, ARENA, ARENA_PAGES
 * and GUARD_PAGES). Plain C with libc only; each helper reads what the
 * executor reads (runners/executor/observe.cc): smaps per VMA, mincore per
 * page, VmLck. Embedded at build time (suite/CMakeLists.txt). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
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
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447 /* x86-64 */
#endif
/* madvise advice, include/uapi/asm-generic/mman-common.h (older libcs lack some). */
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

/* Expected side only (oracles/op.h Outcome): or_err, the call may as well
 * fail with this errno (memory.reclaim's EAGAIN); ret_max, it may as well
 * return any of ret + 1 .. ret_max (move_pages' pages not migrated). */
struct outcome { long ret; int err; int sig; int or_err; long ret_max; };
static unsigned long brk_base; /* the initial break, set by prepare() */
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

/* brk(initial break + offset): the kernel's answer, the new or the unchanged
 * break (never -1). */
/* "fork child: " while the child of fork_and_check() checks itself. */
static const char *channel_prefix = "";

static __attribute__((unused)) struct outcome brk_to(unsigned long offset) {
  struct outcome o = { syscall(SYS_brk, brk_base + offset), 0, 0 };
  return o;
}
/* fork(): the child maps its probe (not locked: def_flags is not inherited)
 * and exits; the parent waits. */
static __attribute__((unused)) struct outcome fork_and_probe(unsigned long addr, unsigned long len) {
  pid_t pid = fork();
  if (pid < 0) return sys_result(-1);
  if (pid == 0) {
    syscall(SYS_mmap, addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    _exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return sys_result(-1);
  struct outcome o = { 0, 0, 0 };
  return o;
}

/* The executor's files (oracles/files.h), created as every executor child
 * creates them and FILE_INITIAL_PAGES long; a file the kernel cannot
 * create stays -1 and its calls fail with EBADF, printed as a difference. */
static int file_fds[3] = { -1, -1, -1 };
#define MEMFD file_fds[0]
#define TMPFILE file_fds[1]
#define SECRETMEM file_fds[2]
static void create_files(void) {
  file_fds[0] = memfd_create("mlockcheck", MFD_CLOEXEC);
  file_fds[1] = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  file_fds[2] = (int)syscall(SYS_memfd_secret, 0);
  for (int f = 0; f < 3; f++)
    if (file_fds[f] >= 0) ftruncate(file_fds[f], (off_t)(FILE_INITIAL_PAGES * PAGE));
}

/* capset() taking CAP_IPC_LOCK (14) out of the effective and permitted sets,
 * as the executor does (raw::DropCapability): version 3 headers, two words. */
static __attribute__((unused)) struct outcome drop_cap_ipc_lock(void) {
  struct { unsigned int version; int pid; } header = { 0x20080522, 0 };
  struct { unsigned int effective, permitted, inheritable; } data[2];
  if (syscall(SYS_capget, &header, data) != 0) return sys_result(-1);
  data[0].effective &= ~(1u << 14);
  data[0].permitted &= ~(1u << 14);
  return sys_result(syscall(SYS_capset, &header, data));
}
static __attribute__((unused)) struct outcome set_memlock_limit(unsigned long cur, unsigned long max) {
  struct rlimit limit = { cur, max };
  return sys_result(syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, &limit, NULL));
}

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
  case ENODEV: return "ENODEV";
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
  else if (o.or_err) snprintf(b, 64, "%ld or -1 %s", o.ret, errno_name(o.or_err));
  else if (o.ret >= 0 && o.ret_max > o.ret) snprintf(b, 64, "%ld to %ld", o.ret, o.ret_max);
  else if (is_mmap && (unsigned long)o.ret >= ARENA) snprintf(b, 64, "A+0x%lx", (unsigned long)o.ret - ARENA);
  else snprintf(b, 64, "%ld", o.ret);
  return b;
}

/* Prints one call; with `check`, compares its outcome with the model's. */
static void step_done(int step, const char *call, struct outcome got, struct outcome want, int is_mmap) {
  int same = (got.ret == want.ret && got.err == want.err && got.sig == want.sig) ||
             (want.or_err && got.ret == -1 && got.err == want.or_err && !got.sig) ||
             (want.ret >= 0 && want.ret_max > want.ret && got.ret >= want.ret && got.ret <= want.ret_max && !got.err && !got.sig);
  printf("%s %2d  %s  = %s", same ? "  " : ">>", step, call, outcome_text(got, is_mmap));
  if (!same) {
    printf("  (expected %s)", outcome_text(want, is_mmap));
    bug_present = 1;
  }
  printf("\n");
}

/* The arena and the heap region as smaps and mincore show them. */
struct vma { unsigned long start, end; char perms[5]; int lo, lf, heap; unsigned long rss_kb, locked_kb; };
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
    all[i].heap = brk_base && all[i].start >= brk_base && all[i].end <= brk_base + HEAP_PAGES * PAGE;
    if (all[i].lo) {
      lo_total_kb += (all[i].end - all[i].start) / 1024;
      if (!inside) lo_outside_kb += (all[i].end - all[i].start) / 1024;
    }
    if (inside || all[i].heap) vmas[nvmas++] = all[i];
  }
  f = fopen("/proc/self/status", "r");
  if (!f) { perror("/proc/self/status"); exit(2); }
  vmlck_kb = 0;
  while (fgets(line, sizeof line, f)) sscanf(line, "VmLck: %lu kB", &vmlck_kb);
  fclose(f);
}

/* "rw-p lo lf" or "unmapped", as mlockcheck prints per-page flags. */
static __attribute__((unused)) const char *flags_at(unsigned long addr) {
  static char buf[16];
  for (int i = 0; i < nvmas; i++) {
    if (addr >= vmas[i].start && addr < vmas[i].end) {
      snprintf(buf, sizeof buf, "%.4s%s%s", vmas[i].perms, vmas[i].lo ? " lo" : "", vmas[i].lf ? " lf" : "");
      return buf;
    }
  }
  return "unmapped";
}

static __attribute__((unused)) int resident_at(unsigned long addr) {
  unsigned char v = 0;
  if (strcmp(flags_at(addr), "unmapped") == 0) return 0;
  if (syscall(SYS_mincore, addr, PAGE, &v) != 0) { perror("mincore"); exit(2); }
  return v & 1;
}
static __attribute__((unused)) const char *page_flags(unsigned long page) { return flags_at(ARENA + page * PAGE); }
static __attribute__((unused)) int page_resident(unsigned long page) { return resident_at(ARENA + page * PAGE); }

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

/* Differing pages are printed as the report prints them: runs of pages
 * with the same expected and observed values, "pages 1-3 (A+0x1000..A+0x4000)". */
struct diff_run { unsigned long first, end; char want[32], got[32]; };

static __attribute__((unused)) void flush_diff(const char *channel, struct diff_run *d) {
  if (d->end == d->first) return;
  if (d->end - d->first == 1)
    printf("  %s%s: page %lu (A+0x%lx..A+0x%lx): expected %s, observed %s\n", channel_prefix, channel, d->first,
           d->first * PAGE, d->end * PAGE, d->want, d->got);
  else
    printf("  %s%s: pages %lu-%lu (A+0x%lx..A+0x%lx): expected %s, observed %s\n", channel_prefix, channel, d->first,
           d->end - 1, d->first * PAGE, d->end * PAGE, d->want, d->got);
  bug_present = 1;
  d->first = d->end = 0;
}

/* Page p differs (want != got) or not (want == NULL). */
static __attribute__((unused)) void note_page(const char *channel, struct diff_run *d, unsigned long p, const char *want,
                                              const char *got) {
  if (want != NULL && d->end == p && d->end > d->first && strcmp(d->want, want) == 0 && strcmp(d->got, got) == 0) {
    d->end = p + 1;
    return;
  }
  flush_diff(channel, d);
  if (want == NULL) return;
  d->first = p;
  d->end = p + 1;
  snprintf(d->want, sizeof d->want, "%s", want);
  snprintf(d->got, sizeof d->got, "%s", got);
}

/* Pages of a region (the arena, or the heap above brk_base) against their
 * expected runs; page numbers count from the region's start. */
static __attribute__((unused)) void check_region(const char *vma_channel, const char *res_channel, unsigned long base,
                                                 unsigned long pages, const struct run *runs, int n, int flags,
                                                 int residency) {
  struct diff_run vma = {0}, res = {0};
  for (unsigned long p = 0; p < pages; p++) {
    const struct run *r = expected_run(runs, n, p);
    const char *want = r ? r->flags : "unmapped";
    const char *got = flags_at(base + p * PAGE);
    note_page(vma_channel, &vma, p, flags && strcmp(want, got) != 0 ? want : NULL, got);
    int want_resident = r ? r->resident : 0;
    /* 2: madvise left this page's residency open (MADV_FREE, MADV_PAGEOUT). */
    const int res_differs = residency && want_resident != 2 && want_resident != resident_at(base + p * PAGE);
    note_page(res_channel, &res, p, res_differs ? (want_resident ? "resident" : "absent") : NULL,
              want_resident ? "absent" : "resident");
  }
  flush_diff(vma_channel, &vma);
  flush_diff(res_channel, &res);
}
static __attribute__((unused)) void check_pages(const struct run *runs, int n, int flags, int residency) {
  check_region("vma-flags", "residency", ARENA, ARENA_PAGES, runs, n, flags, residency);
}
static __attribute__((unused)) void check_heap_pages(const struct run *runs, int n, int flags, int residency) {
  check_region("vma-flags (heap)", "residency (heap)", brk_base, HEAP_PAGES, runs, n, flags, residency);
}

/* The msync witness (runners/executor/observe.cc): msync(MS_INVALIDATE) of a
 * page of a VM_LOCKED VMA is EBUSY (mm/msync.c). */
static __attribute__((unused)) void check_msync(const struct run *runs, int n) {
  struct diff_run d = {0};
  for (unsigned long p = 0; p < ARENA_PAGES; p++) {
    const struct run *r = expected_run(runs, n, p);
    if (!r) {
      note_page("msync-ebusy", &d, p, NULL, NULL);
      continue;
    }
    int want = strstr(r->flags, " lo") != NULL;
    int got = msync((void *)(ARENA + p * PAGE), PAGE, MS_INVALIDATE) == -1 && errno == EBUSY;
    note_page("msync-ebusy", &d, p, want != got ? (want ? "EBUSY" : "no EBUSY") : NULL, got ? "EBUSY" : "no EBUSY");
  }
  flush_diff("msync-ebusy", &d);
}

static __attribute__((unused)) void check_kb(const char *channel, unsigned long want, unsigned long got) {
  printf("  %s%s: expected %lu kB, observed %lu kB%s\n", channel_prefix, channel, want, got,
         want == got ? "" : "  <-- differs");
  if (want != got) bug_present = 1;
}

/* A channel that pages madvise left open make a range. */
static __attribute__((unused)) void check_kb_range(const char *channel, unsigned long lo, unsigned long hi,
                                                   unsigned long got) {
  const int ok = got >= lo && got <= hi;
  printf("  %s%s: expected %lu to %lu kB, observed %lu kB%s\n", channel_prefix, channel, lo, hi, got,
         ok ? "" : "  <-- differs");
  if (!ok) bug_present = 1;
}

/* smaps Rss (locked 0) or Locked (1) summed over the arena, or the heap. */
static __attribute__((unused)) unsigned long sum_kb_of(int locked, int heap) {
  unsigned long kb = 0;
  for (int i = 0; i < nvmas; i++)
    if (vmas[i].heap == heap) kb += locked ? vmas[i].locked_kb : vmas[i].rss_kb;
  return kb;
}
static __attribute__((unused)) unsigned long sum_kb(int locked) { return sum_kb_of(locked, 0); }

/* fork() at the diverging step of a fork child's divergence: the child
 * maps its probe, then checks its own view with check_child(), which the
 * generated part defines with the child's expectations, and exits 1 where
 * it differs; the parent takes that verdict as its own. */
static struct outcome child_probe; /* the child's mmap, for check_child() */
static void check_child(void);
static __attribute__((unused)) struct outcome fork_and_check(unsigned long addr, unsigned long len) {
  pid_t pid = fork();
  if (pid < 0) return sys_result(-1);
  if (pid == 0) {
    child_probe = sys_result(syscall(SYS_mmap, addr, len, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    channel_prefix = "fork child: ";
    bug_present = 0;
    observe();
    check_child();
    _exit(bug_present ? 1 : 0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) > 1) return sys_result(-1);
  if (WEXITSTATUS(status) == 1) bug_present = 1;
  struct outcome o = { 0, 0, 0 };
  return o;
}
