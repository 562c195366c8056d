# shellcheck shell=bash disable=SC2034  # variables for the scripts that source this
# Shared by the scripts of runners/vm (sourced, not run).
#
# MLOCKCHECK_CACHE: where downloaded kernels, unpacked sources and kernel
# builds live (default $XDG_CACHE_HOME/mlockcheck, i.e. ~/.cache/mlockcheck).
# MLOCKCHECK_BIN_DIR: the build's bin/ directory (./mlockcheck sets it).

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_dir="${MLOCKCHECK_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mlockcheck}"
bin_dir="${MLOCKCHECK_BIN_DIR:-$vm_dir/../../build/bin}"

# The program name in messages: "mlockcheck vm", "mlockcheck matrix", ...
: "${me:=mlockcheck}"

# One line on stderr, exit 2 (usage error, bad input, or the guest could
# not give a result).
die() {
  echo "$me: $*" >&2
  exit 2
}

note() { echo "$me: $*" >&2; }

# Seconds since the epoch with microseconds, from bash itself.
now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || die "needs '$t' (run through ./mlockcheck, which installs it)"
  done
}

mkcache() {
  mkdir -p "$cache_dir/$1" 2>/dev/null && [ -w "$cache_dir/$1" ] ||
    die "cannot write $cache_dir/$1; set MLOCKCHECK_CACHE to a writable directory"
  echo "$cache_dir/$1"
}

# The modules a guest loads from its kernel's package (vm.sh: brd for the
# swap's RAM disk), as paths under lib/modules/<release>/.
guest_modules=(kernel/drivers/block/brd)

