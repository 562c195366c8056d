// mlockcheck-vm-init: the /init of the initramfs `./mlockcheck vm` boots.
//
// Gives itself a console, mounts /proc, checks that the kernel has what the
// suite needs, sets the guest up as /mlockcheck.vm asks (swap on a RAM
// disk, cgroup v2 with the memory controller; it checks the CPUs and NUMA
// nodes qemu gave), runs /mlockcheck-conformance with the arguments listed in
// /mlockcheck.args (one per line) and the environment in /mlockcheck.env,
// sends home every file the suite wrote under /out (its report directories
// and --junit file, which runners/vm/vm.sh points there), and ends the
// guest. The host reads the suite's exit code from the last line this
// program prints,
//   MLOCKCHECK-VM-EXIT <code>
// and, where the kernel allows ioperm(), qemu's isa-debug-exit device
// confirms it (qemu exits with 2*code+1). Without ioperm the guest reboots,
// which ends qemu under -no-reboot. A piece of the set-up the kernel cannot
// give is left out and named in one line, which vm.sh shows on its stderr,
//   MLOCKCHECK-VM-NOTE <piece>: <reason>
// and one line says what the guest has,
//   MLOCKCHECK-VM-NOTE guest: <CPUs>, <nodes>, <swap>, <cgroup2>
//
// Static C with no dependencies: it must run on a tinyconfig kernel.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SUITE "/mlockcheck-conformance"
#define ARGS_FILE "/mlockcheck.args"
#define ENV_FILE "/mlockcheck.env"
// The guest's set-up, from vm.sh: "cpus=N", "nodes=N", "swap_kib=N" lines.
#define VM_FILE "/mlockcheck.vm"
// The RAM disk driver as a module, when the kernel has it as one (vm.sh
// takes it from the kernel's modules; built in, vm.sh passes its
// parameters on the kernel command line instead).
#define BRD_MODULE "/brd.ko"
#define SWAP_DEVICE "/dev/ram0"
#define CGROUP_DIR "/sys/fs/cgroup"
// The suite's output files: /out/junit.xml, /out/user/... (--report-dir),
// /out/default/... (its working directory, where default report
// directories go).
#define OUT_DIR "/out"
#define DEFAULT_DIR "/out/default"
#define DEBUG_EXIT_PORT 0xf4  // -device isa-debug-exit,iobase=0xf4,iosize=0x04
#define MAX_ARGS 64

static void Say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void Say(const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  if (write(1, line, (size_t)n) < 0) return;
}

// The suite's standard error, on the third serial port (or with stdout).
static int g_suite_stderr = 1;

// Never returns: init must not exit (the kernel would panic).
static void End(int code) {
  Say("MLOCKCHECK-VM-EXIT %d", code);
  // write() to a serial tty returns once the bytes are in its buffer; the
  // UART sends the rest from interrupts, which with several CPUs may still
  // be pending when the exit port ends qemu, and the host would miss the
  // line. tcdrain() waits until the port has sent everything
  // (drivers/tty/tty_ioctl.c tty_wait_until_sent(), serial_core.c
  // uart_wait_until_sent()).
  tcdrain(1);
  if (g_suite_stderr != 1) tcdrain(g_suite_stderr);
  sync();
  if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0) outb((unsigned char)code, DEBUG_EXIT_PORT);
  reboot(RB_AUTOBOOT);
  for (;;) pause();
}

static void Unsupported(const char* reason) {
  Say("MLOCKCHECK-VM-UNSUPPORTED %s", reason);
  End(2);
}

// stdin/stdout/stderr on the first serial port, which the host reads as
// the suite's output (KTAP with --ktap); the kernel logs to its console (the
// second port) and the suite's stderr goes to the third (see
// runners/vm/vm.sh). The initramfs carries no device nodes: devtmpfs gives
// them, or mknod where the kernel lacks it.
static void OpenOutput(void) {
  mkdir("/dev", 0755);
  if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0) {
    mknod("/dev/ttyS0", S_IFCHR | 0600, makedev(4, 64));
    mknod("/dev/ttyS2", S_IFCHR | 0600, makedev(4, 66));
    mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
  }
  int fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
  if (fd < 0) fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;  // nothing to print to; the host reports the missing result
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
  const int err = open("/dev/ttyS2", O_WRONLY | O_NOCTTY);
  if (err >= 0) g_suite_stderr = err;
}

