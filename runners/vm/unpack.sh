#!/usr/bin/env bash
# ./mlockcheck unpack LOG...: the report directories a kselftest run of
# mlockcheck (./mlockcheck package --kselftest) printed into its log, written
# out under the current directory at the paths the run printed
# (mlockcheck-reports/<release>-<time>/report.txt, sequence.txt, repro.c).
# Exit 0 with one line per file written, 2 on bad input, 4 if the log holds
# no file.
set -uo pipefail
me="mlockcheck unpack"
# shellcheck source=runners/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: ./mlockcheck unpack LOG...   (a saved kselftest or KTAP log of run.sh; - for stdin)"; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h | --help) usage; exit 0 ;; esac
need_tools base64
for log in "$@"; do
  [ "$log" = - ] || [ -f "$log" ] || die "no log file at $log"
  [ "$log" = - ] || [ -r "$log" ] || die "cannot read $log"
done
for log in "$@"; do
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    # kselftest's runner may put its own prefix before run.sh's lines.
    [[ "$line" == *"MLOCKCHECK-VM-FILE"* ]] && line="# MLOCKCHECK-VM-FILE${line#*MLOCKCHECK-VM-FILE}"
    unpack_line "$line" || true
  done < <([ "$log" = - ] && cat || cat "$log")
done
[ -n "$unpack_rel" ] && die "the log ends inside the file $unpack_rel (cut off?)"
[ ${#unpack_written[@]} -gt 0 ] || { note "no files in the log"; exit 4; }
for f in "${unpack_written[@]}"; do echo "wrote $f"; done
