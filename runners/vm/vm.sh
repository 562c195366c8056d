#!/usr/bin/env bash
# ./mlockcheck vm: boots a kernel image under qemu with an initramfs holding
# the static suite and runs `mlockcheck run RUN-ARGS` inside. The guest's
# output goes to stdout as it comes (the kernel's own log is kept apart, on
# the second serial port); the exit code is the suite's exit code in the
# guest, read from the last line the guest's /init prints
# (runners/vm/vm_init.c) and cross-checked with qemu's isa-debug-exit status.
#
# Exit 2 with one line on stderr when no result could be had: bad flags, a
# missing or unbootable image, a kernel panic, a kernel lacking what the suite
# needs, or a guest still running at --timeout (a hang, with its last output).
set -uo pipefail
me="mlockcheck vm"
# shellcheck source=runners/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: ./mlockcheck vm --kernel PATH [--append ARGS] [--memory MB] [--timeout S]
                       [--accel auto|kvm|tcg] [--smp N] [--numa-nodes N] [--swap-mib N]
                       [-- RUN-ARGS]
The guest has --memory MiB (default 1024), --smp CPUs (default: the host's, at
least 2; multi-threaded TCG or KVM gives each its own host thread), --numa-nodes
nodes (default 2; 0 or 1: no NUMA) and --swap-mib MiB of swap on a RAM disk
(default 128; 0: none); a piece the kernel cannot give is left out, and a
"mlockcheck vm: <piece>: <reason>" line on stderr says why.
RUN-ARGS are `./mlockcheck run` (or soak) flags. Their output files come home:
--junit FILE and the report directories (--report-dir DIR, or the default
mlockcheck-reports/...) are written on the host, where the flags name them.
USAGE
}

# The guest's machine: the host's CPUs (at least two) and two NUMA nodes, so
# that migration between nodes can be tested, and swap, so that reclaim can
# page anonymous memory out. The swap lives in the guest's RAM (a RAM disk),
# hence more memory than the suite alone needs: the swap's 128 MiB may fill,
# and the suite's unlocked pages must not be pushed out to it by a short
# guest.
kernel="" append="" memory=1024 timeout=600 accel=auto exit_device=1 run_args=()
host_cpus=$(nproc 2>/dev/null || echo 2)
smp=$((host_cpus < 2 ? 2 : host_cpus > 64 ? 64 : host_cpus)) numa_nodes=2 swap_mib=128
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel | --append | --memory | --timeout | --accel | --smp | --numa-nodes | --swap-mib)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --kernel) kernel=$2 ;;
        --append) append=$2 ;;
        --memory) memory=$2 ;;
        --timeout) timeout=$2 ;;
        --accel) accel=$2 ;;
        --smp) smp=$2 ;;
        --numa-nodes) numa_nodes=$2 ;;
        --swap-mib) swap_mib=$2 ;;
      esac
      shift 2
      ;;
    # Test hook: no isa-debug-exit device, so the guest ends by rebooting
    # and the exit line alone carries the code (as on kernels without ioperm).
    --no-exit-device) exit_device=0; shift ;;
    --) shift; run_args=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$me: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$kernel" ] || die "--kernel PATH is required"
[[ "$memory" =~ ^[0-9]+$ ]] && [ "$memory" -ge 64 ] && [ "$memory" -le 65536 ] ||
  die "--memory needs a number of MiB from 64 to 65536"
[[ "$timeout" =~ ^[0-9]+$ ]] && [ "$timeout" -ge 1 ] || die "--timeout needs a number of seconds"
case "$accel" in auto | kvm | tcg) ;; *) die "--accel is auto, kvm or tcg" ;; esac
[[ "$smp" =~ ^[0-9]+$ ]] && [ "$smp" -ge 1 ] && [ "$smp" -le 64 ] || die "--smp needs a number of CPUs from 1 to 64"
[[ "$numa_nodes" =~ ^[0-9]+$ ]] && [ "$numa_nodes" -le 8 ] ||
  die "--numa-nodes needs a number of nodes from 0 to 8 (0 or 1: no NUMA)"