static void CheckFeatures(void) {
  mkdir("/proc", 0555);
  if (mount("proc", "/proc", "proc", 0, NULL) != 0) {
    Unsupported("cannot mount /proc: the kernel needs CONFIG_PROC_FS");
  }
  if (access("/proc/self/smaps", R_OK) != 0) {
    Unsupported("no /proc/self/smaps: the kernel needs CONFIG_PROC_PAGE_MONITOR");
  }
  // A NULL filter program fails with EFAULT when seccomp filters exist and
  // with EINVAL when they do not (kernel/seccomp.c prctl_set_seccomp()).
  if (prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, 0, 0, 0) == 0 || errno != EFAULT) {
    Unsupported("no seccomp filters: the kernel needs CONFIG_SECCOMP_FILTER");
  }
  mkdir("/tmp", 01777);
  mount("tmpfs", "/tmp", "tmpfs", 0, NULL);  // optional: / is writable anyway
  // The suite's tmpfs file is an O_TMPFILE in /dev/shm, as on a distribution
  // (without CONFIG_TMPFS the suite says why it skips that file).
  mkdir("/dev/shm", 01777);
  mount("tmpfs", "/dev/shm", "tmpfs", 0, NULL);
  // optional: --thp reads /sys/kernel/mm/transparent_hugepage (CONFIG_SYSFS)
  mkdir("/sys", 0555);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
}

