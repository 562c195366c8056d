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
                           [--accel auto|kvm|tcg] [--append ARGS] [-- RUN-ARGS]
Runs the suite (default run size, or RUN-ARGS) on the running kernel, Debian's 6.1 and
6.12 cloud kernels and each --kernel PATH; prints a table. Guests boot with
"hugepages=8 secretmem.enable=1" (hugetlb and memfd_secret checked there) plus ARGS.
USAGE
}

extra_kernels=() report_dir="" timeout=600 accel=auto debian=1 run_args=()
# Guests are ours to configure: reserved huge pages let hugetlb mappings be
# checked, and 6.1 needs secretmem.enable=1 for memfd_secret.
guest_append="hugepages=8 secretmem.enable=1"
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel | --report-dir | --timeout | --accel | --append)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --kernel) [ -f "$2" ] || die "no kernel image at $2"; extra_kernels+=("$2") ;;
        --report-dir) report_dir=$2 ;;
        --timeout) timeout=$2 ;;
        --accel) accel=$2 ;;
        --append) guest_append="$guest_append $2" ;;
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
for a in "${run_args[@]}"; do
  case "$a" in --ktap | --junit | --quiet | --report-dir) die "RUN-ARGS may not contain $a: the matrix sets the output itself" ;; esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlockcheck-matrix.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
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
for k in "${extra_kernels[@]}"; do labels+=("$(basename "$k")") images+=("$k"); done

# KVM is probed once, by the first guest; the others reuse its answer.
rows=() worst=-1 any_ran=0 matrix_start=$(now)
for i in "${!labels[@]}"; do
  label=${labels[$i]} image=${images[$i]}
  out="$tmp/$i.ktap" err="$tmp/$i.err" junit="$tmp/$i.junit.xml"
  if [[ "$image" == "!"* ]]; then
    note "$label: SKIP: ${image#!}"
    rows+=("$label|-|-|-|-|-|SKIP (not obtainable)|-|-|-")
    continue
  fi
  note "$label: running${image:+ $image}"
  # Divergence reports: DIR/<kernel>/ with --report-dir, else the suite's
  # default (mlockcheck-reports/<release>-<time>/); from a guest, vm.sh
  # brings them home.
  report_args=()
  if [ -n "$report_dir" ]; then
    slug=${label// /-}
    report_args=(--report-dir "$report_dir/${slug,,}")
  fi
  start=$(now)
  if [ -z "$image" ]; then
    "$bin_dir/mlockcheck-conformance" --ktap --junit "$junit" "${report_args[@]}" "${run_args[@]}" >"$out" 2>"$err"
    rc=$? where=host
  else
    MLOCKCHECK_BIN_DIR="$bin_dir" bash "$vm_dir/vm.sh" --kernel "$image" --timeout "$timeout" --accel "$accel" \
      --append "$guest_append" -- --ktap --junit "$junit" "${report_args[@]}" "${run_args[@]}" >"$out" 2>"$err"
    rc=$?
    where=$(sed -nE 's/.*under (TCG|KVM).*/\1/p' "$err" | tail -n 1)
    [ "$accel" = auto ] && [ -n "$where" ] && accel=${where,,}
  fi
  seconds=$(elapsed "$start")
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
