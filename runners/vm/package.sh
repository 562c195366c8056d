#!/usr/bin/env bash
# ./mlockcheck package --kselftest DIR: the suite as a kselftest collection
# directory that existing kernel CI (KernelCI, LKFT/TuxRun kselftest jobs,
# virtme-ng) runs unchanged:
#   DIR/run.sh                  the test: KTAP on stdout, exit 0 pass, 1 fail, 4 skip;
#                               report directories follow in the log, framed
#                               (./mlockcheck unpack LOG writes them out)
#   DIR/mlockcheck-conformance  the static suite, DIR/mlockcheck-executor beside it
#   DIR/settings                timeout=<seconds>, read by kselftest's runner; with
#                               --shard K/N also shard=K/N (kselftest's runner only
#                               sets a variable for it): run.sh runs that shard and
#                               sends its results home in the log for ./mlockcheck merge
#   DIR/config                  the kernel config the suite needs (kselftest convention)
set -uo pipefail
me="mlockcheck package"
# shellcheck source=runners/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: ./mlockcheck package --kselftest DIR [--timeout S] [--shard K/N] [-- RUN-ARGS]
Writes a kselftest-style directory; run.sh runs the suite with RUN-ARGS (default run size).
  --shard K/N  the directory runs shard K of N of the run (settings: shard=K/N; the
               environment's MLOCKCHECK_SHARD=K/N overrides it on a machine): every
               machine of a CI farm gets the same --seed in RUN-ARGS, and
               './mlockcheck unpack LOG...' then './mlockcheck merge DIR...' on the
               host join their results into one verdict
USAGE
}

dir="" timeout=900 shard="" run_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kselftest | --timeout | --shard)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in --kselftest) dir=$2 ;; --timeout) timeout=$2 ;; *) shard=$2 ;; esac
      shift 2
      ;;
    --) shift; run_args=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$me: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || die "--kselftest DIR is required"
[[ "$timeout" =~ ^[0-9]+$ ]] && [ "$timeout" -ge 1 ] || die "--timeout needs a number of seconds"
if [ -n "$shard" ]; then
  [[ "$shard" =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] &&
    [ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -le 1024 ] ||
    die "--shard needs K/N with 1 <= K <= N <= 1024, e.g. --shard 2/4"
  # Every machine's shard must be of the same run: one seed for all.
  [[ " ${run_args[*]} " == *" --seed "* ]] || die "--shard needs --seed S in RUN-ARGS (the same S on every machine)"
fi
for a in "${run_args[@]}"; do
  case "$a" in
    --junit | --ktap | --shard | --results-dir) die "RUN-ARGS may not contain $a: run.sh sets it itself" ;;
    *[!A-Za-z0-9_.=-]*) die "RUN-ARGS may hold only plain flags and numbers, not '$a'" ;;
  esac
done
need_tools strip
for f in mlockcheck-conformance-static mlockcheck-executor; do
  [ -x "$bin_dir/$f" ] || die "missing $bin_dir/$f (run through ./mlockcheck, which builds it)"
done
mkdir -p "$dir" && [ -w "$dir" ] || die "cannot write $dir"

strip -o "$dir/mlockcheck-conformance" "$bin_dir/mlockcheck-conformance-static" &&
  strip -o "$dir/mlockcheck-executor" "$bin_dir/mlockcheck-executor" || die "cannot copy the binaries into $dir"
cp "$vm_dir/mlockcheck.config" "$dir/config" || die "cannot write $dir/config"
{
  echo "timeout=$timeout"
  [ -z "$shard" ] || echo "shard=$shard"
} >"$dir/settings"
cat >"$dir/run.sh" <<EOF
#!/bin/sh
# mlockcheck as a kselftest: KTAP on stdout; exit 0 pass, 1 fail, 4 skip.
# The suite's own exit 2 (a harness error: it could not check) is a failure
# here, since kselftest has no other code for it.
cd "\$(dirname "\$0")" || exit 1
before=\$(ls -d mlockcheck-reports/*/ 2>/dev/null)
# A shard of a run split over machines: settings' shard=K/N, or the
# environment's MLOCKCHECK_SHARD; its results go home in the log too.
shard=\${MLOCKCHECK_SHARD:-\$(sed -n 's/^shard=//p' settings 2>/dev/null)}
results=""
set --  ${run_args[*]} "\$@"
if [ -n "\$shard" ]; then
  case " \$* " in
    *" --seed "*) ;;
    *) echo "# mlockcheck: shard \$shard needs --seed S (the same S on every machine)"; exit 1 ;;
  esac
  results="mlockcheck-results/shard-\$(echo "\$shard" | tr / -)"
  rm -rf "\$results"
  set -- "\$@" --shard "\$shard" --results-dir "\$results"
fi
./mlockcheck-conformance --ktap "\$@"
rc=\$?
# The run's report directories reach the host through the log, as KTAP
# diagnostics: './mlockcheck unpack LOG' there writes them to the same
# relative paths (framing: runners/vm/lib.sh unpack_line).
for d in \$(ls -d mlockcheck-reports/*/ 2>/dev/null) \${results:+"\$results/"}; do
  case "\$before" in *"\$d"*) continue ;; esac
  [ -d "\$d" ] || continue
  if ! command -v base64 >/dev/null; then
    echo "# mlockcheck: no base64 here: the report stays in \$PWD/\$d"
    continue
  fi
  find "\$d" -type f | sort | while read -r f; do
    echo "# MLOCKCHECK-VM-FILE default/\$f"
    base64 "\$f" | sed 's/^/# /'
    echo "# MLOCKCHECK-VM-FILE-END"
  done
done
case \$rc in
  0 | 1 | 4) exit \$rc ;;
  *) echo "# mlockcheck: harness error (exit \$rc), reported as a failure"; exit 1 ;;
esac
EOF
chmod +x "$dir/run.sh"
note "wrote $dir: run.sh, settings (timeout=$timeout), config, mlockcheck-conformance, mlockcheck-executor"