// Reads a file of lines into buf, NUL-terminated.
static void ReadLines(const char* path, char* buf, size_t size) {
  const int fd = open(path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;
  if (fd >= 0) close(fd);
  buf[n > 0 ? n : 0] = '\0';
}

// Reads /mlockcheck.args into argv[1..]; argv[0] is the suite.
static int ReadArgs(char** argv, char* buf, size_t size) {
  int argc = 0;
  argv[argc++] = (char*)SUITE;
  ReadLines(ARGS_FILE, buf, size);
  for (char* line = strtok(buf, "\n"); line != NULL && argc < MAX_ARGS; line = strtok(NULL, "\n")) {
    argv[argc++] = line;
  }
  argv[argc] = NULL;
  return argc;
}

// /mlockcheck.env: NAME=VALUE lines from the host's environment (RC_PARAMS).
static void ReadEnv(char* buf, size_t size) {
  ReadLines(ENV_FILE, buf, size);
  for (char* line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) putenv(line);
}

// The guest's set-up. Each piece that fails is left out with a note; the
// suite runs on without it (and says so where it needs it).
struct VmSetup {
  long cpus, nodes, swap_kib;
};

static void ReadVmSetup(struct VmSetup* vm) {
  static char buf[512];
  vm->cpus = vm->nodes = 1;
  vm->swap_kib = 0;
  ReadLines(VM_FILE, buf, sizeof buf);
  for (char* line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    sscanf(line, "cpus=%ld", &vm->cpus);
    sscanf(line, "nodes=%ld", &vm->nodes);
    sscanf(line, "swap_kib=%ld", &vm->swap_kib);
  }
}

// Writes text into a file (sysfs and cgroupfs take a whole value per write).
static int WriteText(const char* path, const char* text) {
  const int fd = open(path, O_WRONLY);
  if (fd < 0) return -1;
  const ssize_t n = write(fd, text, strlen(text));
  const int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

// cgroup v2 at /sys/fs/cgroup, with the memory controller enabled for the
// root's children, so that the suite can put a child into a group of its
// own with memory.max. /sys/fs/cgroup exists when the kernel has
// CONFIG_CGROUPS (kernel/cgroup/cgroup.c cgroup_init() makes the mount point
// in sysfs). Returns what the summary line says.
static const char* SetUpCgroup(void) {
  static char why[256];
  const char* reason = NULL;
  if (access("/sys/kernel", F_OK) != 0) {
    reason = "no /sys: the kernel needs CONFIG_SYSFS";
  } else if (access(CGROUP_DIR, F_OK) != 0) {
    reason = "no " CGROUP_DIR ": the kernel needs CONFIG_CGROUPS";
  } else if (mount("cgroup2", CGROUP_DIR, "cgroup2", 0, NULL) != 0) {
    snprintf(why, sizeof why, "cannot mount cgroup2 at " CGROUP_DIR ": %s", strerror(errno));
    reason = why;
  } else {
    char controllers[256];
    ReadLines(CGROUP_DIR "/cgroup.controllers", controllers, sizeof controllers);
    if (strstr(controllers, "memory") == NULL) {
      // mm/memcontrol.c: the controller exists with CONFIG_MEMCG unless
      // cgroup_disable=memory turned it off.
      reason = "no memory controller in " CGROUP_DIR "/cgroup.controllers: the kernel needs CONFIG_MEMCG";
    } else if (WriteText(CGROUP_DIR "/cgroup.subtree_control", "+memory") != 0) {
      snprintf(why, sizeof why, "cannot enable the memory controller (+memory into cgroup.subtree_control): %s",
               strerror(errno));
      reason = why;
    }
  }
  if (reason == NULL) return "cgroup2 with the memory controller";
  Say("MLOCKCHECK-VM-NOTE cgroup2: %s", reason);
  return "no cgroup2 memory controller";
}

// A swap area on the RAM disk /dev/ram0 (drivers/block/brd.c), as mkswap
// would write it: include/linux/swap.h union swap_header, read back by
// mm/swapfile.c read_swap_header(): "SWAPSPACE2" in the last 10 bytes of
// the first page, version 1 at byte 1024, then last_page (the last usable
// page: the area is last_page + 1 pages, and may not be longer than the
// device) and nr_badpages 0. The RAM disk holds what is swapped out in the
// guest's own memory; that is enough for the kernel's reclaim paths.
static const char* SwapOnRamDisk(long kib, char* why, size_t size) {
  if (access("/proc/swaps", F_OK) != 0) return "no /proc/swaps: the kernel needs CONFIG_SWAP";
  if (access(BRD_MODULE, R_OK) == 0) {
    // rd_nr=1 rd_size=<KiB>: brd's module parameters (brd.c).
    char params[64];
    snprintf(params, sizeof params, "rd_nr=1 rd_size=%ld", kib);
    const int fd = open(BRD_MODULE, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || syscall(SYS_finit_module, fd, params, 0) != 0) {
      const int err = errno;
      snprintf(why, size, "cannot load brd.ko: %s%s", strerror(err),
               err == ENOSYS  ? " (the kernel has no CONFIG_MODULES)"
               : err == ENOEXEC ? " (a module of another kernel?)"
                                 : "");
      if (fd >= 0) close(fd);
      return why;
    }
    close(fd);
  }
  // devtmpfs makes the node when brd adds the disk; without it, the node
  // by number (RAMDISK_MAJOR 1, include/uapi/linux/major.h).
  if (access(SWAP_DEVICE, F_OK) != 0) mknod(SWAP_DEVICE, S_IFBLK | 0600, makedev(1, 0));
  const int fd = open(SWAP_DEVICE, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, size,
             "no RAM disk " SWAP_DEVICE " (%s): the kernel needs CONFIG_BLK_DEV_RAM, built in or as brd.ko beside "
             "its image",
             strerror(errno));
    return why;
  }
  const long page = sysconf(_SC_PAGESIZE);
  const off_t bytes = lseek(fd, 0, SEEK_END);
  const long pages = bytes > 0 ? (long)(bytes / page) : 0;
  if (pages < 2) {
    close(fd);
    snprintf(why, size, SWAP_DEVICE " holds %ld pages, too few for a swap area", pages);
    return why;
  }
  static char header[65536];
  if (page < 1024 + 12 || page > (long)sizeof header) {
    close(fd);
    return "unexpected page size";
  }
  memset(header, 0, (size_t)page);
  const unsigned version = 1, last_page = (unsigned)(pages - 1), nr_badpages = 0;
  memcpy(header + 1024, &version, 4);
  memcpy(header + 1028, &last_page, 4);
  memcpy(header + 1032, &nr_badpages, 4);
  memcpy(header + page - 10, "SWAPSPACE2", 10);
  const int wrote = pwrite(fd, header, (size_t)page, 0) == page && fsync(fd) == 0;
  const int err = errno;
  close(fd);
  if (!wrote) {
    snprintf(why, size, "cannot write the swap header to " SWAP_DEVICE ": %s", strerror(err));
    return why;
  }
  if (swapon(SWAP_DEVICE, 0) != 0) {
    snprintf(why, size, "swapon " SWAP_DEVICE ": %s", strerror(errno));
    return why;
  }
  snprintf(why, size, "swap %ld KiB on " SWAP_DEVICE, (pages - 1) * (page / 1024));
  return NULL;
}

static const char* SetUpSwap(long kib) {
  static char text[256];
  if (kib <= 0) return "no swap";
  const char* reason = SwapOnRamDisk(kib, text, sizeof text);
  if (reason == NULL) return text;
  Say("MLOCKCHECK-VM-NOTE swap: %s", reason);
  return "no swap";
}

// Nodes the kernel made: "0-1" in /sys/devices/system/node/online
// (drivers/base/node.c); 0 without CONFIG_NUMA (no such file).
static long OnlineNodes(void) {
  char online[64];
  long first = 0, last = -1;
  ReadLines("/sys/devices/system/node/online", online, sizeof online);
  const int n = sscanf(online, "%ld-%ld", &first, &last);
  if (n <= 0) return 0;
  return n == 1 ? 1 : last - first + 1;
}

// qemu gives the CPUs and nodes (vm.sh); whether the kernel uses them is
// its configuration's matter. Says which piece is missing, and why.
static void SetUpGuest(void) {
  struct VmSetup vm;
  ReadVmSetup(&vm);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < vm.cpus) {
    Say("MLOCKCHECK-VM-NOTE smp: %ld CPU online of the %ld qemu gives: the kernel needs CONFIG_SMP", cpus, vm.cpus);
  }
  const long nodes = OnlineNodes();
  if (vm.nodes >= 2 && nodes < vm.nodes) {
    if (nodes == 0) {
      Say("MLOCKCHECK-VM-NOTE numa: no NUMA nodes: the kernel needs CONFIG_NUMA");
    } else {
      // arch/x86/mm/numa.c numa_init(): nodes from ACPI's SRAT (qemu's
      // -numa node), else numa=fake=N with CONFIG_NUMA_EMU, else one.
      Say("MLOCKCHECK-VM-NOTE numa: %ld node%s of the %ld asked for: the kernel needs CONFIG_ACPI_NUMA (qemu's SRAT) "
          "or CONFIG_NUMA_EMU (numa=fake=%ld)",
          nodes, nodes == 1 ? "" : "s", vm.nodes, vm.nodes);
    }
  }
  // Automatic NUMA balancing (on by default on a multi-node machine,
  // CONFIG_NUMA_BALANCING_DEFAULT_ENABLED) may move the suite's pages by
  // itself, locked ones too (kernel/sched/fair.c task_numa_work()); the
  // guest is ours, so it is turned off and the numa-node channel has an
  // answer to compare (rule 70 of oracles/README.md).
  if (nodes >= 2 && access("/proc/sys/kernel/numa_balancing", F_OK) == 0 &&
      WriteText("/proc/sys/kernel/numa_balancing", "0") != 0) {
    Say("MLOCKCHECK-VM-NOTE numa: cannot turn kernel.numa_balancing off: the node channel is skipped");
  }
  const char* cgroup = SetUpCgroup();
  const char* swap = SetUpSwap(vm.swap_kib);
  Say("MLOCKCHECK-VM-NOTE guest: %ld CPU%s, %ld NUMA node%s, %s, %s", cpus, cpus == 1 ? "" : "s", nodes,
      nodes == 1 ? "" : "s", swap, cgroup);
}

