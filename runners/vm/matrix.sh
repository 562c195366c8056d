#!/usr/bin/env bash
# ./mlockcheck matrix: the suite on the running kernel, on Debian's 6.1 and
# 6.12 cloud kernels (apt-get download into the cache, dpkg -x) and on every
# --kernel PATH, each under ./mlockcheck vm. Prints one table row per
# kernel; with --report-dir DIR writes DIR/<release>.ktap and
# DIR/<release>.junit.xml for each, and each kernel's divergence reports in
# DIR/<kernel>/ (running-kernel, debian-6.1-cloud, ...).
#
# Exit: 2 if any kernel gave no result, else 1 if any diverged, else 0
# (4 if nothing could run anywhere).
set -uo pipefail
me="mlockcheck matrix"
# shellcheck source=runners/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: ./mlockcheck matrix [--kernel PATH]... [--no-debian] [--report-dir DIR] [--timeout S]
                           [--accel auto|kvm|tcg] [--append ARGS] [--jobs N] [-- RUN-ARGS]
Runs the suite (default run size, or RUN-ARGS) on the running kernel, Debian's 6.1 and
6.12 cloud kernels and each --kernel PATH; prints a table. Guests boot with
"hugepages=8 secretmem.enable=1" (hugetlb and memfd_secret checked there) plus ARGS.
--jobs N kernels run side by side (1 to 64; default: the host's CPUs), each with its
share of the CPUs (guests as vCPUs, the host run as --jobs); the table is the same, in
the same order.
USAGE
}

extra_kernels=() report_dir="" timeout=600 accel=auto debian=1 run_args=() jobs=""
# Guests are ours to configure: reserved huge pages let hugetlb mappings be
# checked, and 6.1 needs secretmem.enable=1 for memfd_secret.
guest_append="hugepages=8 secretmem.enable=1"
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel | --report-dir | --timeout | --accel | --append | --jobs)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --kernel) [ -f "$2" ] || die "no kernel image at $2"; extra_kernels+=("$2") ;;
        --report-dir) report_dir=$2 ;;
        --timeout) timeout=$2 ;;
        --accel) accel=$2 ;;
        --append) guest_append="$guest_append $2" ;;
        --jobs) jobs=$2 ;;
      esac
      shift 2
      ;;
    --no-debian) debian=0; shift ;;
    --) shift; run_args=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$me: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$timeout" =~ ^[0-9]+$ ]] && [ "$timeout" -ge 1 ] || die "--timeout needs a number of seconds"
host_cpus=$(nproc)
[ -n "$jobs" ] || jobs=$((host_cpus > 64 ? 64 : host_cpus))
[[ "$jobs" =~ ^[0-9]+$ ]] && [ "$jobs" -ge 1 ] && [ "$jobs" -le 64 ] || die "--jobs needs a number of kernels from 1 to 64"
for a in "${run_args[@]}"; do
  case "$a" in
    --ktap | --junit | --quiet | --report-dir) die "RUN-ARGS may not contain $a: the matrix sets the output itself" ;;
    --jobs) die "RUN-ARGS may not contain --jobs: the matrix shares the CPUs out itself (matrix --jobs N)" ;;
  esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlockcheck-matrix.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
# Side by side, the kernels' runs are background jobs, which ignore SIGINT:
# an interrupted matrix ends them (and their guests) itself.
kill_tree() {  # $1: pid; its descendants first (timeout puts qemu in a group of its own)
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null
}
on_interrupt() {
  trap - INT TERM
  local child
  for child in $(pgrep -P $$); do kill_tree "$child"; done
  exit 130
}
trap on_interrupt INT TERM
if [ -n "$report_dir" ]; then
  mkdir -p "$report_dir" && [ -w "$report_dir" ] || die "cannot write the report directory $report_dir"
fi

