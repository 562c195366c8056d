#!/usr/bin/env bash
# ./mlockcheck bench --guest PATH: the suite's speed inside a guest with one
# vCPU and with the default (the host's CPUs, at least two), side by side: the
# same kernel, seed and run size under each, one line each and their ratio.
# The suite inside is one job either way (a guest's run has the machine to
# itself: rule 72); more vCPUs let the runner, the executor and the child of
# a sequence run at once, each on its own host thread under multi-threaded
# TCG or KVM.
set -uo pipefail
me="mlockcheck bench --guest"
# shellcheck source=runners/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: ./mlockcheck bench --guest PATH [--sequences N] [--seed S] [--accel auto|kvm|tcg] [--timeout S]
Runs the suite (N sequences, default 300; seed S, default 1) in a guest of kernel PATH with
-smp 1 and with -smp <host CPUs, at least 2>, and prints for each
  BENCH-GUEST kernel=<release> smp=<n> steps_per_second=<n> boot_to_first_test=<s> seconds=<s>
then BENCH-GUEST-RATIO smp=<n>/1 <ratio> (the goal: at least 1.6 with -smp 2).
exit codes: 0 measured, 2 usage error or a run without a result
USAGE
}

kernel="" sequences=300 seed=1 accel=auto timeout=1800
while [ $# -gt 0 ]; do
  case "$1" in
    --guest | --sequences | --seed | --accel | --timeout)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --guest) kernel=$2 ;;
        --sequences) sequences=$2 ;;
        --seed) seed=$2 ;;
        --accel) accel=$2 ;;
        --timeout) timeout=$2 ;;
      esac
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$me: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$kernel" ] || die "--guest PATH is required"
[ -f "$kernel" ] || die "no kernel image at $kernel"
[[ "$sequences" =~ ^[0-9]+$ ]] && [ "$sequences" -ge 1 ] || die "--sequences needs a number from 1"
[[ "$timeout" =~ ^[0-9]+$ ]] && [ "$timeout" -ge 1 ] || die "--timeout needs a number of seconds"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlockcheck-bench-guest.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

cpus=$(nproc)
[ "$cpus" -ge 2 ] || cpus=2
declare -A rate
for smp in 1 "$cpus"; do
  MLOCKCHECK_BIN_DIR="$bin_dir" bash "$vm_dir/vm.sh" --kernel "$kernel" --smp "$smp" --accel "$accel" \
    --timeout "$timeout" -- --sequences "$sequences" --seed "$seed" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  result=$(grep -E '^RESULT kernel=' "$tmp/out" | tail -n 1)
  if [ -z "$result" ] || [ "$rc" -eq 2 ]; then
    tail -n 5 "$tmp/err" >&2
    die "-smp $smp: the guest gave no result (exit $rc)"
  fi
  field() { sed -nE "s/.* $1=([^ ]+).*/\\1/p" <<<" $result"; }
  release=$(field kernel) steps=$(field steps) seconds=$(field seconds)
  boot=$(sed -nE 's/.*to the first test ([0-9.?]+) s.*/\1/p' "$tmp/err" | tail -n 1)
  rate[$smp]=$(awk -v s="$steps" -v t="$seconds" 'BEGIN { printf "%d", (t > 0 ? s / t : 0) }')
  echo "BENCH-GUEST kernel=$release smp=$smp steps_per_second=${rate[$smp]} boot_to_first_test=${boot:-?} seconds=$seconds"
done
awk -v a="${rate[$cpus]}" -v b="${rate[1]}" -v n="$cpus" \
  'BEGIN { printf "BENCH-GUEST-RATIO smp=%d/1 %.2f\n", n, (b > 0 ? a / b : 0) }'