// The suite's stdout goes to the console as it is; its stderr goes through
// a pipe, not a terminal, on which the suite would draw a progress line the
// serial log cannot carry.
static int RunSuite(char** argv) {
  int err[2];
  if (pipe(err) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(err[1], 2);
    close(err[0]);
    close(err[1]);
    if (g_suite_stderr > 2) close(g_suite_stderr);
    execv(SUITE, argv);
    Say("mlockcheck-vm-init: cannot run %s: %s", SUITE, strerror(errno));
    _exit(127);
  }
  close(err[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(err[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || write(g_suite_stderr, buf, (size_t)n) < 0) break;
  }
  close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  Say("mlockcheck-vm-init: the suite was killed by signal %d", WTERMSIG(status));
  return -1;
}

// One file, framed for the host and base64-encoded, so that nothing the
// serial line does to bytes (CR, control characters) can change it:
//   MLOCKCHECK-VM-FILE <path relative to /out>
//   <base64, 76 characters a line>
//   MLOCKCHECK-VM-FILE-END
static void SendFile(const char* path, const char* relative) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    Say("mlockcheck-vm-init: cannot read %s: %s", path, strerror(errno));
    return;
  }
  Say("MLOCKCHECK-VM-FILE %s", relative);
  unsigned char in[57];  // 57 bytes: one 76-character line
  char line[80];
  size_t have = 0;
  for (;;) {
    const ssize_t n = read(fd, in + have, sizeof in - have);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) have += (size_t)n;
    if (have < sizeof in && n > 0) continue;
    if (have == 0) break;
    size_t out = 0;
    for (size_t i = 0; i < have; i += 3) {
      const unsigned v = (unsigned)in[i] << 16 | (i + 1 < have ? (unsigned)in[i + 1] << 8 : 0) |
                         (i + 2 < have ? in[i + 2] : 0);
      line[out++] = kAlphabet[v >> 18 & 63];
      line[out++] = kAlphabet[v >> 12 & 63];
      line[out++] = i + 1 < have ? kAlphabet[v >> 6 & 63] : '=';
      line[out++] = i + 2 < have ? kAlphabet[v & 63] : '=';
    }
    line[out] = '\0';
    Say("%s", line);
    if (have < sizeof in) break;  // end of file
    have = 0;
  }
  close(fd);
  Say("MLOCKCHECK-VM-FILE-END");
}

