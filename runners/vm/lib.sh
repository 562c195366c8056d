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

# Debian's cloud kernel of a series, downloaded with apt-get and unpacked
# with dpkg -x into the cache; prints the path of its vmlinuz.
#   $1: the meta-package naming the newest kernel of the series
#       (linux-image-cloud-amd64 for 6.1, linux-image-6.12-cloud-amd64)
debian_kernel() {
  local meta=$1 dir package deb
  dir=$(mkcache kernels)
  # The meta-package depends on exactly one versioned image package.
  package=$(apt-cache depends "$meta" 2>/dev/null | sed -nE 's/^ +Depends: (linux-image-[^ ]+)$/\1/p' | head -n 1)
  [ -n "$package" ] || die "Debian's sources name no kernel for $meta (apt-get update? bookworm-security and bookworm-updates in sources.list?)"
  if [ ! -d "$dir/$package/boot" ]; then
    (cd "$dir" && rm -f "$package"_*.deb &&
      apt-get -q -o APT::Sandbox::User=root download "$package" >"$dir/$package.log" 2>&1) ||
      die "apt-get download $package failed (log: $dir/$package.log)"
    deb=$(ls "$dir/$package"_*.deb)
    rm -rf "$dir/$package.tmp"
    dpkg -x "$deb" "$dir/$package.tmp" || die "dpkg -x $deb failed"
    # Only the image is needed; the modules are most of the package.
    mkdir -p "$dir/$package"
    mv "$dir/$package.tmp/boot" "$dir/$package/boot"
    rm -rf "$dir/$package.tmp" "$deb" "$dir/$package.log"
  fi
  ls "$dir/$package"/boot/vmlinuz-* 2>/dev/null | head -n 1
}
