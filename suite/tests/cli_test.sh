#!/usr/bin/env bash
# Command-line behaviour of the conformance binary: exit codes, KTAP, JUnit,
# skips. Usage: cli_test.sh CASE PATH-TO-mlockcheck-conformance [PATH-TO-mlockcheck]
set -uo pipefail
case_name=$1
bin=$2
script=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL($case_name): $*"
  echo "--- stdout"; cat "$tmp/out" 2>/dev/null | tail -n 40
  echo "--- stderr"; cat "$tmp/err" 2>/dev/null | tail -n 20
  exit 1
}
run() {
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"; }
expect_out() { grep -qE -- "$1" "$tmp/out" || fail "stdout lacks /$1/"; }
last_line_is_result() {
  # A `# ` diagnostic in KTAP.
  tail -n 1 "$tmp/out" | grep -qE '^(# )?RESULT kernel=[^ ]+ sequences=[0-9]+ steps=[0-9]+ divergences=[0-9]+ errata=[0-9]+ harness_errors=[0-9]+ seconds=[0-9.]+$' ||
    fail "last line is not the RESULT line"
}

# Runs "$@" as the unprivileged user nobody when this is root (setpriv,
# util-linux), on a copy of the binaries nobody can read and execute; as
# any other user, runs it directly. CTest reports exit 77 as skipped.
as_ordinary_user() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
    return
  fi
  command -v setpriv >/dev/null || { echo "SKIP($case_name): setpriv not installed"; exit 77; }
  setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"
}
copy_for_nobody() {
  orig_bin_dir=$(dirname "$bin")
  chmod 755 "$tmp"
  mkdir -p "$tmp/bin"
  cp "$bin" "$(dirname "$bin")/mlockcheck-executor" "$tmp/bin/"
  chmod -R a+rX "$tmp/bin"
  bin="$tmp/bin/$(basename "$bin")"
}

