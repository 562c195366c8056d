/* reclaim steps: this process runs in a memory cgroup of its own, as the
 * executor's children do (runners/executor/probe.cc ProbeMemcg()), below
 * the cgroup v2 root, which must enable the memory controller; it goes back
 * to its own group and removes the new one at exit. */
static int reclaim_fd = -1;
static char memcg_path[64], memcg_home[512];
/* Writes "0" (the writer itself) to an existing cgroup.procs; never creates
 * a file. */
static int move_self_to(const char *procs) {
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  int ok = fd >= 0 && write(fd, "0", 1) == 1;
  if (fd >= 0) close(fd);
  return ok;
}
static void leave_memcg(void) {
  char path[600];
  snprintf(path, sizeof path, "/sys/fs/cgroup%s/cgroup.procs", memcg_home);
  move_self_to(path);
  rmdir(memcg_path);
}
static __attribute__((unused)) void join_memcg(void) {
  char line[600];
  /* cgroup v2 at /sys/fs/cgroup (CGROUP2_SUPER_MAGIC), its root enabling
   * the memory controller: else mkdir would make a plain directory. */
  struct statfs fs;
  char controllers[256] = "";
  FILE *sc = fopen("/sys/fs/cgroup/cgroup.subtree_control", "r");
  if (sc && !fgets(controllers, sizeof controllers, sc)) controllers[0] = 0;
  if (sc) fclose(sc);
  snprintf(line, sizeof line, " %.250s ", controllers);
  line[strcspn(line, "\n")] = ' ';
  if (statfs("/sys/fs/cgroup", &fs) != 0 || fs.f_type != 0x63677270 || !strstr(line, " memory ")) {
    printf("cannot run: reclaim needs cgroup v2 at /sys/fs/cgroup with the memory controller enabled in its "
           "root's cgroup.subtree_control\n");
    exit(2);
  }
  FILE *self = fopen("/proc/self/cgroup", "r");
  while (self && fgets(line, sizeof line, self))
    if (strncmp(line, "0::", 3) == 0) snprintf(memcg_home, sizeof memcg_home, "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
  if (self) fclose(self);
  if (strcmp(memcg_home, "/") == 0) memcg_home[0] = 0;
  snprintf(memcg_path, sizeof memcg_path, "/sys/fs/cgroup/mlockcheck-repro-%d", (int)getpid());
  if (mkdir(memcg_path, 0700) != 0) {
    printf("cannot run: cannot create the cgroup %s (%s); reclaim needs root and a cgroup v2 root that enables "
           "the memory controller\n", memcg_path, strerror(errno));
    exit(2);
  }
  snprintf(line, sizeof line, "%s/cgroup.procs", memcg_path);
  if (!move_self_to(line)) {
    printf("cannot run: cannot join the cgroup %s (%s)\n", memcg_path, strerror(errno));
    rmdir(memcg_path);
    exit(2);
  }
  atexit(leave_memcg);
  snprintf(line, sizeof line, "%s/memory.reclaim", memcg_path);
  reclaim_fd = open(line, O_WRONLY | O_CLOEXEC);
  if (reclaim_fd < 0) {
    printf("cannot run: no %s (memory.reclaim needs 5.19)\n", line);
    exit(2);
  }
}
/* move_pages() and migrate_pages() need two NUMA nodes with memory, as the suite does. */
static __attribute__((unused)) void check_numa_nodes(void) {
  char text[256] = "";
  FILE *f = fopen("/sys/devices/system/node/has_memory", "r");
  if (f == NULL || fgets(text, sizeof text, f) == NULL || (strchr(text, '-') == NULL && strchr(text, ',') == NULL)) {
    printf("cannot run: migration needs two NUMA nodes with memory (/sys/devices/system/node/has_memory: %s)\n",
           text[0] ? strtok(text, "\n") : "missing");
    exit(2);
  }
  fclose(f);
}
/* migrate_pages(0, 65, old, new) of this whole process to `node` from every
 * other node with memory, as the executor asks it (runners/executor/step.cc). */
static __attribute__((unused)) struct outcome migrate_pages_to(unsigned long node) {
  char text[256] = "";
  FILE *f = fopen("/sys/devices/system/node/has_memory", "r");
  unsigned long memory = 0;
  if (f != NULL && fgets(text, sizeof text, f) != NULL) {
    for (char *p = text; *p != '\0' && *p != '\n';) {
      unsigned long first = strtoul(p, &p, 10), last = first;
      if (*p == '-') last = strtoul(p + 1, &p, 10);
      for (unsigned long n = first; n <= last && n < 64; ++n) memory |= 1UL << n;
      if (*p == ',') ++p;
    }
  }
  if (f != NULL) fclose(f);
  unsigned long target = node < 64 ? 1UL << node : 0, sources = memory & ~target;
  return sys_result(syscall(SYS_migrate_pages, 0, 65, &sources, &target));
}
/* The amount in bytes, as the executor writes it (runners/executor/step.cc). */
static __attribute__((unused)) struct outcome reclaim_memcg(unsigned long bytes) {
  char text[32];
  int n = snprintf(text, sizeof text, "%lu", bytes);
  struct outcome ok = { 0, 0, 0, 0 };
  return write(reclaim_fd, text, (size_t)n) < 0 ? sys_result(-1) : ok;
}

/* move_pages(0, ...) of every page of [addr, addr + len) to `node` with
 * MPOL_MF_MOVE; prints the status of each page (its node, or -errno). */
static __attribute__((unused)) struct outcome move_pages_to(unsigned long addr, unsigned long len, unsigned long node) {
  unsigned long first = addr & ~(PAGE - 1), count = (addr + len - first + PAGE - 1) / PAGE;
  static void *pages[ARENA_PAGES];
  static int nodes[ARENA_PAGES], status[ARENA_PAGES];
  for (unsigned long k = 0; k < count; ++k) {
    pages[k] = (void *)(addr + k * PAGE);
    nodes[k] = (int)node;
    status[k] = -0x7fffffff;
  }
  struct outcome o = sys_result(syscall(SYS_move_pages, 0, count, pages, nodes, status, 2 /* MPOL_MF_MOVE */));
  for (unsigned long k = 0; k < count && o.ret == 0; ++k) printf("       status[%lu] = %d\n", k, status[k]);
  return o;
}

/* compact_unevictable_allowed as found, written back at exit. */
static char compact_allowed_before[8];
static void restore_compaction(void) {
  int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
  if (fd >= 0) {
    if (write(fd, compact_allowed_before, strlen(compact_allowed_before)) < 0) perror("compact_unevictable_allowed");
    close(fd);
  }
}
/* What only a machine the run has to itself may do, as the suite's guests
 * say (MLOCKCHECK_EXCLUSIVE_MACHINE=1). */
static __attribute__((unused)) void check_exclusive_machine(const char *what, const char *why) {
  const char *mine = getenv("MLOCKCHECK_EXCLUSIVE_MACHINE");
  if (mine == NULL || strcmp(mine, "1") != 0) {
    printf("cannot run: %s needs a machine the run has to itself (MLOCKCHECK_EXCLUSIVE_MACHINE=1, as in "
           "./mlockcheck vm's guests): %s\n", what, why);
    exit(2);
  }
}
/* compact() changes the machine's sysctls: root on a test machine only. */
static __attribute__((unused)) void check_compaction(void) {
  check_exclusive_machine("compact", "it writes /proc/sys/vm/compact_memory");
  int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, compact_allowed_before, sizeof compact_allowed_before - 1);
  if (fd >= 0) close(fd);
  if (n <= 0 || access("/proc/sys/vm/compact_memory", W_OK) != 0) {
    printf("cannot run: compact needs root and CONFIG_COMPACTION (/proc/sys/vm/compact_memory)\n");
    exit(2);
  }
  compact_allowed_before[n] = '\0';
  atexit(restore_compaction);
}
/* compact(allowed): compact_unevictable_allowed, then all of memory, as
 * the executor does (the PFNs it compares are not read here). */