# Debian's cloud kernel of a series, downloaded with apt-get and unpacked
# with dpkg -x into the cache; prints the path of its vmlinuz. Kept: boot/
# and, uncompressed, the guest_modules under lib/modules/<release>/, as an
# installed kernel has them (where kernel_module looks); modules.kept lists
# them and marks the entry complete (an entry without it, from before the
# modules were kept, is completed by downloading the package again).
#   $1: the meta-package naming the newest kernel of the series
#       (linux-image-cloud-amd64 for 6.1, linux-image-6.12-cloud-amd64)
debian_kernel() {
  local meta=$1 dir package deb tmp m found kept rel dest
  dir=$(mkcache kernels)
  # The meta-package depends on exactly one versioned image package.
  package=$(apt-cache depends "$meta" 2>/dev/null | sed -nE 's/^ +Depends: (linux-image-[^ ]+)$/\1/p' | head -n 1)
  [ -n "$package" ] || die "Debian's sources name no kernel for $meta (apt-get update? bookworm-security and bookworm-updates in sources.list?)"
  if [ ! -d "$dir/$package/boot" ] || [ ! -f "$dir/$package/modules.kept" ]; then
    (cd "$dir" && rm -f "$package"_*.deb &&
      apt-get -q -o APT::Sandbox::User=root download "$package" >"$dir/$package.log" 2>&1) ||
      die "apt-get download $package failed (log: $dir/$package.log)"
    deb=$(ls "$dir/$package"_*.deb)
    tmp="$dir/$package.tmp"
    rm -rf "$tmp"
    dpkg -x "$deb" "$tmp" || die "dpkg -x $deb failed"
    mkdir -p "$dir/$package"
    # An existing boot/ is the same package's and stays as it is: a guest
    # booting from it now must not find it missing.
    [ -d "$dir/$package/boot" ] || mv "$tmp/boot" "$dir/$package/boot"
    # Of the modules (most of the package) only the guest's; usrmerge puts
    # them under usr/lib/modules. Decompressed here (xz: Debian's 6.12
    # compresses them), so the guest's finit_module() needs no decompressor.
    kept=()
    for m in "${guest_modules[@]}"; do
      found=$(ls -d "$tmp"/lib/modules/*/"$m".ko* "$tmp"/usr/lib/modules/*/"$m".ko* 2>/dev/null | head -n 1)
      [ -n "$found" ] || continue
      rel=${found#"$tmp"/}
      rel=lib/${rel#*lib/}
      dest="$dir/$package/${rel%.ko*}.ko"
      mkdir -p "$(dirname "$dest")" && stage_module "$found" "$dest.new" && mv "$dest.new" "$dest" ||
        die "cannot keep $rel of $deb"
      kept+=("${dest#"$dir/$package/"}")
    done
    printf '%s\n' "${kept[@]}" >"$dir/$package/modules.kept"
    rm -rf "$tmp" "$deb" "$dir/$package.log"
  fi
  ls "$dir/$package"/boot/vmlinuz-* 2>/dev/null | head -n 1
}

# The release a bzImage names in its setup header: at 0x20E the offset (less
# 0x200) of a version string, "6.1.0-57-cloud-amd64 (debian-kernel@...) #1
# ...", when 0x202 holds "HdrS" (Documentation/x86/boot.rst, kernel_version).
image_release() {
  local offset version
  [ "$(dd if="$1" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] || return 1
  offset=$(od -An -tu2 -j $((0x20E)) -N2 "$1" | tr -d ' ')
  [ -n "$offset" ] && [ "$offset" -gt 0 ] || return 1
  # Into a variable, not through head: under pipefail an early-closing
  # reader would fail the pipeline.
  version=$(dd if="$1" bs=1 skip=$((offset + 0x200)) count=256 2>/dev/null | tr '\0' '\n')
  version=${version%%$'\n'*}
  echo "${version%% *}"
}

# Prints the file of module $2 (a path under lib/modules/<release>/ without
# .ko, e.g. kernel/drivers/block/brd) of the kernel image $1, laid out as
# installed: the image in boot/, its modules in ../lib/modules/<release>/
# (or ../usr/lib/modules/), <release> read from the image. Plain or
# compressed (.ko.xz, .ko.zst, .ko.gz). Returns 1 if there is none.
kernel_module() {
  local release up f
  release=$(image_release "$1") && [ -n "$release" ] || return 1
  up=$(dirname "$1")/..
  for f in "$up/lib/modules/$release/$2".ko{,.xz,.zst,.gz} "$up/usr/lib/modules/$release/$2".ko{,.xz,.zst,.gz}; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

# Copies module $1 to $2, decompressed (the guest loads it with
# finit_module() and no flags). Says why not and returns 1 when it cannot.
stage_module() {
  local tool=cat
  case "$1" in
    *.xz) tool=xz ;;
    *.zst) tool=zstd ;;
    *.gz) tool=gzip ;;
  esac
  if [ "$tool" != cat ] && ! command -v "$tool" >/dev/null; then
    note "cannot decompress $1: no '$tool' (apt-get install xz-utils zstd)"
    return 1
  fi
  if [ "$tool" = cat ]; then cp "$1" "$2"; else "$tool" -dc "$1" >"$2"; fi || {
    note "cannot decompress $1"
    rm -f "$2"
    return 1
  }
}

# Files a guest sends home. The guest's /init (runners/vm/vm_init.c
# SendFile()) and the kselftest package's run.sh print every file the suite
# wrote under its output directory, framed and base64-encoded (run.sh with
# "# " in front, as KTAP diagnostics):
#   MLOCKCHECK-VM-FILE <path relative to the output directory>
#   <base64 lines>
#   MLOCKCHECK-VM-FILE-END
# The paths: junit.xml (--junit), user/r[-N]/... (--report-dir, the suite's
# first report directory and its -2, -3 siblings) and default/... (the
# suite's working directory: default report directories).
# Set before use: out_junit (the host's --junit file, or ""), out_reports
# (the host's --report-dir, or ""). unpack_line LINE returns 0 when LINE was
# part of a frame (and writes the file at its end), 1 otherwise.
unpack_rel="" unpack_tmp="" out_junit="" out_reports=""
declare -A unpack_dirs=()  # guest directory -> host directory
unpack_written=()          # host paths written, in order

# Sets host_dir: where a directory the guest wrote goes on the host; never
# over an earlier report (a name that holds one gets -2, -3, ... as the
# suite itself does).
map_guest_dir() {
  local g=$1 top rest base candidate k
  if [ -n "${unpack_dirs[$g]:-}" ]; then host_dir=${unpack_dirs[$g]}; return 0; fi
  case "$g" in
    user/*)
      rest=${g#user/} top=${rest%%/*} rest=${rest#"$top"}
      case "$top" in
        r) base=$out_reports ;;
        r-*) base="$out_reports-${top#r-}" ;;
        *) base="$out_reports/$top" ;;
      esac
      base="$base$rest"
      ;;
    default) base=. ;;
    default/*) base=${g#default/} ;;
    *) base="mlockcheck-guest-files/$g" ;;
  esac
  candidate=$base k=2
  local taken
  while :; do
    taken=0
    for d in "${unpack_dirs[@]}"; do [ "$d" = "$candidate" ] && taken=1; done
    [ $taken -eq 0 ] && ! [ -e "$candidate/report.txt" ] && ! [ -e "$candidate/sequence.txt" ] &&
      ! [ -e "$candidate/repro.c" ] && break
    candidate="$base-$k" k=$((k + 1))
  done
  unpack_dirs[$g]=$candidate
  host_dir=$candidate
}

# A guest path as the suite printed it (absolute under the output
# directory, or relative to its working directory) -> the host's.
host_path_of() {
  local p=${1%/}
  case "$p" in
    /out/*) map_guest_dir "${p#/out/}" ;;
    /*) host_dir=$p ;;
    *) map_guest_dir "default/$p" ;;
  esac
}

unpack_line() {
  local line=${1#\# }
  case "$line" in
    "MLOCKCHECK-VM-FILE "*)
      unpack_rel=${line#MLOCKCHECK-VM-FILE }
      unpack_tmp=$(mktemp "${TMPDIR:-/tmp}/mlockcheck-file.XXXXXX") || die "cannot create a temporary file"
      return 0
      ;;
    MLOCKCHECK-VM-FILE-END)
      [ -n "$unpack_rel" ] || return 0
      local dest
      if [ "$unpack_rel" = junit.xml ]; then
        dest=${out_junit:-junit.xml}
      else
        map_guest_dir "$(dirname "$unpack_rel")"
        dest="$host_dir/$(basename "$unpack_rel")"
      fi
      mkdir -p "$(dirname "$dest")" && base64 -d <"$unpack_tmp" >"$dest" ||
        note "cannot write $dest (from the guest's $unpack_rel)"
      unpack_written+=("$dest")
      rm -f "$unpack_tmp"
      unpack_rel="" unpack_tmp=""
      return 0
      ;;
  esac
  [ -n "$unpack_rel" ] || return 1
  printf '%s\n' "$line" >>"$unpack_tmp"
  return 0
}

# Sets host_line: a suite line that names a report directory ("report:
# DIR/ (report.txt, ...)", "# " in front in KTAP) with DIR as the host has
# it; any other line as it is. (No subshell: the mapping is remembered.)
rewrite_report_line() {
  host_line=$1
  if [[ "$host_line" =~ ^(\#\ )?(.*report: )([^ ]+)/(\ \(report\.txt.*)$ ]]; then
    local prefix="${BASH_REMATCH[1]}${BASH_REMATCH[2]}" rest=${BASH_REMATCH[4]}
    host_path_of "${BASH_REMATCH[3]}"
    host_line="$prefix$host_dir/$rest"
  fi
}