case "$case_name" in
  conformance)
    run "$bin" --sequences 500 --steps 40 --quiet
    expect_rc 0
    last_line_is_result
    expect_out 'divergences=0'
    ;;
  ktap)
    run "$bin" --ktap --sequences 30
    expect_rc 0
    [ "$(sed -n 1p "$tmp/out")" = "KTAP version 1" ] || fail "first line is not 'KTAP version 1'"
    sed -n 2p "$tmp/out" | grep -qE '^1\.\.[0-9]+$' || fail "second line is not the plan"
    expect_out '^ok 1 Conformance\.KernelMatchesModelAfterEveryStep$'
    expect_out '^# coverage over [0-9]+ steps'
    # The limit scenarios make every limit errno show in every run (they
    # lower the hard limit to at most 16 kB, so it must allow that).
    hard_kb=$(ulimit -Hl)
    [ "$hard_kb" = unlimited ] || [ "$hard_kb" -ge 16 ] || outcomes_checked=no
    [ "${outcomes_checked:-yes}" = no ] || for outcome in 'mlock -> EPERM' 'mlock2 -> EPERM' 'mlockall -> EPERM' 'mmap -> EPERM' 'mlock -> ENOMEM' \
      'mlock2 -> ENOMEM' 'mlockall -> ENOMEM' 'mmap -> EAGAIN' 'prlimit64 -> EINVAL' 'capset -> ok'; do
      expect_out "^#     $outcome +[1-9][0-9]*$"
    done
    ! grep -qE '^not ok' "$tmp/out" || fail "a test failed"
    last_line_is_result
    ;;
  junit)
    run "$bin" --quiet --sequences 30 --junit "$tmp/junit.xml"
    expect_rc 0
    grep -q '<testsuites' "$tmp/junit.xml" || fail "no JUnit XML written"
    grep -q 'name="KernelMatchesModelAfterEveryStep"' "$tmp/junit.xml" || fail "JUnit lacks the property"
    ;;
  bad-flags)
    run "$bin" --frobnicate
    expect_rc 2
    grep -q "unknown flag '--frobnicate'" "$tmp/err" || fail "no one-line error for an unknown flag"
    run "$bin" --steps 0
    expect_rc 2
    run "$bin" --sequences ten
    expect_rc 2
    grep -q -- "--sequences needs a number" "$tmp/err" || fail "no error for a malformed number"
    ;;
  thp)
    # The THP profile on this kernel: 0 divergences, THP events in the
    # coverage; or, where THP is unavailable, exit 4 with the reason.
    run "$bin" --thp --sequences 300 --quiet
    if [ "$rc" -eq 4 ]; then
      grep -qE '^SKIP: --thp: ' "$tmp/out" || fail "exit 4 without a SKIP reason"
      echo "SKIP($case_name): $(cat "$tmp/out")"
      exit 77
    fi
    expect_rc 0
    expect_out 'divergences=0'
    run "$bin" --thp --sequences 300
    expect_rc 0
    expect_out '^THP profile: '
    expect_out 'THP PMD-mapped \(fault, populate or khugepaged\) +[1-9]'
    expect_out 'THP PMD split at a lock boundary +[1-9]'
    last_line_is_result
    run "$bin" --thp --arena-mib 3
    expect_rc 2
    grep -q -- "--thp needs --arena-mib to be an even number" "$tmp/err" || fail "no error for an odd arena"
    ;;
  thp-unavailable)
    # --thp where THP is off or of a kind the model does not know: exit 4,
    # one line saying why (settings read from a fake sysfs directory).
    mkdir -p "$tmp/never" "$tmp/mthp/hugepages-64kB" "$tmp/none"
    echo "always madvise [never]" >"$tmp/never/enabled"
    echo "always [madvise] never" >"$tmp/mthp/enabled"
    echo "always inherit [madvise] never" >"$tmp/mthp/hugepages-64kB/enabled"
    run "$bin" --thp --thp-sysfs "$tmp/never" --sequences 10
    expect_rc 4
    expect_out '^SKIP: --thp: .*/never/enabled is never$'
    [ "$(grep -c '^SKIP' "$tmp/out")" -eq 1 ] || fail "not one SKIP line"
    last_line_is_result
    run "$bin" --thp --thp-sysfs "$tmp/mthp" --sequences 10
    expect_rc 4
    expect_out 'hugepages-64kB/enabled is madvise: --thp models PMD-sized THPs only'
    run "$bin" --thp --thp-sysfs "$tmp/none/missing" --sequences 10
    expect_rc 4
    expect_out 'kernel without CONFIG_TRANSPARENT_HUGEPAGE'
    ;;
  mlock2-enosys)
    # seccomp makes mlock2 fail with ENOSYS: the run skips those operations
    # with a printed reason instead of failing.
    run "$bin" --mlock2-enosys --sequences 100
    expect_rc 0
    expect_out 'SKIP mlock2 operations: the kernel returns ENOSYS'
    expect_out '^SKIP  Reference/ReferenceScenarioTest\.KernelMatchesModel/Mlock2OnFaultOfProtNoneSucceeds \(mlock2 returns ENOSYS\)'
    expect_out '^    mlock2 +0$'
    last_line_is_result
    ;;
  divergence)
    # A planted model bug stands in for a kernel bug: the whole failure path
    # (shrinking, report, KTAP, exit code) must work.
    run "$bin" --planted-bug --ktap --seed 7 --sequences 1000 --report-dir "$tmp/reports" --jobs 1
    expect_rc 1
    expect_out '^not ok 1 Conformance\.KernelMatchesModelAfterEveryStep$'
    expect_out '^# DIVERGENCE: kernel .* differs from the model at step [0-9]+ of [0-9]+$'
    expect_out '^#   vma-flags:$'
    expect_out '^#     pages? [0-9]+(-[0-9]+)? \(A\+0x[0-9a-f]+\.\.A\+0x[0-9a-f]+\): expected [-rwxps]{4} lo, observed [-rwxps]{4} lo lf$'
    expect_out '^# rerun: \./mlockcheck run --seed 7 '
    ! grep -qE '^# (Failed|.*\.cc:[0-9]+:|RC_FAIL)' "$tmp/out" || fail "the test frameworks' own lines reach the user"
    ! grep -q '^Using configuration' "$tmp/out" "$tmp/err" || fail "RapidCheck's configuration line reaches the user"
    expect_out "^# report: $tmp/reports/ \(report.txt, sequence.txt, repro.c\)$"
    calls=$(sed -nE 's/^# sequence \(([0-9]+) calls?;.*/\1/p' "$tmp/out" | head -n 1)
    [ -n "$calls" ] && [ "$calls" -le 4 ] || fail "shrunk sequence has '$calls' calls, expected at most 4"
    # The planted bug may fail corpus scenarios too (those that lock on fault over a lock).
    tail -n 1 "$tmp/out" | grep -qE 'divergences=[1-9][0-9]* ' || fail "RESULT does not count the divergence"
    last_line_is_result
    ;;
  measured)
    # A measurement the profile and the machine do not explain fails the run
    # (exit 1, a not-ok test, counted in RESULT): the kernel command line is
    # replaced by one that predicts the opposite of this machine's zero page.
    if grep -qE '(^| )pvm_no_zero_page(=1)?( |$)' /proc/cmdline; then
      sed -E 's/(^| )pvm_no_zero_page(=1)?( |$)/ /' /proc/cmdline >"$tmp/cmdline"
    else
      { tr -d '\n' </proc/cmdline; echo " pvm_no_zero_page=1"; } >"$tmp/cmdline"
    fi
    run "$bin" --ktap --proc-cmdline "$tmp/cmdline" --sequences 20
    expect_rc 1
    expect_out '^# DIVERGENCE measured behaviour: read faults '
    expect_out '^not ok [0-9]+ Measured\.KernelBehaviourIsWhatItsProfilePredicts$'
    tail -n 1 "$tmp/out" | grep -qE 'divergences=1 ' || fail "RESULT does not count the unexplained measurement"
    # The machine's own command line explains it.
    run "$bin" --ktap --sequences 20
    expect_rc 0
    expect_out '^# measured: read faults map .*; as the profile and the machine predict$'
    expect_out '^ok [0-9]+ Measured\.KernelBehaviourIsWhatItsProfilePredicts$'
    ;;
  no-cap-ipc-lock)
    # Root without CAP_IPC_LOCK: every call runs under RLIMIT_MEMLOCK, which
    # the model follows; the header says so.
    command -v setpriv >/dev/null || { echo "SKIP(no-cap-ipc-lock): setpriv not installed"; exit 77; }
    [ "$(id -u)" -eq 0 ] || { echo "SKIP(no-cap-ipc-lock): needs root to drop a capability"; exit 77; }
    run setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock "$bin" --sequences 300
    expect_rc 0
    expect_out '^privileges: no CAP_IPC_LOCK: every sequence is checked under RLIMIT_MEMLOCK'
    expect_out 'divergences=0 '
    last_line_is_result
    ;;
  unprivileged)
    # An ordinary user, under the limit it has, then under a zero and a
    # tiny one: conformant, no divergence, nothing skipped.
    copy_for_nobody
    run as_ordinary_user "$bin" --sequences 300
    expect_rc 0
    expect_out '^privileges: no CAP_IPC_LOCK'
    expect_out 'divergences=0 '
    # Only what needs root may be skipped (page flags: CAP_SYS_ADMIN; the
    # children's memory cgroup: a group below the cgroup root), and what no
    # user can change (huge pages nobody reserved, the machine's NUMA nodes),
    # and what only a machine the run has to itself does (compaction).
    ! grep '^SKIP' "$tmp/out" | grep -qv -e '^SKIP page-flags channel' -e '^SKIP hugetlb mappings' \
      -e '^SKIP reclaim operations' -e "(reclaim needs the child's own memory cgroup" \
      -e '^SKIP migration operations' -e '(move_pages needs two NUMA nodes' \
      -e '^SKIP migrate_pages operations' -e '(migrate_pages needs two NUMA nodes' \
      -e '(compact needs a machine the run has to itself' ||
      fail "an unprivileged run skipped something that does not need root"
    last_line_is_result
    # replay too runs under the caller's own limit.
    cp "$(dirname "$(readlink -f "$0")")/../regressions/MlockallFutureLocksAndPopulatesNewMappings.seq" "$tmp/bin/x.seq"
    cp "$orig_bin_dir/mlockcheck-tools" "$tmp/bin/"
    chmod -R a+rX "$tmp/bin"
    run as_ordinary_user "$tmp/bin/mlockcheck-tools" replay "$tmp/bin/x.seq"
    expect_rc 0
    expect_out '^REPLAY file=.* steps=3 divergent_steps=0$'
    if command -v prlimit >/dev/null && [ "$(id -u)" -eq 0 ]; then
      for limit in 0:0 12288:12288; do
        run prlimit --memlock=$limit setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
          "$bin" --sequences 200
        expect_rc 0
        expect_out "RLIMIT_MEMLOCK soft $(( ${limit%%:*} / 1024 )) kB"
        expect_out 'divergences=0 '
      done
    fi
    ;;
  errata)
    # A registered kernel bug, stood in for by the planted model bug (the
    # kernel sets lf where the broken model does not): inside the erratum's
    # kernel range it is a known bug (exit 0, 1 with --strict); outside it,
    # or with a channel the erratum does not name, it is a divergence.
    write_registry() {  # KERNELS CHANNELS
      cat >"$tmp/errata.txt" <<REGISTRY
# test-only registry
[planted-onfault-over-lo]
rule: ref 18: mlock2(MLOCK_ONFAULT) over lo pages sets lf (planted model bug)
op: mlock2
channels: $2
kernels: $1
reproducer: suite/errata/planted-onfault-over-lo.seq
fix: unknown
REGISTRY
      # The real entries too: the file replaces the built-in registry, and
      # the host kernel has registered bugs of its own (mremap).
      cat "$(dirname "$(readlink -f "$0")")/../errata/known-kernel-bugs.txt" >>"$tmp/errata.txt"
    }
    planted=(--planted-bug --seed 7 --sequences 300 --errata-file "$tmp/errata.txt" --jobs 1)
    write_registry "4.17 -" "result vma-flags residency smaps-rss smaps-locked page-flags"
    run "$bin" "${planted[@]}"
    expect_rc 0
    expect_out '^KNOWN KERNEL BUG planted-onfault-over-lo: [0-9]+ sequence\(s\) diverged as registered$'
    expect_out '^  reproducer: suite/errata/planted-onfault-over-lo.seq$'
    expect_out '^known kernel bugs: [0-9]+ '
    expect_out 'divergences=0 errata=[1-9][0-9]* '
    ! grep -q '^FAIL' "$tmp/out" || fail "a known kernel bug failed a test"
    last_line_is_result
    run "$bin" "${planted[@]}" --strict
    expect_rc 1
    expect_out '^KNOWN KERNEL BUG planted-onfault-over-lo: .*\(fails the run: --strict\)$'
    last_line_is_result
    # --strict: each known bug that fails the run is a failed test (KTAP not
    # ok, a JUnit failure), a divergence in RESULT, and a report directory.
    run "$bin" "${planted[@]}" --strict --ktap --junit "$tmp/strict.xml" --report-dir "$tmp/strict"
    expect_rc 1
    expect_out '^not ok 1 Conformance\.KernelMatchesModelAfterEveryStep$'
    expect_out '^# KNOWN KERNEL BUG planted-onfault-over-lo \(fails the run: --strict; kernels 4\.17 -'
    tail -n 1 "$tmp/out" | grep -qE '^# RESULT .* divergences=[1-9][0-9]* errata=[1-9][0-9]* ' ||
      fail "RESULT does not count the strict known bug as a divergence"
    grep -q '<failure' "$tmp/strict.xml" || fail "no JUnit failure for the strict known bug"
    [ -s "$tmp/strict/report.txt" ] || fail "no report directory for the strict known bug"
    grep -q '^rerun: .* --jobs 1 --strict (' "$tmp/strict/report.txt" || fail "the rerun line drops --strict"
    last_line_is_result
    # --quiet: one line per known kernel bug, not its whole block.
    run "$bin" "${planted[@]}" --quiet
    expect_rc 0
    expect_out '^KNOWN KERNEL BUG planted-onfault-over-lo: [0-9]+ sequence\(s\) diverged as registered; fix: unknown$'
    ! grep -qE '^  (rule|reproducer|first sequence)' "$tmp/out" || fail "--quiet printed a known bug's block"
    last_line_is_result
    write_registry "4.17 - 5.0" "result vma-flags residency smaps-rss smaps-locked page-flags"
    run "$bin" "${planted[@]}"
    expect_rc 1
    expect_out '^DIVERGENCE: kernel '
    ! grep -q '^KNOWN KERNEL BUG planted-' "$tmp/out" || fail "an erratum outside its kernel range matched"
    # Registered with vma-flags alone, divergences that differ in more are new: shrinking keeps
    # them new (every report names another channel), never sliding into the known bug.
    write_registry "4.17 -" "vma-flags"
    run "$bin" "${planted[@]}" --report-dir "$tmp/slide"
    expect_rc 1
    for report in "$tmp"/slide*/report.txt; do
      sed -n '/^channels that differ/,/^page map/p' "$report" | grep -qE '^  [a-z-]+:( |$)' ||
        fail "$report lists no channel"
      ! sed -n '/^channels that differ/,/^page map/p' "$report" | grep -E '^  [a-z-]+:' | grep -qv '^  vma-flags:' &&
        fail "$report was shrunk into the registered known bug (vma-flags alone): $(cat "$report")"
      grep -qE '^rerun: \./mlockcheck (run --seed 7 --sequences 300 --steps 40 --jobs 1 \(|replay suite/regressions/)' \
        "$report" || fail "$report: the rerun line is neither the run's own nor a corpus scenario's"
    done
    write_registry "4.17 -" "vmlck"
    run "$bin" "${planted[@]}"
    expect_rc 1
    ! grep -q '^KNOWN KERNEL BUG planted-' "$tmp/out" || fail "an erratum matched a channel it does not name"
    printf '[planted]\nop: mlock9\n' >"$tmp/errata.txt"
    run "$bin" "${planted[@]}"
    expect_rc 2
    expect_out "errata registry: line 2: unknown op 'mlock9'"
    ;;
  user-namespace)
    # In a user namespace CapEff lists every capability, but the kernel's
    # capable() checks the initial namespace: modelled as no capability.
    command -v unshare >/dev/null || { echo "SKIP(user-namespace): unshare not installed"; exit 77; }
    unshare --user --map-root-user true 2>/dev/null ||
      { echo "SKIP(user-namespace): this kernel or user cannot create user namespaces"; exit 77; }
    run unshare --user --map-root-user "$bin" --sequences 300
    expect_rc 0
    expect_out '^in a user namespace: its capabilities do not count'
    expect_out '^privileges: no CAP_IPC_LOCK'
    expect_out 'divergences=0 '
    last_line_is_result
    ;;
  install-as-user)
    # With every package present, an ordinary user gets past the package
    # check (no root needed) and on to the build step, which fails here only
    # because the build directory is unwritable.
    [ -n "$script" ] || fail "needs the path of ./mlockcheck"
    chmod 755 "$tmp"
    cp "$script" "$tmp/mlockcheck"
    chmod 755 "$tmp/mlockcheck"
    run as_ordinary_user env MLOCKCHECK_BUILD_DIR=/proc/mlockcheck-unwritable "$tmp/mlockcheck" run
    expect_rc 2
    ! grep -q 'missing Debian packages' "$tmp/err" || fail "the package check failed for an ordinary user"
    grep -q 'cannot write /proc/mlockcheck-unwritable' "$tmp/err" || fail "did not reach the build step"
    ;;
  no-page-flags)
    # Without CAP_SYS_ADMIN pagemap hides PFNs: the page-flags channel is
    # skipped with its reason and everything else still runs.
    command -v setpriv >/dev/null || { echo "SKIP(no-page-flags): setpriv not installed"; exit 77; }
    run setpriv --bounding-set -sys_admin --inh-caps -sys_admin "$bin" --sequences 100
    expect_rc 0
    expect_out '^SKIP page-flags channel: /proc/self/pagemap hides page frame numbers \(needs CAP_SYS_ADMIN\)$'
    expect_out 'divergences=0'
    last_line_is_result
    ;;
  soak)
    # Fresh seeds until the step budget is spent; each seed's run repeats
    # exactly (same sequences, same steps), and the SOAK line sums them.
    run "$bin" --soak --steps-total 4000 --seed 11
    expect_rc 0
    expect_out '^SOAK-SEED seed=[0-9]+ requested=[0-9]+ exit=0 sequences=[0-9]+ steps=[0-9]+ divergences=0 errata=[0-9]+ seconds=[0-9.]+$'
    tail -n 1 "$tmp/out" | grep -qE '^SOAK kernel=[^ ]+ seeds=[0-9]+ sequences=[0-9]+ steps=[0-9]+ divergences=0 errata=[0-9]+ harness_errors=0 seconds=[0-9.]+$' ||
      fail "last line is not the SOAK line"
    steps=$(tail -n 1 "$tmp/out" | sed -nE 's/.* steps=([0-9]+) .*/\1/p')
    [ "$steps" -ge 4000 ] || fail "the soak stopped at $steps steps, before its budget of 4000"
    grep '^SOAK-SEED' "$tmp/out" | sed 's/ seconds=.*//' >"$tmp/first"
    run "$bin" --soak --steps-total 4000 --seed 11
    grep '^SOAK-SEED' "$tmp/out" | sed 's/ seconds=.*//' >"$tmp/second"
    cmp -s "$tmp/first" "$tmp/second" || fail "the same soak seed ran other sequences: $(diff "$tmp/first" "$tmp/second")"
    # One seed's rerun line gives the same counts as in the soak.
    seed=$(head -n 1 "$tmp/first" | sed -nE 's/^SOAK-SEED seed=([0-9]+) .*/\1/p')
    steps=$(head -n 1 "$tmp/first" | sed -nE 's/.* steps=([0-9]+) .*/\1/p')
    n=$(head -n 1 "$tmp/first" | sed -nE 's/.* requested=([0-9]+) .*/\1/p')
    run "$bin" --seed "$seed" --sequences "$n" --steps 80 --jobs 1 --quiet
    expect_rc 0
    tail -n 1 "$tmp/out" | grep -q " steps=$steps " || fail "run --seed $seed --sequences $n did not repeat the soak's $steps steps"
    # A divergence in every seed (the planted model bug): each one is
    # printed shrunk, gets its report directory, and fails the soak.
    run "$bin" --soak --steps-total 600 --seed 3 --planted-bug --report-dir "$tmp/reports"
    expect_rc 1
    expect_out '^SOAK-SEED seed=[0-9]+ requested=[0-9]+ exit=1 .* divergences=[1-9]'
    expect_out '^DIVERGENCE: kernel .* differs from the model'
    expect_out '^  rerun: \./mlockcheck run --seed [0-9]+ --sequences [0-9]+ --steps 80 --jobs 1 --planted-bug$'
    first=$(sed -nE 's/^SOAK-SEED seed=([0-9]+) .*/\1/p' "$tmp/out" | head -n 1)
    [ -s "$tmp/reports/seed-$first/sequence.txt" ] || fail "no report directory for seed $first"
    tail -n 1 "$tmp/out" | grep -qE '^SOAK .* divergences=[1-9][0-9]* ' || fail "SOAK does not count the divergences"
    # Flags a soak cannot honour are refused up front.
    run "$bin" --soak --ktap
    expect_rc 2
    grep -q 'soak prints SOAK lines' "$tmp/err" || fail "--soak --ktap not refused with its reason"
    ;;
  jobs)
    # Soak seeds on every CPU: --jobs N runs at once, reported in seed order;
    # --shard K/N takes every N-th seed; bench measures 1 and N jobs side by
    # side. (run --jobs: the run-jobs case.)
    run "$bin" --soak --steps-total 6000 --sequences 50 --steps 20 --seed 5 --jobs 2
    expect_rc 0
    expect_out '^mlockcheck soak: seed 5, .*, 2 jobs$'
    [ "$(grep -c '^SOAK-SEED ' "$tmp/out")" -ge 2 ] || fail "fewer than two seeds ran"
    expect_out '^SOAK kernel=.* divergences=0 '
    grep '^SOAK-SEED ' "$tmp/out" | sed -nE 's/^SOAK-SEED seed=([0-9]+) .*/\1/p' >"$tmp/jobs-seeds"
    run "$bin" --soak --steps-total 6000 --sequences 50 --steps 20 --seed 5 --jobs 1
    grep '^SOAK-SEED ' "$tmp/out" | sed -nE 's/^SOAK-SEED seed=([0-9]+) .*/\1/p' >"$tmp/serial-seeds"
    [ "$(head -n 2 "$tmp/jobs-seeds")" = "$(head -n 2 "$tmp/serial-seeds")" ] ||
      fail "--jobs 2 did not run the serial soak's seeds in its order"
    run "$bin" --soak --steps-total 6000 --sequences 50 --steps 20 --seed 5 --shard 2/2 --jobs 1
    expect_rc 0
    expect_out ', 1 job, shard 2/2$'
    first=$(sed -nE 's/^SOAK-SEED seed=([0-9]+) .*/\1/p' "$tmp/out" | head -n 1)
    [ "$first" = "$(sed -n 2p "$tmp/serial-seeds")" ] || fail "shard 2/2 does not start at the soak's second seed"
    for bad in 0/2 3/2 2 a/b 1/0; do
      run "$bin" --soak --shard "$bad"
      expect_rc 2
      [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- '--shard needs K/N' "$tmp/err" || fail "--shard '$bad' not refused in one line"
    done
    run "$(dirname "$bin")/mlockcheck-bench" --seconds 1 --jobs 2
    expect_rc 0
    expect_out '^BENCH kernel=[^ ]+ jobs=1 steps_per_second=[0-9]+ kernel_share=[0-9.]+ peak_rss_mib=[0-9.]+$'
    expect_out '^BENCH kernel=[^ ]+ jobs=2 steps_per_second=[0-9]+ kernel_share=[0-9.]+ peak_rss_mib=[0-9.]+$'
    # mutants --jobs: the same table (but the seconds), in catalogue order.
    tools="$(dirname "$bin")/mlockcheck-tools"
    run "$tools" mutants --sequences 300 --jobs 1
    mutants_rc=$rc
    awk 'NR > 2 { $5 = ""; print }' "$tmp/out" | sed 's/median_seconds=.*//' >"$tmp/mutants-1"
    run "$tools" mutants --sequences 300 --jobs 2
    expect_rc "$mutants_rc"
    expect_out '; 2 jobs$'
    awk 'NR > 2 { $5 = ""; print }' "$tmp/out" | sed 's/median_seconds=.*//' >"$tmp/mutants-2"
    [ "$(wc -l <"$tmp/mutants-1")" -gt 40 ] || fail "the mutants table is too short"
    diff "$tmp/mutants-1" "$tmp/mutants-2" >"$tmp/mutants.diff" || fail "mutants --jobs 2 differs: $(head -n 5 "$tmp/mutants.diff")"
    ;;
  run-jobs)
    # run --jobs N: N processes, one merged output, the same for the same
    # seed and N; the N shards of --shard K/N on N machines, merged, give
    # the same run.
    tools="$(dirname "$bin")/mlockcheck-tools"
    run "$bin" --jobs 2 --seed 11 --sequences 60 --ktap --junit "$tmp/jobs.xml"
    expect_rc 0
    [ "$(sed -n 1p "$tmp/out")" = "KTAP version 1" ] || fail "first line is not 'KTAP version 1'"
    plan=$(sed -nE '2s/^1\.\.([0-9]+)$/\1/p' "$tmp/out")
    [ -n "$plan" ] && [ "$(grep -cE '^(not )?ok [0-9]+ ' "$tmp/out")" -eq "$plan" ] || fail "the plan does not count the tests"
    expect_out '^ok 1 Conformance\.KernelMatchesModelAfterEveryStep$'
    expect_out '^# arena .*; 60 sequences of up to 40 steps; seed 11; 2 jobs, seeds [0-9]+, [0-9]+ '
    [ "$(grep -c ' Measured\.' "$tmp/out")" -eq 1 ] || fail "the measurements did not run exactly once"
    expect_out '^ok [0-9]+ SystemCounters/EndOfRunTest\.MlockedComesBackOnceTheChildrenAreGone/Mlocked( # SKIP NR_MLOCK .*)?$'
    expect_out '^#     mlock -> ok +[1-9]'
    last_line_is_result
    grep -q "<testsuites tests=\"$plan\" failures=\"0\"" "$tmp/jobs.xml" || fail "JUnit does not count the run's tests"
    steps=$(tail -n 1 "$tmp/out" | sed -nE 's/.* steps=([0-9]+) .*/\1/p')
    run "$bin" --jobs 2 --seed 11 --sequences 60 --quiet
    tail -n 1 "$tmp/out" | grep -q " steps=$steps " || fail "the same seed and --jobs did not repeat the run's $steps steps"
    for k in 1 2; do
      run "$bin" --jobs 1 --seed 11 --sequences 60 --shard "$k/2" --results-dir "$tmp/shard$k" --quiet
      expect_rc 0
      [ -s "$tmp/shard$k/results.txt" ] || fail "shard $k wrote no results"
    done
    run "$tools" merge --ktap "$tmp/shard2" "$tmp/shard1"
    expect_rc 0
    expect_out '^# merged 2 shards of the run of seed 11$'
    expect_out '^# arena 0x[0-9a-f]+ \+ 16 MiB; 60 sequences of up to 40 steps; seed 11; 2 shards$'
    [ "$(sed -nE '2s/^1\.\.([0-9]+)$/\1/p' "$tmp/out")" -eq "$plan" ] || fail "the merged shards have not the run's $plan tests"
    tail -n 1 "$tmp/out" | grep -q " steps=$steps " || fail "the merged shards did not verify the run's $steps steps"
    # A machine's shard may run jobs of its own (from seeds of its own).
    run "$bin" --jobs 2 --seed 11 --sequences 60 --shard 2/2 --results-dir "$tmp/shard2-jobs" --quiet
    expect_rc 0
    run "$tools" merge --ktap "$tmp/shard1" "$tmp/shard2-jobs"
    expect_rc 0
    [ "$(sed -nE '2s/^1\.\.([0-9]+)$/\1/p' "$tmp/out")" -eq "$plan" ] || fail "shard 2 of 2 jobs does not merge into the run's $plan tests"
    # A divergence in a job: its report under DIR/job-J, and its rerun line
    # repeats that job's run alone.
    run "$bin" --jobs 2 --planted-bug --seed 7 --sequences 300 --report-dir "$tmp/reports" --quiet
    expect_rc 1
    expect_out "^report: $tmp/reports/job-[12]/ \(report.txt, sequence.txt, repro.c\)$"
    expect_out '^job [12]/2:$'
    expect_out '^FAIL  Conformance\.KernelMatchesModelAfterEveryStep$'
    tail -n 1 "$tmp/out" | grep -qE ' divergences=[1-9]' || fail "RESULT does not count the jobs' divergences"
    rerun=$(sed -nE 's/^rerun: \.\/mlockcheck run (--seed [0-9]+ --sequences [0-9]+ --steps 40 --jobs 1) .*/\1/p' "$tmp/out" | head -n 1)
    [ -n "$rerun" ] || fail "no rerun line naming a job's own run"
    # shellcheck disable=SC2086
    run "$bin" $rerun --planted-bug --quiet --report-dir "$tmp/rerun"
    expect_rc 1
    # Where the machine has free huge pages, jobs 2..N get --no-hugetlb: the
    # pool is the machine's (this host may have none, so the flag itself).
    run "$bin" --jobs 1 --no-hugetlb --sequences 5 --seed 3
    expect_rc 0
    expect_out '^SKIP hugetlb mappings: --no-hugetlb '
    expect_out '^ok +Conformance\.KernelMatchesModelAfterEveryStep '
    # Bad input: one line, exit 2.
    refused() {  # PATTERN COMMAND...
      local pattern=$1
      shift
      run "$@"
      expect_rc 2
      head -n 1 "$tmp/err" | grep -qE -- "$pattern" || fail "$* not refused with /$pattern/: $(cat "$tmp/err")"
    }
    refused '^mlockcheck: --jobs needs a number from 1 to 256' "$bin" --jobs 0
    refused '^mlockcheck: --jobs 2: this run has the machine to itself' "$bin" --jobs 2 --exclusive-machine
    refused "^mlockcheck: --results-dir: $tmp/shard1 already holds results$" "$bin" --results-dir "$tmp/shard1"
    refused '^mlockcheck: merge: shard 2/2 is missing$' "$tools" merge "$tmp/shard1"
    refused "^mlockcheck: merge: $tmp/reports: no results.txt" "$tools" merge "$tmp/shard1" "$tmp/reports"
    refused '^mlockcheck: merge needs the shards' "$tools" merge
    refused "^mlockcheck: merge: unknown flag '--frobnicate'" "$tools" merge --frobnicate "$tmp/shard1"
    run "$bin" --jobs 1 --seed 12 --sequences 60 --shard 2/2 --results-dir "$tmp/other" --quiet
    refused '^mlockcheck: merge: shard 2/2 is of another run' "$tools" merge "$tmp/shard1" "$tmp/other"
    run "$bin" --jobs 1 --seed 11 --sequences 60 --steps 7 --shard 2/2 --results-dir "$tmp/other-steps" --quiet
    refused '^mlockcheck: merge: shard 2/2 ran with other flags \(--sequences 60 --steps 7\) than shard 1/2' \
      "$tools" merge "$tmp/shard1" "$tmp/other-steps"
    : >"$tmp/a-file"
    refused "^mlockcheck: --results-dir: $tmp/a-file/results: $tmp/a-file is not a directory\$" \
      "$bin" --results-dir "$tmp/a-file/results"
    mkdir -p "$tmp/cut"
    printf 'mlockcheck-results 1\nkernel x\n' >"$tmp/cut/results.txt"
    refused 'no result line \(the run did not finish\)$' "$tools" merge "$tmp/cut"
    ;;
  help)
    # Every command explains its flags, defaults and exit codes (exit 0).
    run "$bin" --help
    expect_rc 0
    expect_out '^  --steps N '
    expect_out '^exit codes: '
    bench="$(dirname "$bin")/mlockcheck-bench"
    run "$bench" --help
    expect_rc 0
    expect_out '^usage: mlockcheck bench '
    expect_out '^exit codes: '
    run "$script" test --help
    expect_rc 0
    expect_out '^usage: \./mlockcheck test$'
    expect_out '^exit codes: '
    ;;
  numbers)
    # Decimal, or hex after 0x: "010" is ten, not eight (octal).
    run "$bin" --sequences 010 --steps 5 --quiet
    expect_rc 0
    tail -n 1 "$tmp/out" >"$tmp/ten"
    run "$bin" --sequences 10 --steps 5 --quiet
    sequences=$(sed -nE 's/.* sequences=([0-9]+) .*/\1/p' "$tmp/out")
    grep -q " sequences=$sequences " "$tmp/ten" || fail "--sequences 010 did not run as many as --sequences 10"
    run "$bin" --sequences 08 --steps 5 --quiet
    expect_rc 0
    run "$bin" --sequences 0xa --steps 5 --quiet
    expect_rc 0
    tail -n 1 "$tmp/out" | grep -q " sequences=$sequences " || fail "--sequences 0xa did not run ten"
    # --sequences 0: the reference scenarios alone.
    run "$bin" --sequences 0 --quiet
    expect_rc 0
    for bad in -1 1e3 '' 0x 99999999999999999999; do
      run "$bin" --sequences "$bad"
      expect_rc 2
      grep -q -- "^mlockcheck: --sequences needs a number from 0 to 100000000" "$tmp/err" || fail "--sequences '$bad': $(cat "$tmp/err")"
      [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "--sequences '$bad': more than one line"
      [ ! -s "$tmp/out" ] || fail "--sequences '$bad' started a run"
    done
    bench="$(dirname "$bin")/mlockcheck-bench"
    for bad in inf nan 0 -1 1e400 0x10; do
      run "$bench" --seconds "$bad"
      expect_rc 2
      grep -q -- "--seconds needs a number of seconds above 0 and at most 86400" "$tmp/err" || fail "bench --seconds '$bad' accepted"
    done
    ;;
  output-paths)
    # Output paths are checked before the run: one line, exit 2, nothing run.
    check_refused() {  # WHAT PATTERN ARGS...
      local what=$1 pattern=$2
      shift 2
      run "$bin" --sequences 5 "$@"
      expect_rc 2
      grep -qE -- "$pattern" "$tmp/err" || fail "$what: $(cat "$tmp/err")"
      [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: more than one line"
      [ ! -s "$tmp/out" ] || fail "$what: the run started"
    }
    check_refused "--junit without a file" "^mlockcheck: --junit needs a file name, got '--ktap'$" --junit --ktap
    [ ! -e ./--ktap ] && [ ! -e "$tmp/--ktap" ] || fail "a file named --ktap was written"
    check_refused "--junit in a missing directory" "^mlockcheck: --junit: $tmp/no/dir/x.xml: directory $tmp/no/dir does not exist$" \
      --junit "$tmp/no/dir/x.xml"
    [ ! -e "$tmp/no" ] || fail "--junit created directories"
    check_refused "--junit onto a directory" "^mlockcheck: --junit: $tmp is a directory$" --junit "$tmp"
    : >"$tmp/file"
    check_refused "--report-dir onto a file" "^mlockcheck: --report-dir: $tmp/file exists and is not a directory$" \
      --report-dir "$tmp/file"
    mkdir "$tmp/old"
    echo "an earlier report" >"$tmp/old/report.txt"
    check_refused "--report-dir onto a report" "^mlockcheck: --report-dir: $tmp/old already holds a report" --report-dir "$tmp/old"
    grep -qx "an earlier report" "$tmp/old/report.txt" || fail "the earlier report was touched"
    if [ "$(id -u)" -ne 0 ]; then
      mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
      check_refused "--junit in a read-only directory" "^mlockcheck: --junit: $tmp/ro/x.xml: cannot create a file in $tmp/ro" \
        --junit "$tmp/ro/x.xml"
    fi
    # The later reports of a run skip names an earlier run used.
    mkdir -p "$tmp/reports-2"
    echo "an earlier report" >"$tmp/reports-2/report.txt"
    run "$bin" --planted-bug --seed 7 --sequences 300 --quiet --report-dir "$tmp/reports" --jobs 1
    expect_rc 1
    grep -qx "an earlier report" "$tmp/reports-2/report.txt" || fail "a later report overwrote reports-2"
    [ -s "$tmp/reports/report.txt" ] || fail "no first report"
    # Seed 7 fails the property and a corpus scenario: two reports.
    expect_out "^report: $tmp/reports/ "
    expect_out "^report: $tmp/reports-3/ "
    ;;
  short-steps)
    # --steps bounds the random sequences only; the reference, limit and
    # corpus scenarios (some of more than 10 calls) still run whole.
    run "$bin" --steps 3 --sequences 20 --quiet
    expect_rc 0
    ! grep -q "max-steps" "$tmp/out" "$tmp/err" || fail "a scenario was refused as longer than --steps"
    expect_out 'divergences=0'
    last_line_is_result
    ;;
  *)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "PASS($case_name)"