static __attribute__((unused)) struct outcome compact_all(unsigned long allowed) {
  int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
  if (fd < 0 || write(fd, allowed ? "1" : "0", 1) != 1) {
    perror("compact_unevictable_allowed");
    exit(2);
  }
  close(fd);
  fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
  long r = fd < 0 ? -1 : write(fd, "1", 1) == 1 ? 0 : -1;
  struct outcome o = sys_result(r);
  if (fd >= 0) close(fd);
  return o;
}

/* The privileges the expectations were computed with (defined by the
 * generated part): capable(CAP_IPC_LOCK) and RLIMIT_MEMLOCK decide EPERM,
 * ENOMEM and EAGAIN (ref 2, 7, 10, 12), CAP_SYS_RESOURCE whether the hard
 * limit may go up. The limit and CAP_SYS_RESOURCE are checked only where
 * the calls can depend on them. */
static void check_privileges(void) {
  char line[256];
  unsigned long long caps = 0;
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f)) sscanf(line, "CapEff: %llx", &caps);
  if (f) fclose(f);
  struct rlimit limit;
  getrlimit(RLIMIT_MEMLOCK, &limit);
  int ipc_lock = (caps >> 14) & 1, sys_resource = (caps >> 24) & 1;
  if (ipc_lock != EXPECT_CAP_IPC_LOCK ||
      (CHECK_MEMLOCK_LIMIT && (limit.rlim_cur != EXPECT_MEMLOCK_CUR || limit.rlim_max != EXPECT_MEMLOCK_MAX)) ||
      (CHECK_CAP_SYS_RESOURCE && sys_resource != EXPECT_CAP_SYS_RESOURCE)) {
    printf("cannot run: the expectations assume CAP_IPC_LOCK %s", EXPECT_CAP_IPC_LOCK ? "held" : "not held");
    if (CHECK_MEMLOCK_LIMIT) printf(", RLIMIT_MEMLOCK soft 0x%lx hard 0x%lx", EXPECT_MEMLOCK_CUR, EXPECT_MEMLOCK_MAX);
    if (CHECK_CAP_SYS_RESOURCE) printf(", CAP_SYS_RESOURCE %s", EXPECT_CAP_SYS_RESOURCE ? "held" : "not held");
    printf(" (this process: CAP_IPC_LOCK %d, soft 0x%lx hard 0x%lx, CAP_SYS_RESOURCE %d)\n", ipc_lock,
           (unsigned long)limit.rlim_cur, (unsigned long)limit.rlim_max, sys_resource);
    exit(2);
  }
}