[ "$numa_nodes" -le 1 ] || [ $((memory / numa_nodes)) -ge 64 ] ||
  die "--numa-nodes $numa_nodes needs at least 64 MiB a node (--memory $((numa_nodes * 64)))"
[[ "$swap_mib" =~ ^[0-9]+$ ]] && [ "$swap_mib" -le 65536 ] || die "--swap-mib needs a number of MiB from 0 (no swap) to 65536"
[ -e "$kernel" ] || die "no kernel image at $kernel"
[ -f "$kernel" ] && [ -r "$kernel" ] || die "cannot read the kernel image $kernel"
need_tools qemu-system-x86_64 cpio strip
for f in mlockcheck-vm-init mlockcheck-conformance-static mlockcheck-executor; do
  [ -x "$bin_dir/$f" ] || die "missing $bin_dir/$f (run through ./mlockcheck, which builds it)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlockcheck-vm.XXXXXX") || die "cannot create a temporary directory"
qemu_pid=""
cleanup() {
  # A guest still running when we are interrupted goes with us.
  [ -z "$qemu_pid" ] && [ -s "$tmp/qemu.pid" ] && qemu_pid=$(cat "$tmp/qemu.pid")
  [ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Output files: the guest's suite writes them under /out (--junit FILE to
# /out/junit.xml, --report-dir DIR to /out/user/r, default report
# directories below its working directory /out/default), its /init sends
# them home framed, and unpack_line (lib.sh) writes them where the flags
# named them here. The paths are checked on the host before the boot, by
# the suite's own checks.
guest_args=() path_args=()
for ((i = 0; i < ${#run_args[@]}; i++)); do
  a=${run_args[$i]}
  if { [ "$a" = --junit ] || [ "$a" = --report-dir ]; } && [ $((i + 1)) -lt ${#run_args[@]} ]; then
    value=${run_args[$((i + 1))]}
    path_args+=("$a" "$value")
    if [ "$a" = --junit ]; then
      out_junit=$value
      guest_args+=(--junit /out/junit.xml)
    else
      out_reports=${value%/}
      guest_args+=(--report-dir /out/user/r)
    fi
    i=$((i + 1))
  else
    guest_args+=("$a")
  fi
done
if [ ${#path_args[@]} -gt 0 ]; then
  [ -x "$bin_dir/mlockcheck-conformance" ] || die "missing $bin_dir/mlockcheck-conformance (run through ./mlockcheck, which builds it)"
  why=$("$bin_dir/mlockcheck-conformance" --check-output-paths "${path_args[@]}" 2>&1) || die "${why#mlockcheck: }"
fi

# The RAM disk for the swap: brd.ko from the kernel's modules when it has
# them (lib.sh kernel_module), else brd built in, whose parameters go on the
# command line; a kernel with neither runs without swap, and /init says why.
brd_module="" brd_append=""
if [ "$swap_mib" -gt 0 ]; then
  if found=$(kernel_module "$kernel" kernel/drivers/block/brd); then
    brd_module="$tmp/brd.ko"
    stage_module "$found" "$brd_module" || brd_module=""
  fi
  # Read by a built-in brd only (kernel/params.c); init/main.c
  # unknown_bootoption() drops an unused "module.param" without passing it on.
  brd_append="brd.rd_nr=1 brd.rd_size=$((swap_mib * 1024))"
fi

# The initramfs: /init, the static suite and executor, the arguments.
make_initramfs() {  # $1: directory to build in, $2...: the suite's arguments
  local root=$1/root
  shift
  mkdir -p "$root"
  strip -o "$root/init" "$bin_dir/mlockcheck-vm-init" &&
    strip -o "$root/mlockcheck-conformance" "$bin_dir/mlockcheck-conformance-static" &&
    strip -o "$root/mlockcheck-executor" "$bin_dir/mlockcheck-executor" || die "cannot stage the initramfs"
  : >"$root/mlockcheck.args"
  # The guest's set-up, which /init reads (vm_init.c ReadVmSetup()).
  printf 'cpus=%s\nnodes=%s\nswap_kib=%s\n' "$smp" "$numa_nodes" $((swap_mib * 1024)) >"$root/mlockcheck.vm"
  if [ -n "$brd_module" ]; then cp "$brd_module" "$root/brd.ko" || die "cannot stage the initramfs"; fi
  # RapidCheck's parameters go along, so a reproduce= line works in the guest.
  if [ -n "${RC_PARAMS:-}" ]; then
    case "$RC_PARAMS" in *$'\n'*) die "RC_PARAMS contains a newline" ;; esac
    printf 'RC_PARAMS=%s\n' "$RC_PARAMS" >"$root/mlockcheck.env"
  fi
  local a
  for a in "$@"; do
    case "$a" in *$'\n'*) die "a RUN-ARG contains a newline" ;; esac
    printf '%s\n' "$a" >>"$root/mlockcheck.args"
  done
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$(dirname "$root")/initramfs.cpio" ||
    die "cpio failed"
}

# The guest's notes on its set-up (vm_init.c SetUpGuest()), on stderr.
guest_notes=()
show_guest_notes() {
  local n
  for n in "${guest_notes[@]}"; do note "$n"; done
  guest_notes=()
}

# Boots the guest; streams its output (if $3 is "stream") to stdout. Serial
# ports: ttyS0 the suite's stdout and /init's lines, ttyS1 the kernel's
# console ($tmp/kernel.log), ttyS2 the suite's stderr ($tmp/guest.err).
# Sets: exit_marker, unsupported, init_seconds, first_test_seconds, qemu_rc,
# timed_out.
#   $1: accelerator, $2: timeout in seconds, $3: stream|quiet, $4: initramfs
boot() {
  local accel=$1 limit=$2 mode=$3 initrd=$4
  local out="$tmp/guest.out" log="$tmp/kernel.log" line
  : >"$out"
  : >"$log"
  : >"$tmp/guest.err"
  exit_marker="" unsupported="" init_seconds="" first_test_seconds="" qemu_rc="" timed_out=0 guest_notes=()
  local cmdline="console=ttyS1 panic=-1 quiet rdinit=/init${machine_append:+ $machine_append}${append:+ $append}"
  local start exit_device_args=() accel_arg=$accel
  [ $exit_device -eq 1 ] && exit_device_args=(-device "isa-debug-exit,iobase=0xf4,iosize=0x04")
  # TCG runs every vCPU on one host thread unless told otherwise. One CPU a
  # socket: a kernel without ACPI finds CPUs in the BIOS's MP table, which
  # lists one a package (SeaBIOS src/fw/mptable.c steps through APIC IDs a
  # package at a time), and qemu's -smp 2 is one socket of two cores: the
  # tinyconfig kernel found one CPU of two.
  [ "$accel" = tcg ] && [ "$smp" -gt 1 ] && accel_arg="tcg,thread=multi"
  start=$(now)
  exec {guest}< <(
    timeout -s KILL "$limit" qemu-system-x86_64 -accel "$accel_arg" -m "$memory" -smp "$smp,sockets=$smp" "${numa_args[@]}" \
      -nodefaults -display none -no-reboot -cpu "$([ "$accel" = kvm ] && echo host || echo max)" \
      -serial stdio -serial "file:$log" -serial "file:$tmp/guest.err" \
      "${exit_device_args[@]}" \
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
      -pidfile "$tmp/qemu.pid" </dev/null 2>"$tmp/qemu.err"
    echo $? >"$tmp/qemu.rc"
  )
  while IFS= read -r -u "$guest" line || [ -n "$line" ]; do
    line=${line%$'\r'}
    unpack_line "$line" && continue
    case "$line" in
      MLOCKCHECK-VM-INIT*) init_seconds=$(elapsed "$start") ;;
      MLOCKCHECK-VM-UNSUPPORTED*) unsupported=${line#MLOCKCHECK-VM-UNSUPPORTED } ;;
      # The guest's set-up, and a piece of it the kernel could not give.
      # Kept until the suite's first line, or after the reason of a failure.
      MLOCKCHECK-VM-NOTE*) guest_notes+=("${line#MLOCKCHECK-VM-NOTE }") ;;
      MLOCKCHECK-VM-EXIT*)
        exit_marker=${line#MLOCKCHECK-VM-EXIT }
        break
        ;;
      *)
        # The suite's first line is its header, printed as the first test starts.
        [ -n "$init_seconds" ] && [ -z "$first_test_seconds" ] && first_test_seconds=$(elapsed "$start")
        [ "$mode" = stream ] && show_guest_notes
        # A rerun hint names this command, so it can be pasted as it is;
        # a report directory is named as the host has it.
        line=${line/rerun: .\/mlockcheck run /rerun: ./mlockcheck vm --kernel $kernel -- }
        rewrite_report_line "$line"
        line=$host_line
        printf '%s\n' "$line" >>"$out"
        [ "$mode" = stream ] && printf '%s\n' "$line"
        ;;
    esac
  done
  # After the exit line the guest ends itself (isa-debug-exit or reboot);
  # give it a moment, then make sure.
  if [ -n "$exit_marker" ]; then
    local waited=0
    while [ ! -s "$tmp/qemu.rc" ] && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
  fi
  qemu_pid=$(cat "$tmp/qemu.pid" 2>/dev/null)
  [ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2>/dev/null
  cat <&"$guest" >/dev/null
  exec {guest}<&-
  qemu_pid=""
  qemu_rc=$(cat "$tmp/qemu.rc" 2>/dev/null)
  [ "$qemu_rc" = 137 ] && [ -z "$exit_marker" ] && timed_out=1
  return 0
}

# NUMA nodes: qemu's -numa nodes, which the kernel reads from the ACPI SRAT
# table qemu builds (arch/x86/mm/srat.c, CONFIG_ACPI_NUMA: Debian's kernels);
# and numa=fake=N for a kernel without ACPI but with CONFIG_NUMA_EMU (the
# fragment's tinyconfig). A kernel with both splits its N physical nodes
# into N (arch/x86/mm/numa_emulation.c split_nodes_interleave()); one
# without NUMA_EMU ignores it (arch/x86/include/asm/numa.h numa_emu_cmdline()).
# Memory is split evenly, CPUs go round the nodes.
numa_args=() machine_append=""
if [ "$numa_nodes" -ge 2 ]; then
  for ((n = 0; n < numa_nodes; n++)); do
    size=$((memory / numa_nodes))
    [ $n -eq $((numa_nodes - 1)) ] && size=$((memory - size * (numa_nodes - 1)))
    node="node,nodeid=$n,memdev=ram$n"
    for ((c = n; c < smp; c += numa_nodes)); do node="$node,cpus=$c"; done
    numa_args+=(-object "memory-backend-ram,id=ram$n,size=${size}M" -numa "$node")
  done
  machine_append="numa=fake=$numa_nodes"
fi
machine_append="$machine_append${brd_append:+ $brd_append}"
machine_append=${machine_append# }

# KVM, if a guest boots under it within a few seconds (nested KVM guests can
# hang at boot); else TCG. The probe boots the same kernel running --help.
choose_accel() {
  chosen=$accel
  [ "$accel" = auto ] || return 0
  chosen=tcg
  [ -w /dev/kvm ] || return 0
  mkdir -p "$tmp/probe"
  make_initramfs "$tmp/probe" --help
  boot kvm 3 quiet "$tmp/probe/initramfs.cpio"
  [ "$exit_marker" = 0 ] && chosen=kvm
  return 0
}

tail_of() {  # $1: file, $2: label
  [ -s "$1" ] || return 0
  echo "--- last lines of $2:" >&2
  tail -n 15 "$1" | tr -d '\r' | sed 's/^/  /' >&2
}

choose_accel
make_initramfs "$tmp" "${guest_args[@]}"
note "booting $kernel under ${chosen^^} (memory ${memory} MiB, $smp CPU$([ "$smp" -gt 1 ] && echo s), $([ "$numa_nodes" -ge 2 ] && echo "$numa_nodes NUMA nodes" || echo "no NUMA"), $([ "$swap_mib" -gt 0 ] && echo "swap $swap_mib MiB" || echo "no swap"), timeout ${timeout} s)"
boot "$chosen" "$timeout" stream "$tmp/initramfs.cpio"
# The suite's stderr came on its own port, so stdout stays pure (KTAP). With
# a result it is shown now; without one, after the line that says why.
[ -n "$exit_marker" ] && tr -d '\r' <"$tmp/guest.err" >&2

if [ -n "$exit_marker" ]; then
  [[ "$exit_marker" =~ ^[0-9]+$ ]] || die "the guest's exit line is malformed: '$exit_marker'"
  # isa-debug-exit makes qemu exit with 2*code+1; a reboot gives 0.
  if [ -n "$qemu_rc" ] && [ $((qemu_rc % 2)) -eq 1 ] && [ "$qemu_rc" != 137 ] &&
    [ "$qemu_rc" -ne $((exit_marker * 2 + 1)) ]; then
    die "the guest printed exit code $exit_marker but signalled $(((qemu_rc - 1) / 2))"
  fi
  [ -n "$unsupported" ] && die "$kernel cannot run the suite: $unsupported"
  if [ -n "$out_junit" ] && ! [[ " ${unpack_written[*]} " == *" $out_junit "* ]]; then
    note "the guest wrote no JUnit file"
  fi
  show_guest_notes
  [ ${#unpack_written[@]} -gt 0 ] && note "files from the guest: ${unpack_written[*]}"
  note "guest exit code $exit_marker; boot to /init ${init_seconds:-?} s, to the first test ${first_test_seconds:-?} s under ${chosen^^}"
  exit "$exit_marker"
fi

# No result: say why, in one line, with the evidence after it.
panic=$(grep -m1 -aE 'Kernel panic - not syncing' "$tmp/kernel.log" | sed 's/^\[[ 0-9.]*\] //' | tr -d '\r')
if [ $timed_out -eq 1 ]; then
  echo "$me: HANG: the guest gave no result within --timeout $timeout s" >&2
  show_guest_notes
  if [ ! -s "$tmp/guest.out" ]; then
    [ -n "$init_seconds" ] && echo "(the guest's /init started, then nothing)" >&2 ||
      echo "(the guest printed nothing: its /init never started)" >&2
  fi
  tail_of "$tmp/guest.out" "the guest's output"
  tail_of "$tmp/guest.err" "the guest's stderr"
  tail_of "$tmp/kernel.log" "the kernel log"
  exit 2
fi
if [ -n "$panic" ]; then
  case "$panic" in
    *"Unable to mount root fs"* | *"No working init found"* | *"Requested init"*)
      why="the kernel did not run the initramfs's /init (it needs CONFIG_BLK_DEV_INITRD, CONFIG_BINFMT_ELF and a serial console): $panic" ;;
    *) why="kernel panic: $panic" ;;
  esac
  echo "$me: $why" >&2
  show_guest_notes
  tail_of "$tmp/kernel.log" "the kernel log"
  exit 2
fi
if [ ! -s "$tmp/kernel.log" ] && [ ! -s "$tmp/guest.out" ]; then
  qerr=$(grep -v '^$' "$tmp/qemu.err" | head -n 1)
  die "$kernel is not a bootable x86-64 kernel image${qerr:+ (qemu: $(sed -E "s/^(qemu-system-x86_64|qemu): //" <<<"$qerr"))}"
fi
echo "$me: the guest stopped without a result (qemu exit status ${qemu_rc:-?})" >&2
show_guest_notes
tail_of "$tmp/guest.out" "the guest's output"
tail_of "$tmp/guest.err" "the guest's stderr"
tail_of "$tmp/kernel.log" "the kernel log"
exit 2