// Every regular file below `dir`, depth first, names sorted so the host sees
// them in a stable order.
static void SendTree(const char* dir, const char* relative) {
  struct dirent** entries = NULL;
  const int n = scandir(dir, &entries, NULL, alphasort);
  for (int i = 0; i < n; ++i) {
    const char* name = entries[i]->d_name;
    if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
      char path[512], rel[512];
      snprintf(path, sizeof path, "%s/%s", dir, name);
      snprintf(rel, sizeof rel, "%s%s%s", relative, *relative ? "/" : "", name);
      struct stat st;
      if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        SendTree(path, rel);
      } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        SendFile(path, rel);
      }
    }
    free(entries[i]);
  }
  free(entries);
}

int main(void) {
  OpenOutput();
  CheckFeatures();
  // The host measures boot time to this line; uptime is the guest's view.
  char uptime[64] = "?";
  const int up = open("/proc/uptime", O_RDONLY);
  if (up >= 0) {
    const ssize_t n = read(up, uptime, sizeof uptime - 1);
    uptime[n > 0 ? n : 0] = '\0';
    uptime[strcspn(uptime, " \n")] = '\0';
    close(up);
  }
  Say("MLOCKCHECK-VM-INIT uptime=%s", uptime);
  SetUpGuest();
  static char buf[8192], env[8192];
  char* argv[MAX_ARGS + 1];
  ReadArgs(argv, buf, sizeof buf);
  ReadEnv(env, sizeof env);
  mkdir(OUT_DIR, 0755);
  mkdir(OUT_DIR "/user", 0755);
  mkdir(DEFAULT_DIR, 0755);
  if (chdir(DEFAULT_DIR) != 0) Say("mlockcheck-vm-init: cannot enter %s: %s", DEFAULT_DIR, strerror(errno));
  // The guest is the suite's alone: /proc/meminfo's Mlocked and Unevictable
  // can be compared exactly, and compaction may be asked for (rules 72, 73
  // of oracles/README.md).
  setenv("MLOCKCHECK_EXCLUSIVE_MACHINE", "1", 1);
  const int code = RunSuite(argv);
  SendTree(OUT_DIR, "");
  End(code < 0 ? 2 : code);
}