static void prepare(void) {
  check_privileges();
  /* The arena and its guard holes must be free; MAP_FIXED_NOREPLACE says so. */
  unsigned long lo = ARENA - GUARD_PAGES * PAGE, len = (ARENA_PAGES + 2 * GUARD_PAGES) * PAGE;
  void *p = mmap((void *)lo, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
  if (p != (void *)lo) {
    printf("cannot run: the arena 0x%lx..0x%lx is in use\n", lo, lo + len);
    exit(2);
  }
  munmap(p, len);
  /* Into the cgroup before anything of the arena or the files is charged. */
  if (USES_RECLAIM) join_memcg();
  if (USES_MIGRATION) check_numa_nodes();
  if (USES_COMPACTION) check_compaction();
  if (USES_MIGRATE_PROCESS) check_exclusive_machine("migrate_pages", "it moves all of the process's memory");
  create_files();
  /* As the executor: no transparent huge pages, so every page is its own. */
  prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  setvbuf(stdout, NULL, _IONBF, 0);
  /* As the executor: the break on a page boundary with a PROT_NONE page
   * below it, so that brk's VMAs are brk's alone; brk offsets count from
   * brk_base. Nothing uses malloc's heap after this. */
  unsigned long cur = (unsigned long)sbrk(0), aligned = (cur + PAGE - 1) & ~(PAGE - 1);
  if (sbrk((long)(aligned - cur + PAGE)) == (void *)-1 || mprotect((void *)aligned, PAGE, PROT_NONE) != 0) {
    printf("cannot run: cannot set up the heap region\n");
    exit(2);
  }
  brk_base = aligned + PAGE;
}
