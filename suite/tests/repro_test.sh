#!/usr/bin/env bash
# The C reproducers are proven: each generated repro.c is compiled with
# `cc -static`, run on this machine's kernel, and its verdict must agree with
# the suite's model for this kernel. Also the sequence-file commands' errors.
# Usage: repro_test.sh CASE TOOLS CONFORMANCE REGRESSIONS-DIR
set -uo pipefail
case_name=$1
tools=$2
conformance=$3
corpus=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL($case_name): $*"
  exit 1
}

needs_root() {
  caps=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  if [ $(( 0x$caps >> 14 & 1 )) -eq 0 ]; then
    echo "SKIP($case_name): needs CAP_IPC_LOCK (root)"
    exit 77
  fi
  command -v cc >/dev/null || fail "no C compiler 'cc'"
}

# build_and_run DIR: compiles DIR/repro.c statically and runs it; sets rc.
build_and_run() {
  cc -static -Wall -Werror -o "$1/repro" "$1/repro.c" 2>"$1/cc.log" || { cat "$1/cc.log"; fail "$1/repro.c does not compile"; }
  "$1/repro" >"$1/repro.out" 2>&1
  rc=$?
}

case "$case_name" in
  corpus)
    # Every regression file: the reproducer's verdict equals replay's (the
    # suite's own run of the file against the model on this kernel).
    needs_root
    n=0
    for seq in "$corpus"/*.seq; do
      name=$(basename "$seq" .seq)
      mkdir -p "$tmp/$name"
      "$tools" repro "$seq" >"$tmp/$name/repro.c" || fail "repro $seq failed"
      "$tools" replay "$seq" >"$tmp/$name/replay.out" 2>&1
      replay_rc=$?
      # A file this machine cannot run (reclaim without the children's
      # memory cgroup, move_pages with one NUMA node): replay says why (4),
      # and so must the reproducer (2).
      if [ "$replay_rc" -eq 4 ] && grep -qE "^SKIP: .*(reclaim|move_pages|migrate_pages|compact) needs" "$tmp/$name/replay.out"; then
        build_and_run "$tmp/$name"
        [ "$rc" -eq 2 ] &&
          grep -qE "^cannot run: (reclaim needs cgroup v2|migration needs two NUMA nodes|(compact|migrate_pages) needs a machine)" "$tmp/$name/repro.out" || {
          cat "$tmp/$name/repro.out"
          fail "$name: replay cannot run it here, repro.c exits $rc without saying so"
        }
        echo "$name: SKIP, $(head -n 1 "$tmp/$name/replay.out")"
        continue
      fi
      [ "$replay_rc" -le 1 ] || { cat "$tmp/$name/replay.out"; fail "replay $seq exited $replay_rc"; }
      build_and_run "$tmp/$name"
      [ "$rc" -eq "$replay_rc" ] || {
        cat "$tmp/$name/repro.out"
        fail "$name: repro.c exits $rc, replay exits $replay_rc"
      }
      n=$((n + 1))
    done
    [ "$n" -ge 20 ] || fail "only $n corpus files"
    echo "$n corpus reproducers agree with replay"
    ;;
  errata)
    # Every registered kernel bug still shows on a kernel inside its range
    # (replay and repro.c both exit 1) and on no kernel outside it (0); a
    # fixed kernel inside a stale range fails here, so the range gets fixed.
    needs_root
    registry="$(dirname "$corpus")/errata/known-kernel-bugs.txt"
    release=$(uname -r)
    version=${release%%-*}
    n=0
    while read -r id first; do
      seq=$(awk -v id="[$id]" '$0 == id {on = 1} on && /^reproducer:/ {print $2; exit}' "$registry")
      [ -n "$seq" ] || fail "$id names no reproducer"
      file="$(dirname "$(dirname "$corpus")")/$seq"
      [ -s "$file" ] || fail "$id: reproducer $seq is missing"
      last=$(awk -v id="[$id]" '$0 == id {on = 1} on && /^kernels:/ {print $4; exit}' "$registry")
      want=0
      if [ "$(printf '%s\n%s\n' "$first" "$version" | sort -V | head -n 1)" = "$first" ]; then
        want=1
        if [ -n "$last" ] && [ "$(printf '%s\n%s\n' "$last" "$version" | sort -V | head -n 1)" = "$last" ]; then want=0; fi
      fi
      mkdir -p "$tmp/$id"
      "$tools" replay "$file" >"$tmp/$id/replay.out" 2>&1
      replay_rc=$?
      # A reproducer this machine cannot run (reclaim without the children's
      # memory cgroup) says why; a guest checks it.
      if [ "$replay_rc" -eq 4 ] && grep -q "^SKIP: " "$tmp/$id/replay.out"; then
        echo "$id: $(head -n 1 "$tmp/$id/replay.out")"
        continue
      fi
      [ "$replay_rc" -eq "$want" ] || { cat "$tmp/$id/replay.out"; fail "$id: replay exits $replay_rc on $release, expected $want"; }
      # replay names the erratum it meets, and only there.
      if [ "$want" -eq 1 ]; then
        grep -q "^KNOWN KERNEL BUG $id: step [0-9]* diverges as registered" "$tmp/$id/replay.out" ||
          { cat "$tmp/$id/replay.out"; fail "$id: replay does not name the registered erratum"; }
      elif grep -q "^KNOWN KERNEL BUG" "$tmp/$id/replay.out"; then
        fail "$id: replay names an erratum outside its kernel range"
      fi
      "$tools" repro "$file" >"$tmp/$id/repro.c" || fail "repro $file failed"
      build_and_run "$tmp/$id"
      [ "$rc" -eq "$want" ] || { cat "$tmp/$id/repro.out"; fail "$id: repro.c exits $rc, expected $want"; }
      n=$((n + 1))
    done < <(awk '/^\[/ {id = substr($0, 2, length($0) - 2)} /^kernels:/ {print id, $2}' "$registry")
    echo "$n registered kernel bugs checked on $release"
    ;;
  mutants)
    # A mutant finding is a bug of the simulated kernel only: on the real
    # kernel its reproducer must find no bug.
    needs_root
    "$tools" mutants --report-dir "$tmp/m" >"$tmp/mutants.out" 2>&1 || { cat "$tmp/mutants.out"; fail "mutants exited $?"; }
    tail -n 1 "$tmp/mutants.out" |
      grep -qE '^MUTANTS total=[0-9]+ detected=[0-9]+ minimal=[0-9]+ worst_excess=-?[0-9]+ median_seconds=[0-9.]+$' ||
      fail "last line is not the MUTANTS line"
    ! grep -q '^Using configuration' "$tmp/mutants.out" || fail "RapidCheck's configuration line reaches the user"
    n=0
    for dir in "$tmp"/m/*/; do
      dir=${dir%/}
      for f in sequence.txt report.txt repro.c; do [ -s "$dir/$f" ] || fail "$dir lacks $f"; done
      name=$(basename "$dir")
      build_and_run "$dir"
      # A mutant seen only in channels the C reproducer does not read
      # (kpageflags: thp-split-keeps-mlocked; /proc/meminfo:
      # munmap-keeps-nr-mlock; /proc/vmstat: munlock-counts-no-event) says
      # so with exit 2.
      if [ "$rc" -eq 2 ] && grep -qE "^cannot check: what diverged \((page-flags|meminfo|vmstat)\) is not read" "$dir/repro.out"; then
        echo "$name: $(grep -oE '\((page-flags|meminfo|vmstat)\)' "$dir/repro.out") only, the reproducer cannot check it (replay can)"
        continue
      fi
      # A reclaim mutant on a host without a cgroup v2 memory controller at
      # /sys/fs/cgroup, a migration mutant on one with one NUMA node (a guest
      # has both): the reproducer says so, exit 2.
      if [ "$rc" -eq 2 ] &&
        grep -qE "^cannot run: (reclaim needs cgroup v2|migration needs two NUMA nodes|(compact|migrate_pages) needs a machine)" "$dir/repro.out"; then
        echo "$name: SKIP, $(cat "$dir/repro.out")"
        continue
      fi
      [ "$rc" -eq 0 ] || { cat "$dir/repro.out"; fail "$name: repro.c exits $rc on a correct kernel"; }
      grep -q "no bug: the kernel agrees with the model" "$dir/repro.out" || fail "$name: no verdict line"
      n=$((n + 1))
      # The same finding the other way round: a reproducer expecting what the
      # mutant's model expects checks the channels the report names (a fork
      # child's in the child) and so finds the correct kernel "buggy", never
      # "no bug".
      mkdir -p "$dir/inverse"
      "$tools" repro --mutant "$name" "$dir/sequence.txt" >"$dir/inverse/repro.c" 2>"$dir/inverse/err"
      tool_rc=$?
      if [ "$tool_rc" -eq 4 ]; then
        echo "$name: $(cat "$dir/inverse/err")"
        continue
      fi
      [ "$tool_rc" -eq 0 ] || { cat "$dir/inverse/err"; fail "repro --mutant $name failed"; }
      build_and_run "$dir/inverse"
      if [ "$rc" -eq 2 ] && grep -q "^cannot check: what diverged" "$dir/inverse/repro.out"; then continue; fi
      [ "$rc" -eq 1 ] && grep -q "BUG PRESENT" "$dir/inverse/repro.out" || {
        cat "$dir/inverse/repro.out"
        fail "$name: the reproducer with the mutant's expectations exits $rc, not 1: it does not check what diverged"
      }
      inverse=$((${inverse:-0} + 1))
      grep -q '^fork child, its own view' "$dir/inverse/repro.out" && forks=$((${forks:-0} + 1))
    done
    [ "$n" -ge 12 ] || fail "only $n mutant reports"
    [ "${inverse:-0}" -ge 12 ] || fail "only ${inverse:-0} reproducers with a mutant's expectations found it"
    [ "${forks:-0}" -ge 1 ] || fail "no fork mutant's reproducer checked the fork child"
    echo "$n mutant reproducers exit 0 on this kernel; $inverse with the mutants' expectations exit 1 (${forks} in a fork child)"
    ;;
  planted)
    # The planted model bug stands for a kernel bug: the run writes a report
    # directory whose reproducer agrees with that (wrong) model, so it exits 1.
    needs_root
    "$conformance" --planted-bug --seed 7 --sequences 1000 --quiet --report-dir "$tmp/r" --jobs 1 >"$tmp/run.out" 2>&1
    [ $? -eq 1 ] || fail "the planted-bug run did not exit 1"
    for f in sequence.txt report.txt repro.c; do [ -s "$tmp/r/$f" ] || fail "report dir lacks $f"; done
    grep -q "^report: $tmp/r/ " "$tmp/run.out" || fail "the run does not name its report directory"
    grep -q '^first diverging step: [0-9]' "$tmp/r/report.txt" || fail "report.txt lacks the diverging step"
    grep -q '^  vma-flags: mm/mlock.c apply_vma_lock_flags()' "$tmp/r/report.txt" || fail "report.txt lacks the rule"
    grep -qE '^  expected  [.mlfMLF]+$' "$tmp/r/report.txt" || fail "report.txt lacks the page map"
    grep -q 'CONFIG_\|kernel configuration not readable' "$tmp/r/report.txt" || fail "report.txt lacks config hints"
    build_and_run "$tmp/r"
    [ "$rc" -eq 1 ] || { cat "$tmp/r/repro.out"; fail "repro.c exits $rc, expected 1"; }
    grep -q "BUG PRESENT" "$tmp/r/repro.out" || fail "repro.c does not say the bug is present"
    "$tools" replay "$tmp/r/sequence.txt" >"$tmp/replay.out" 2>&1
    [ $? -eq 0 ] || fail "the real kernel diverges on the report's sequence.txt"
    ;;
  malformed)
    printf 'mlock(arena+0x0, 0x1000)\n# fine\nmprotect(arena+0x0, 0x1000, PROT_READ|PROT_BOGUS)\n' >"$tmp/bad.seq"
    for command in replay repro; do
      "$tools" "$command" "$tmp/bad.seq" >"$tmp/out" 2>"$tmp/err"
      [ $? -eq 2 ] || fail "$command of a malformed file did not exit 2"
      grep -q "^mlockcheck: $tmp/bad.seq:3: expected a protection" "$tmp/err" || { cat "$tmp/err"; fail "$command: no FILE:LINE error"; }
      [ ! -s "$tmp/out" ] || fail "$command printed output for a malformed file"
    done
    "$tools" replay "$tmp/missing.seq" 2>"$tmp/err"
    [ $? -eq 2 ] && grep -qx "mlockcheck: $tmp/missing.seq: cannot open: No such file or directory" "$tmp/err" ||
      fail "no error with its reason for a missing file: $(cat "$tmp/err")"
    for command in replay repro; do
      "$tools" "$command" "$tmp" >"$tmp/out" 2>"$tmp/err"
      [ $? -eq 2 ] && grep -qx "mlockcheck: $tmp: is a directory, not a sequence file" "$tmp/err" ||
        fail "$command of a directory: $(cat "$tmp/err")"
      # A binary file: named as such, its bytes not echoed.
      "$tools" "$command" "$tools" >"$tmp/out" 2>"$tmp/err"
      [ $? -eq 2 ] && grep -qx "mlockcheck: $tools: not a text file (byte 0x7f at offset 0)" "$tmp/err" ||
        fail "$command of a binary file: $(head -c 200 "$tmp/err")"
      [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$command of a binary file printed more than one line"
    done
    # A call that could touch memory outside the arena: replay's executor
    # refuses it (a harness error), and repro refuses it too, naming the step.
    printf 'r0 = mmap(arena+0x0, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)\nmlock(arena-0x1000000, 0x2000)\n' >"$tmp/outside.seq"
    "$tools" replay "$tmp/outside.seq" >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 2 ] || fail "replay of a call outside the arena did not exit 2"
    "$tools" repro "$tmp/outside.seq" >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "^mlockcheck: $tmp/outside.seq: step 1: mlock(arena-0x1000000, 0x2000): it could touch memory outside the arena" "$tmp/err" ||
      fail "repro of a call outside the arena: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "repro printed a program for a call outside the arena"
    # Numbers: decimal or 0x hex; a leading zero is not octal; one too long
    # is shown whole.
    printf 'mlock(arena+010, 0x1000)\n' >"$tmp/octal.seq"
    "$tools" repro "$tmp/octal.seq" >"$tmp/out" 2>"$tmp/err"
    grep -qF '"mlock(arena+0xa, 0x1000)"' "$tmp/out" || fail "arena+010 was not read as ten"
    printf 'mlock(arena+0x0, 123456789012345678901)\n' >"$tmp/long.seq"
    "$tools" replay "$tmp/long.seq" >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "long.seq:1: expected a length (a number), got '123456789012345678901)'" "$tmp/err" ||
      fail "a 21-digit length: $(cat "$tmp/err")"
    for command in replay repro mutants; do
      "$tools" "$command" --help >"$tmp/out" 2>"$tmp/err"
      [ $? -eq 0 ] && grep -q "^usage: mlockcheck $command" "$tmp/out" && grep -q "^exit codes:" "$tmp/out" ||
        fail "$command --help: no usage and exit codes (exit 0)"
    done
    "$tools" mutants --only no-such-mutant 2>"$tmp/err"
    [ $? -eq 2 ] || fail "mutants accepted an unknown mutant"
    # A budget too small to find a mutant: reported as missed, exit 1.
    "$tools" mutants --sequences 1 --only mlockall-current-keeps-future >"$tmp/out" 2>/dev/null
    [ $? -eq 1 ] || fail "a missed mutant does not make mutants exit 1"
    grep -qE '^mlockall-current-keeps-future +mlockall +MISSED' "$tmp/out" || fail "the missed mutant is not marked MISSED"
    tail -n 1 "$tmp/out" | grep -qx 'MUTANTS total=1 detected=0 minimal=0 worst_excess=0 median_seconds=inf' ||
      fail "wrong MUTANTS line for a missed mutant"
    ;;
  *)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "PASS($case_name)"
