#!/usr/bin/env bash
# Tests of running the suite on other kernels (runners/vm): bad input, a
# Debian kernel under qemu, the guest's machine (CPUs, NUMA nodes, swap,
# cgroup v2), panics, hangs, the matrix, the kselftest package,
# and the gate: a kernel built with a deliberate mm/mlock.c bug must fail.
# Usage: vm_test.sh CASE BIN-DIR   (BIN-DIR holds the built binaries)
set -uo pipefail
case_name=$1
export MLOCKCHECK_BIN_DIR=$2
vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL($case_name): $*"
  echo "--- stdout"; tail -n 40 "$tmp/out" 2>/dev/null
  echo "--- stderr"; tail -n 30 "$tmp/err" 2>/dev/null
  exit 1
}
skip() { echo "SKIP($case_name): $*"; exit 77; }
run() {
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"; }
expect_out() { grep -qE -- "$1" "$tmp/out" || fail "stdout lacks /$1/"; }
expect_err() { grep -qE -- "$1" "$tmp/err" || fail "stderr lacks /$1/"; }
# One line of reason: the first stderr line after the notes on the boot
# (the "booting" line, and once the suite started, what the guest's machine
# has and lacks) names the cause (the evidence follows it).
expect_first_err() {
  grep -vE '^mlockcheck vm: (booting |guest: |(smp|numa|swap|cgroup2): )' "$tmp/err" | head -n 1 | grep -qE -- "$1" ||
    fail "the reason line is not /$1/"
}
expect_result() {  # $1: regex the RESULT line must match
  tail -n 1 "$tmp/out" | grep -qE "^(# )?RESULT kernel=$1" || fail "last line is not a RESULT line matching /$1/"
}
vm() { run bash "$vm_dir/vm.sh" "$@"; }
# The random property's shrunk sequence: its report's "final sequence",
# printed before its KTAP result (corpus scenarios that fail on the same
# kernel report after it, their whole files).
shrunk_calls() {
  sed -n '1,/^not ok [0-9]* Conformance\.KernelMatchesModelAfterEveryStep$/p' "$tmp/out" |
    sed -nE 's/^# final sequence \(([0-9]+) calls?[;,].*/\1/p' | tail -n 1
}

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (./mlockcheck test installs it as root)"

# The Debian 6.1 cloud kernel, fetched into the cache (a shared helper).
debian_61() {
  source "$vm_dir/lib.sh"
  kernel=$(debian_kernel linux-image-cloud-amd64) || fail "cannot fetch Debian's 6.1 cloud kernel"
  [ -f "$kernel" ] || fail "no kernel image after the download"
}

# hugetlb events of the coverage summary, by name: the count must be > 0.
expect_event() {
  grep -qE "^    $1 +[1-9][0-9]*(  in [0-9]+ sequences?)?$" "$tmp/out" || fail "coverage shows no '$1'"
}

case "$case_name" in
  secretmem)
    # memfd_secret after "mm/secretmem: properly account locked pages"
    # (Debian's 6.12.117): no lo, each page charged to the user's locked_vm
    # at fault time, SIGBUS over RLIMIT_MEMLOCK. The seed fixes the
    # sequences (generation follows the model), and these reach both.
    source "$vm_dir/lib.sh"
    kernel=$(debian_kernel linux-image-6.12-cloud-amd64) || fail "cannot fetch Debian's 6.12 cloud kernel"
    vm --kernel "$kernel" --timeout 400 -- --sequences 1500 --seed 32
    expect_rc 0
    expect_out "^memfd_secret: mappings are not VM_LOCKED here; each page is charged to the user's locked_vm"
    expect_result '6\.12\.[0-9]+\+deb12-cloud-amd64 sequences=[0-9]+ steps=[0-9]+ divergences=0 '
    expect_event "secretmem fault charged the user's locked_vm"
    expect_event 'secretmem fault over RLIMIT_MEMLOCK \(SIGBUS\)'
    ;;
  hugetlb)
    # hugetlb mappings need reserved huge pages, which only a guest booted
    # with hugepages=N gives us (the suite never changes the reservation).
    # 6.12 with room for every mapping; 6.1 with 3 pages, so reservations
    # fail too, and its mmap(MAP_FIXED) answers a refused split with ENOMEM.
    source "$vm_dir/lib.sh"
    kernel=$(debian_kernel linux-image-6.12-cloud-amd64) || fail "cannot fetch Debian's 6.12 cloud kernel"
    vm --kernel "$kernel" --timeout 300 --append hugepages=12 -- --sequences 400 --seed 11
    expect_rc 0
    expect_out '^hugetlb: 12 free huge pages of 2048 kB for MAP_HUGETLB'
    expect_result '6\.12\.[0-9]+\+deb12-cloud-amd64 sequences=[0-9]+ steps=[0-9]+ divergences=0 '
    for event in 'hugetlb mapping created' 'hugetlb pages a lock request left unlocked' 'populate allocated a huge page' \
      'touch allocated a huge page' 'split of a hugetlb VMA off its huge page boundary refused'; do
      expect_event "$event"
    done
    debian_61
    vm --kernel "$kernel" --timeout 300 --append hugepages=3 -- --sequences 600 --seed 12
    expect_rc 0
    expect_out '^hugetlb: 3 free huge pages of 2048 kB'
    expect_result '6\.1\.[0-9]+-[0-9]+-cloud-amd64 sequences=[0-9]+ steps=[0-9]+ divergences=0 '
    expect_event 'MAP_HUGETLB without free huge pages \(ENOMEM\)'
    expect_event 'split of a hugetlb VMA off its huge page boundary refused'
    # Without reserved pages the run says what it cannot check.
    vm --kernel "$kernel" --timeout 300 -- --sequences 50
    expect_rc 0
    expect_out '^hugetlb: no free huge pages \(HugePages_Free 0, HugePages_Rsvd 0\): MAP_HUGETLB is checked for its ENOMEM only'
    ;;
  bad-input)
    vm --kernel "$tmp/none"
    expect_rc 2
    expect_first_err "^mlockcheck vm: no kernel image at $tmp/none$"
    head -c 300000 /dev/urandom >"$tmp/garbage"
    vm --kernel "$tmp/garbage" --accel tcg --timeout 60
    expect_rc 2
    expect_err "^mlockcheck vm: $tmp/garbage is not a bootable x86-64 kernel image"
    vm --kernel "$tmp/garbage" --frobnicate
    expect_rc 2
    expect_first_err "^mlockcheck vm: unknown flag '--frobnicate'$"
    vm --kernel "$tmp/garbage" --memory lots
    expect_rc 2
    expect_first_err "memory needs a number"
    vm --kernel "$tmp/garbage" --smp 0
    expect_rc 2
    expect_first_err "^mlockcheck vm: --smp needs a number of CPUs from 1 to 64$"
    vm --kernel "$tmp/garbage" --numa-nodes two
    expect_rc 2
    expect_first_err "^mlockcheck vm: --numa-nodes needs a number of nodes from 0 to 8 \(0 or 1: no NUMA\)$"
    vm --kernel "$tmp/garbage" --numa-nodes 4 --memory 128
    expect_rc 2
    expect_first_err "^mlockcheck vm: --numa-nodes 4 needs at least 64 MiB a node \(--memory 256\)$"
    vm --kernel "$tmp/garbage" --swap-mib -1
    expect_rc 2
    expect_first_err "^mlockcheck vm: --swap-mib needs a number of MiB from 0 \(no swap\) to 65536$"
    vm
    expect_rc 2
    expect_first_err "kernel PATH is required"
    run bash "$vm_dir/build_kernel.sh" --source "$tmp"
    expect_rc 2
    expect_first_err "is not a Linux source tree"
    run bash "$vm_dir/build_kernel.sh" --patch "$tmp/none.patch"
    expect_rc 2
    expect_first_err "no patch file"
    run bash "$vm_dir/matrix.sh" --bogus
    expect_rc 2
    expect_first_err "unknown flag '--bogus'"
    run bash "$vm_dir/package.sh"
    expect_rc 2
    expect_first_err "kselftest DIR is required"
    # A Debian kernel series the sources do not offer is refused by name
    # (the matrix shows it as a SKIP row with this reason).
    run bash -c 'source "$1/lib.sh"; debian_kernel linux-image-no-such-series-amd64' _ "$vm_dir"
    expect_rc 2
    expect_first_err "Debian's sources name no kernel for linux-image-no-such-series-amd64"
    ;;
  debian-6.1)
    # The first real run of the pre-6.2 profile ('??' for VM_LOCKONFAULT).
    debian_61
    vm --kernel "$kernel" --timeout 300 -- --ktap --sequences 300 --junit "$tmp/junit.xml"
    expect_rc 0
    [ "$(sed -n 1p "$tmp/out")" = "KTAP version 1" ] || fail "the guest's output does not start with 'KTAP version 1'"
    expect_out "^# mlockcheck: kernel 6\.1\.[0-9]+-[0-9]+-cloud-amd64, profile 6\.1: VM_LOCKONFAULT in smaps as '\?\?'"
    expect_out '^ok 1 Conformance\.KernelMatchesModelAfterEveryStep$'
    ! grep -qE '^not ok' "$tmp/out" || fail "a test failed in the guest"
    ! grep -q 'MLOCKCHECK-VM' "$tmp/out" || fail "the guest's control lines leaked into the output"
    # stdout is KTAP alone (the suite's own stderr lines come out on stderr:
    # the --frobnicate run below); RapidCheck's configuration line is no
    # longer printed at all.
    ! grep -q '^Using configuration' "$tmp/out" "$tmp/err" || fail "RapidCheck's configuration line is printed"
    expect_result '6\.1\.[0-9]+-[0-9]+-cloud-amd64 sequences=[0-9]+ steps=[0-9]+ divergences=0 '
    expect_err 'guest exit code 0; boot to /init [0-9.]+ s, to the first test [0-9.]+ s under (TCG|KVM)'
    grep -q 'name="KernelMatchesModelAfterEveryStep"' "$tmp/junit.xml" || fail "no JUnit file from the guest"
    # Non-zero exit codes come out of the guest too: a planted model bug
    # (exit 1, with its shrunk report) and a bad flag (exit 2).
    # The failing run's report directories and JUnit file come home, to the
    # paths the flags name on the host, and are the guest's own: report.txt
    # says what the terminal said, sequence.txt replays, repro.c builds.
    mkdir -p "$tmp/home" && cd "$tmp/home" || fail "no scratch directory"
    vm --kernel "$kernel" --accel tcg --timeout 300 -- --planted-bug --ktap --seed 7 --sequences 1000 \
      --report-dir "$tmp/reports" --junit "$tmp/failing.xml"
    expect_rc 1
    expect_out '^# DIVERGENCE: kernel 6\.1\.'
    expect_err 'guest exit code 1'
    expect_out "^# report: $tmp/reports/ \\(report\\.txt, sequence\\.txt, repro\\.c\\)$"
    for f in report.txt sequence.txt repro.c; do
      [ -s "$tmp/reports/$f" ] || fail "the guest's $f did not reach $tmp/reports"
    done
    grep -qE '^DIVERGENCE: kernel 6\.1\.[0-9]+-[0-9]+-cloud-amd64 differs from the model' "$tmp/reports/report.txt" ||
      fail "report.txt is not the guest's report"
    grep -q '^# found: 6\.1\.' "$tmp/reports/sequence.txt" || fail "sequence.txt is not the guest's"
    cc -static -o "$tmp/repro" "$tmp/reports/repro.c" 2>"$tmp/cc.err" || fail "repro.c from the guest does not build: $(head -n 3 "$tmp/cc.err")"
    grep -q '<failure' "$tmp/failing.xml" || fail "the failing run's JUnit file did not come home with its failure"
    # Later reports of the run go to the -2, -3 siblings, as the suite names them.
    for d in "$tmp"/reports-*; do
      [ -d "$d" ] || continue
      [ -s "$d/report.txt" ] || fail "$d came home without report.txt"
      expect_out "^# report: $d/ "
    done
    # Without --report-dir: the default directory, under the host's current one.
    vm --kernel "$kernel" --accel tcg --timeout 300 -- --planted-bug --seed 7 --sequences 1000 --quiet
    expect_rc 1
    default_dir=$(sed -nE 's|^report: (mlockcheck-reports/6\.1\.[^/]+)/ \(report\.txt.*|\1|p' "$tmp/out" | head -n 1)
    [ -n "$default_dir" ] || fail "no default report directory named"
    [ -s "$tmp/home/$default_dir/report.txt" ] || fail "the default report directory did not come home to $tmp/home/$default_dir"
    # An output path the host cannot write is refused before the boot.
    vm --kernel "$kernel" --accel tcg --timeout 300 -- --junit /nonexistent/dir/x.xml
    expect_rc 2
    expect_first_err "^mlockcheck vm: --junit: /nonexistent/dir/x\.xml: directory /nonexistent/dir does not exist$"
    cd / || true
    vm --kernel "$kernel" --accel tcg --timeout 300 -- --frobnicate
    expect_rc 2
    expect_err "^mlockcheck: unknown flag '--frobnicate'$"
    expect_err 'guest exit code 2'
    # Without the exit device the guest reboots and its last line still
    # carries the code.
    vm --kernel "$kernel" --accel tcg --timeout 300 --no-exit-device -- --planted-bug --seed 7 --sequences 1000 --quiet
    expect_rc 1
    expect_err 'guest exit code 1'
    ;;
  machine)
    # The guest's machine (vm.sh; vm_init.c SetUpGuest()): by default two
    # CPUs, two NUMA nodes (qemu's SRAT), swap on a RAM disk (brd.ko kept
    # from the kernel's package) and cgroup2 with the memory controller.
    debian_61
    vm --kernel "$kernel" --timeout 300 -- --sequences 20
    expect_rc 0
    # As many CPUs as the host has, at least two.
    cpus=$(nproc)
    [ "$cpus" -ge 2 ] || cpus=2
    [ "$cpus" -le 64 ] || cpus=64
    expect_err "^mlockcheck vm: booting .* \\(memory 1024 MiB, $cpus CPUs, 2 NUMA nodes, swap 128 MiB, timeout 300 s\\)\$"
    expect_err "^mlockcheck vm: guest: $cpus CPUs, 2 NUMA nodes, swap 131068 KiB on /dev/ram0, cgroup2 with the memory controller\$"
    ! grep -qE '^mlockcheck vm: (smp|numa|swap|cgroup2): ' "$tmp/err" || fail "a piece of the guest's machine is missing"
    expect_out '^swap is active: MADV_PAGEOUT of anonymous pages is left open'
    # The residency operations and channels it makes possible (rules
    # 65-74): none of them may be skipped in silence.
    expect_out '^reclaim: each child runs alone in the memory cgroup /sys/fs/cgroup/mlockcheck-[0-9]+, with swap'
    expect_out '^migration: move_pages\(\) between the NUMA nodes with memory \(mask 0x3\)'
    expect_out '^meminfo: Mlocked and Unevictable compared after every drained step'
    expect_out '^vmstat: unevictable_pgs_mlocked - munlocked - stranded - cleared checked against Mlocked'
    expect_out '^compaction: compact_memory with compact_unevictable_allowed 0'
    expect_out '^ok +SystemCounters/EndOfRunTest\.MlockedComesBackOnceTheChildrenAreGone/Mlocked '
    ! grep -qE '^SKIP (numa-node channel|meminfo channel|vmstat channel|compaction operations|migration operations)' "$tmp/out" ||
      fail "a residency check is skipped in the default guest"
    # Opted out: one CPU, one node, no swap (MADV_PAGEOUT checked strictly).
    vm --kernel "$kernel" --timeout 300 --smp 1 --numa-nodes 0 --swap-mib 0 -- --sequences 20
    expect_rc 0
    expect_err '^mlockcheck vm: guest: 1 CPU, 1 NUMA node, no swap, cgroup2 with the memory controller$'
    ! grep -q '^swap is active' "$tmp/out" || fail "swap is active with --swap-mib 0"
    expect_out '^SKIP migration operations: (one NUMA node with memory|no /sys/devices/system/node/has_memory)'
    # A kernel lacking pieces: the image without its modules beside it (no
    # brd), its SRAT ignored (numa=noacpi), the memory controller off. Each
    # piece is named with its reason; the suite runs without them.
    mkdir -p "$tmp/bare/boot" && cp "$kernel" "$tmp/bare/boot/" || fail "cannot copy the kernel"
    vm --kernel "$tmp/bare/boot/$(basename "$kernel")" --timeout 300 --append "numa=noacpi cgroup_disable=memory" -- --sequences 20
    expect_rc 0
    expect_err '^mlockcheck vm: swap: no RAM disk /dev/ram0 \(.*\): the kernel needs CONFIG_BLK_DEV_RAM, built in or as brd\.ko beside its image$'
    expect_err '^mlockcheck vm: numa: 1 node of the 2 asked for: the kernel needs CONFIG_ACPI_NUMA \(qemu.s SRAT\) or CONFIG_NUMA_EMU \(numa=fake=2\)$'
    expect_err '^mlockcheck vm: cgroup2: no memory controller in /sys/fs/cgroup/cgroup\.controllers: the kernel needs CONFIG_MEMCG$'
    expect_err '^mlockcheck vm: guest: 2 CPUs, 1 NUMA node, no swap, no cgroup2 memory controller$'
    ! grep -q '^swap is active' "$tmp/out" || fail "swap is active without a RAM disk"
    expect_result '6\.1\.[0-9]+-[0-9]+-cloud-amd64 sequences=[0-9]+ steps=[0-9]+ divergences=0 '
    ;;
  panic)
    # The kernel finds no /init: it panics, and the host says so in a line.
    debian_61
    vm --kernel "$kernel" --accel tcg --timeout 120 --append rdinit=/nonexistent
    expect_rc 2
    expect_first_err "^mlockcheck vm: the kernel did not run the initramfs's /init .*Kernel panic - not syncing: VFS: Unable to mount root fs"
    ;;
  hang)
    # A run far longer than --timeout is killed and reported as a hang, with
    # the guest's last output.
    debian_61
    vm --kernel "$kernel" --accel tcg --timeout 25 -- --sequences 1000000
    expect_rc 2
    expect_first_err "^mlockcheck vm: HANG: the guest gave no result within --timeout 25 s$"
    expect_err "^  mlockcheck: kernel 6\.1\."
    ;;
  matrix)
    # Side by side (--jobs 3): the rows still come in the kernels' order.
    run bash "$vm_dir/matrix.sh" --report-dir "$tmp/reports" --jobs 3 -- --sequences 40
    expect_rc 0
    for k in "$(uname -r)" '6\.1\.[0-9]+-[0-9]+-cloud-amd64' '6\.12\.[0-9]+\+deb12-cloud-amd64'; do
      grep -qE "^$k +(host|TCG|KVM) +[0-9]+ +[0-9]+ +0 +[-0-9]+ +pass " "$tmp/out" || fail "no passing row for $k"
    done
    order=$(grep -E '^[^ ]+ +(host|TCG|KVM) ' "$tmp/out" | awk '{print $1}' | tr '\n' ' ')
    [[ "$order" =~ ^$(uname -r)\ 6\.1\.[^\ ]+\ 6\.12\.[^\ ]+\ $ ]] || fail "rows not in the kernels' order: $order"
    run bash "$vm_dir/matrix.sh" --jobs 0
    expect_rc 2
    [ "$(ls "$tmp/reports"/*.ktap | wc -l)" -eq 3 ] || fail "expected 3 KTAP files in the report directory"
    [ "$(ls "$tmp/reports"/*.junit.xml | wc -l)" -eq 3 ] || fail "expected 3 JUnit files in the report directory"
    # The guests boot with huge pages and secretmem, so both are checked there.
    for k in "$tmp"/reports/6.1.*-cloud-amd64.ktap "$tmp"/reports/6.12.*-cloud-amd64.ktap; do
      grep -q '^# hugetlb: 8 free huge pages' "$k" || fail "$(basename "$k"): no free huge pages in the guest"
      ! grep -q '^# SKIP memfd_secret' "$k" || fail "$(basename "$k"): memfd_secret skipped in the guest"
    done
    ;;
  kselftest)
    run bash "$vm_dir/package.sh" --kselftest "$tmp/ks" --timeout 300 -- --sequences 30
    expect_rc 0
    grep -qx 'timeout=300' "$tmp/ks/settings" || fail "settings lacks timeout=300"
    grep -q '^CONFIG_PROC_PAGE_MONITOR=y$' "$tmp/ks/config" || fail "config lacks the fragment"
    file "$tmp/ks/mlockcheck-conformance" 2>/dev/null | grep -q 'statically linked' ||
      ldd "$tmp/ks/mlockcheck-conformance" 2>&1 | grep -q 'not a dynamic executable' || fail "the packaged suite is not static"
    caps=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
    [ $((0x$caps >> 14 & 1)) -eq 1 ] || skip "running run.sh needs CAP_IPC_LOCK (root)"
    run "$tmp/ks/run.sh"
    expect_rc 0
    [ "$(sed -n 1p "$tmp/out")" = "KTAP version 1" ] || fail "run.sh does not print KTAP"
    expect_out '30 sequences'
    (cd "$tmp" && "$tmp/ks/run.sh" --planted-bug --seed 7 --sequences 300 >"$tmp/out" 2>"$tmp/err")
    rc=$?
    expect_rc 1
    # The report directories come home through the log: unpacked on the
    # "host" (another directory), they are the files the run wrote.
    expect_out '^# MLOCKCHECK-VM-FILE default/mlockcheck-reports/.*/report\.txt$'
    mkdir -p "$tmp/host" && (cd "$tmp/host" && bash "$vm_dir/unpack.sh" "$tmp/out" >"$tmp/unpack.out" 2>&1) ||
      fail "unpack failed: $(cat "$tmp/unpack.out")"
    written=$(sed -n 's/^wrote //p' "$tmp/unpack.out" | grep '/report\.txt$' | head -n 1)
    [ -n "$written" ] || fail "unpack wrote no report.txt: $(cat "$tmp/unpack.out")"
    cmp -s "$tmp/host/$written" "$tmp/ks/$written" || fail "the unpacked $written differs from the one run.sh wrote"
    run "$tmp/ks/run.sh" --frobnicate
    expect_rc 1
    expect_out 'harness error \(exit 2\), reported as a failure'
    # A shard of a run over machines, as a setting: its results come home
    # in the log, and merge joins them with the other shard's.
    run bash "$vm_dir/package.sh" --kselftest "$tmp/ks2" --timeout 300 --shard 2/2 -- --sequences 30 --seed 5
    expect_rc 0
    grep -qx 'shard=2/2' "$tmp/ks2/settings" || fail "settings lacks shard=2/2"
    run "$tmp/ks2/run.sh"
    expect_rc 0
    MLOCKCHECK_SHARD=1/2 "$tmp/ks2/run.sh" >"$tmp/shard1.log" 2>&1 || fail "shard 1/2 by the environment failed"
    mkdir -p "$tmp/farm" && (cd "$tmp/farm" && bash "$vm_dir/unpack.sh" "$tmp/out" "$tmp/shard1.log" >/dev/null 2>&1) ||
      fail "unpack of the shards' logs failed"
    run "$MLOCKCHECK_BIN_DIR/mlockcheck-tools" merge "$tmp/farm/mlockcheck-results/shard-1-2" "$tmp/farm/mlockcheck-results/shard-2-2"
    expect_rc 0
    expect_out '^RESULT kernel=[^ ]+ sequences=[0-9]+ '
    run bash "$vm_dir/package.sh" --kselftest "$tmp/ks3" --shard 3/2
    expect_rc 2
    run bash "$vm_dir/package.sh" --kselftest "$tmp/ks3" --shard 1/2 -- --sequences 30
    expect_rc 2
    grep -q -- '--shard needs --seed' "$tmp/err" || fail "a shard without --seed was packaged"
    ;;
  gate)
    # The 6.1 kernel built three times: clean, with a patch of ours breaking
    # mlock's rounding rule, and with one breaking a residency rule (a
    # migrated locked page munlocked). The suite must pass on the first and,
    # on the others, fail with exit 1 and a shrunk report naming the channel.
    [ "$(id -u)" -eq 0 ] || [ -r /usr/src/linux-source-6.1.tar.xz ] || skip "needs linux-source-6.1 (./mlockcheck test installs it as root)"
    patch_file="$vm_dir/testdata/mlock-drops-page-offset.patch"
    run bash "$vm_dir/build_kernel.sh" --out "$tmp/clean.bzImage"
    expect_rc 0
    vm --kernel "$tmp/clean.bzImage" --timeout 300 -- --ktap --seed 1 --sequences 300
    expect_rc 0
    expect_out "^# mlockcheck: kernel 6\.1\.[0-9]+-mlockcheck, profile 6\.1: VM_LOCKONFAULT in smaps as '\?\?'"
    expect_result '6\.1\.[0-9]+-mlockcheck sequences=[0-9]+ steps=[0-9]+ divergences=0 '
    run bash "$vm_dir/build_kernel.sh" --patch "$patch_file" --out "$tmp/broken.bzImage"
    expect_rc 0
    # Incremental: only the patched file and the image are rebuilt.
    build_log=$(sed -nE 's/.*\(log: (.*)\)$/\1/p' "$tmp/err" | tail -n 1)
    compiled=$(grep -cE '^  CC ' "$build_log")
    [ "$compiled" -le 5 ] || fail "the patched build compiled $compiled files, not incrementally"
    vm --kernel "$tmp/broken.bzImage" --timeout 300 -- --ktap --seed 1 --sequences 1000
    expect_rc 1
    expect_out '^not ok 1 Conformance\.KernelMatchesModelAfterEveryStep$'
    expect_out '^# DIVERGENCE: kernel 6\.1\.[0-9]+-mlockcheck differs from the model at step [0-9]+ of [0-9]+$'
    expect_out '^# channels that differ after step [0-9]+:$'
    expect_out '^#   (result|vma-flags|residency|smaps-rss|smaps-locked|vmlck|vmlck-vs-smaps)(:$|: expected )'
    calls=$(shrunk_calls)
    [ -n "$calls" ] && [ "$calls" -le 5 ] || fail "shrunk sequence has '$calls' calls, expected at most 5"
    expect_out "^# rerun: \./mlockcheck vm --kernel $tmp/broken\.bzImage -- --seed 1 "
    # RapidCheck's reproduce= line replays the minimal case inside the guest.
    reproduce=$(sed -nE 's/^RC_PARAMS="(reproduce=[^"]+)"$/\1/p' "$tmp/err" "$tmp/out" | head -n 1)
    [ -n "$reproduce" ] || fail "no RC_PARAMS=\"reproduce=...\" line"
    first=$(grep -m1 -E '^# >> ' "$tmp/out")
    RC_PARAMS=$reproduce vm --kernel "$tmp/broken.bzImage" --timeout 300 -- --ktap --seed 1 --sequences 1000
    expect_rc 1
    grep -qxF -- "$first" "$tmp/out" || fail "the reproduce= rerun does not fail at the same call: $first"
    # The matrix reports the broken kernel as a failure, with the report.
    run bash "$vm_dir/matrix.sh" --no-debian --kernel "$tmp/broken.bzImage" -- --seed 1 --sequences 300
    expect_rc 1
    grep -qE '^6\.1\.[0-9]+-mlockcheck +(TCG|KVM) +[0-9]+ +[0-9]+ +[1-9][0-9]* +[-0-9]+ +FAIL ' "$tmp/out" ||
      fail "no FAIL row for the broken kernel"
    expect_err '^# DIVERGENCE: kernel 6\.1\.[0-9]+-mlockcheck differs from the model'
    # The source tree is left as it was: the patch was reverted.
    # shellcheck source=runners/vm/lib.sh
    source "$vm_dir/lib.sh"
    [ "$(grep -c 'PAGE_ALIGN(len + (offset_in_page(start)))' "$cache_dir/src/linux-source-6.1/mm/mlock.c")" -eq 2 ] ||
      fail "the patch was not reverted in the source tree"
    # A residency rule broken: migration munlocks the page it moved (rule
    # 71). The clean kernel above migrated locked pages in its two-node
    # guest without a divergence; this one fails on the page-flags channel
    # after a move_pages() call, shrunk to a few calls.
    run bash "$vm_dir/build_kernel.sh" --patch "$vm_dir/testdata/migration-munlocks-new-page.patch" \
      --out "$tmp/unmlocked.bzImage"
    expect_rc 0
    vm --kernel "$tmp/unmlocked.bzImage" --timeout 300 -- --ktap --seed 1 --sequences 1000
    expect_rc 1
    expect_out '^# DIVERGENCE: kernel 6\.1\.[0-9]+-mlockcheck differs from the model at step [0-9]+ of [0-9]+$'
    expect_out '^#   page-flags:$'
    grep -qE '^# >> +[0-9]+ +move_pages\(' "$tmp/out" || fail "the diverging call is not a move_pages()"
    calls=$(shrunk_calls)
    [ -n "$calls" ] && [ "$calls" -le 5 ] || fail "shrunk sequence has '$calls' calls, expected at most 5"
    grep -qF 'munlock_page(new)' "$cache_dir/src/linux-source-6.1/mm/migrate.c" &&
      fail "the migration patch was not reverted in the source tree"
    ;;
  unsupported)
    # A kernel built without what the suite needs: the guest's /init names
    # the missing option and vm exits 2. Same build directory as the gate, so
    # the build only recompiles what the option touches.
    [ "$(id -u)" -eq 0 ] || [ -r /usr/src/linux-source-6.1.tar.xz ] || skip "needs linux-source-6.1 (./mlockcheck test installs it as root)"
    echo '# CONFIG_PROC_PAGE_MONITOR is not set' >"$tmp/no-smaps.config"
    run bash "$vm_dir/build_kernel.sh" --config "$tmp/no-smaps.config" --out "$tmp/no-smaps.bzImage"
    expect_rc 0
    vm --kernel "$tmp/no-smaps.bzImage" --timeout 300
    expect_rc 2
    expect_first_err "^mlockcheck vm: $tmp/no-smaps.bzImage cannot run the suite: no /proc/self/smaps: the kernel needs CONFIG_PROC_PAGE_MONITOR$"
    # (A kernel without CONFIG_SECCOMP is refused the same way, "no seccomp
    # filters: the kernel needs CONFIG_SECCOMP_FILTER"; building one here
    # would recompile nearly everything twice, since <linux/sched.h> depends
    # on it.)
    # A fragment asking for what the tree cannot give is refused by name.
    echo 'CONFIG_NO_SUCH_OPTION=y' >"$tmp/bogus.config"
    run bash "$vm_dir/build_kernel.sh" --config "$tmp/bogus.config"
    expect_rc 2
    expect_err "^mlockcheck build-kernel: the kernel config has no 'CONFIG_NO_SUCH_OPTION=y' after olddefconfig"
    ;;
  *)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "PASS($case_name)"