# Rows: label, image ("" for the running kernel) or "!reason" when unobtainable.
labels=("running kernel") images=("")
if [ $debian -eq 1 ]; then
  # Each series' newest kernel, named by its meta-package.
  for spec in "linux-image-cloud-amd64:Debian 6.1 cloud" "linux-image-6.12-cloud-amd64:Debian 6.12 cloud"; do
    meta=${spec%%:*} label=${spec#*:}
    if image=$(debian_kernel "$meta" 2>"$tmp/fetch.err") && [ -n "$image" ]; then
      labels+=("$label") images+=("$image")
    else
      labels+=("$label") images+=("!$(sed 's/^mlockcheck matrix: //' "$tmp/fetch.err" | head -n 1)")
    fi
  done
fi
# Labels name the report directories: two images of one file name (a clean
# and a patched bzImage) get -2, -3, ...
for k in "${extra_kernels[@]}"; do
  label=$(basename "$k") n=1
  while printf '%s\n' "${labels[@]}" | grep -qxF -- "$label"; do
    n=$((n + 1))
    label="$(basename "$k")-$n"
  done
  labels+=("$label") images+=("$k")
done

# Side by side, the host's CPUs are shared out among the kernels that run at
# once: each guest gets its part as vCPUs, the host run as jobs. (Two 2-vCPU
# guests on two host CPUs ran each at a third of its speed alone under TCG;
# two 1-vCPU guests at most of it.)
runnable=0
for image in "${images[@]}"; do [[ "$image" == "!"* ]] || runnable=$((runnable + 1)); done
at_once=$((jobs < runnable ? jobs : runnable))
[ "$at_once" -ge 1 ] || at_once=1
cpus_each=$((host_cpus / at_once))
[ "$cpus_each" -ge 1 ] || cpus_each=1
share_args=() host_args=()
if [ "$at_once" -gt 1 ]; then
  share_args=(--smp "$cpus_each")
  host_args=(--jobs "$cpus_each")
fi

# One kernel's run: its KTAP, stderr and JUnit in $tmp/<i>.*, and its exit
# code, where it ran and its wall time in $tmp/<i>.rc, .where, .seconds.
run_kernel() {  # $1: index
  local i=$1 label=${labels[$1]} image=${images[$1]} start rc where report_args=()
  local out="$tmp/$i.ktap" err="$tmp/$i.err" junit="$tmp/$i.junit.xml"
  note "$label: running${image:+ $image}"
  # Divergence reports: DIR/<kernel>/ with --report-dir, else the suite's
  # default (mlockcheck-reports/<release>-<time>/); from a guest, vm.sh
  # brings them home.
  if [ -n "$report_dir" ]; then
    slug=${label// /-}
    report_args=(--report-dir "$report_dir/${slug,,}")
  fi
  start=$(now)
  if [ -z "$image" ]; then
    "$bin_dir/mlockcheck-conformance" --ktap --junit "$junit" "${report_args[@]}" "${host_args[@]}" "${run_args[@]}" \
      >"$out" 2>"$err"
    rc=$? where=host
  else
    MLOCKCHECK_BIN_DIR="$bin_dir" bash "$vm_dir/vm.sh" --kernel "$image" --timeout "$timeout" --accel "$accel" \
      "${share_args[@]}" --append "$guest_append" -- --ktap --junit "$junit" "${report_args[@]}" "${run_args[@]}" >"$out" 2>"$err"
    rc=$?
    where=$(sed -nE 's/.*under (TCG|KVM).*/\1/p' "$err" | tail -n 1)
  fi
  echo "$rc" >"$tmp/$i.rc"
  echo "$where" >"$tmp/$i.where"
  elapsed "$start" >"$tmp/$i.seconds"
  note "$label: done in $(cat "$tmp/$i.seconds") s"
}

# Side by side, --jobs kernels at a time (default: one per host CPU).
# One at a time, KVM is probed by the first guest and the others reuse its
# answer; side by side, each guest probes for itself.
matrix_start=$(now)
running=0
for i in "${!labels[@]}"; do
  image=${images[$i]}
  if [[ "$image" == "!"* ]]; then
    note "${labels[$i]}: SKIP: ${image#!}"
    continue
  fi
  if [ "$jobs" -le 1 ]; then
    run_kernel "$i"
    where=$(cat "$tmp/$i.where")
    [ -n "$image" ] && [ "$accel" = auto ] && [ -n "$where" ] && accel=${where,,}
    continue
  fi
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_kernel "$i" &
  running=$((running + 1))
done
wait

# The table, in the kernels' order.
rows=() worst=-1 any_ran=0 written=()
for i in "${!labels[@]}"; do
  label=${labels[$i]} image=${images[$i]}
  out="$tmp/$i.ktap" err="$tmp/$i.err" junit="$tmp/$i.junit.xml"
  if [[ "$image" == "!"* ]]; then
    rows+=("$label|-|-|-|-|-|SKIP (not obtainable)|-|-|-")
    continue
  fi
  rc=$(cat "$tmp/$i.rc" 2>/dev/null || echo 2)
  where=$(cat "$tmp/$i.where" 2>/dev/null)
  seconds=$(cat "$tmp/$i.seconds" 2>/dev/null || echo -)
  result_line=$(grep -E '^(# )?RESULT kernel=' "$out" | tail -n 1)
  field() { sed -nE "s/.* $1=([^ ]+).*/\\1/p" <<<" $result_line"; }
  release=$(field kernel) sequences=$(field sequences) steps=$(field steps)
  divergences=$(field divergences) errata=$(field errata) suite_seconds=$(field seconds)
  boot=$(sed -nE 's/.*to the first test ([0-9.?]+) s.*/\1/p' "$err" | tail -n 1)
  rate="-"
  if [ -n "$steps" ] && [ -n "$suite_seconds" ]; then
    rate=$(awk -v s="$steps" -v t="$suite_seconds" 'BEGIN { if (t > 0) printf "%d", s / t; else print "-" }')
  fi
  case $rc in
    0) result=pass any_ran=1 ;;
    1) result=FAIL any_ran=1 ;;
    4) result="SKIP" ;;
    *) result="ERROR (exit $rc)" ;;
  esac
  [ "$rc" = 2 ] || [ "$rc" -gt 4 ] && rc=2
  case $rc in 2) worst=2 ;; 1) [ $worst -lt 2 ] && worst=1 ;; 0 | 4) [ $worst -lt 0 ] && worst=0 ;; esac
  if [ "$rc" != 0 ]; then
    # The reason, and for a divergence the report, from the guest's output.
    grep -E '^(mlockcheck vm: |--- |  )' "$err" | tail -n 20 >&2
    awk '/^# (DIVERGENCE|HARNESS ERROR)/ { on = 1 } on { print } /^# rerun:/ { on = 0 }' "$out" | head -n 60 >&2
  fi
  if [ -n "$report_dir" ]; then
    name=${release:-$(basename "${image:-running}")}
    # Two kernels of one release (a clean and a patched build) keep both files.
    [ -e "$report_dir/$name.ktap" ] && [[ " ${written[*]} " == *" $name "* ]] && name="$name-$((i + 1))"
    written+=("$name")
    cp "$out" "$report_dir/$name.ktap"
    [ -s "$junit" ] && cp "$junit" "$report_dir/$name.junit.xml"
  fi
  rows+=("${release:-?}|${where}|${sequences:--}|${steps:--}|${divergences:--}|${errata:--}|$result|$seconds|${boot:--}|$rate")
done

printf '\n%-32s %-5s %9s %8s %11s %6s %-8s %7s %6s %8s\n' \
  "kernel release" "where" sequences steps divergences errata result seconds boot steps/s
for row in "${rows[@]}"; do
  IFS='|' read -r r w s st d e res sec b rate <<<"$row"
  printf '%-32s %-5s %9s %8s %11s %6s %-8s %7s %6s %8s\n' "$r" "$w" "$s" "$st" "$d" "$e" "$res" "$sec" "$b" "$rate"
done
echo "(seconds: wall time per kernel, boot included; boot: qemu start to the suite's first test;"
echo " steps/s: verified steps per second of the suite itself, inside the guest or on the host)"
echo "${#rows[@]} kernels in $(elapsed "$matrix_start") s"
[ -n "$report_dir" ] && echo "reports: $report_dir/<release>.ktap and .junit.xml; divergence reports in $report_dir/<kernel>/"
[ $any_ran -eq 0 ] && [ $worst -eq 0 ] && exit 4
exit $((worst < 0 ? 0 : worst))
