#!/usr/bin/env bash
# ./mlockcheck build-kernel: builds a bzImage to run the suite on, from
# `make tinyconfig` plus the repository's fragment (runners/vm/mlockcheck.config),
# with the given patches applied.
#
# The source is Debian's linux-source-6.1 (unpacked once into the cache) or
# --source DIR. The build is out of tree, in the cache, one directory per
# source tree, so it is incremental: patches are applied before `make` and
# reverted after it, which leaves the source as it was and lets make rebuild
# only what the patches touch.
set -uo pipefail
me="mlockcheck build-kernel"
# shellcheck source=runners/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: ./mlockcheck build-kernel [--source DIR] [--patch FILE]... [--config FILE]... [--out FILE]
Builds DIR (default: Debian's linux-source-6.1) with tinyconfig + runners/vm/mlockcheck.config
+ the --config fragments (later lines win) and the patches (applied with patch -p1, reverted
after the build); prints the image's path.
USAGE
}

source_dir="" out="" patches=() configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --source | --patch | --config | --out)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --source) source_dir=$2 ;;
        --patch) patches+=("$(realpath -e -- "$2" 2>/dev/null)") || die "no patch file $2"
                 [ -f "${patches[-1]}" ] && [ -r "${patches[-1]}" ] || die "cannot read the patch $2" ;;
        --config) [ -f "$2" ] && [ -r "$2" ] || die "cannot read the config fragment $2"
                  configs+=("$2") ;;
        --out) out=$2 ;;
      esac
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$me: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
need_tools make gcc flex bison bc patch flock
fragment="$vm_dir/mlockcheck.config"

# Debian's linux-source-6.1, unpacked into the cache once per package version.
debian_source() {
  local tarball=/usr/src/linux-source-6.1.tar.xz version src
  [ -r "$tarball" ] || die "no $tarball (apt-get install linux-source-6.1, or run through ./mlockcheck)"
  version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
  src=$(mkcache src)
  if [ "$(cat "$src/linux-source-6.1.version" 2>/dev/null)" != "$version" ]; then
    note "unpacking $tarball ($version) into $src"
    rm -rf "$src/linux-source-6.1" "$src/linux-source-6.1.version"
    tar -xf "$tarball" -C "$src" || die "cannot unpack $tarball"
    echo "$version" >"$src/linux-source-6.1.version"
  fi
  echo "$src/linux-source-6.1"
}

if [ -z "$source_dir" ]; then
  source_dir=$(debian_source) || exit 2
fi
[ -f "$source_dir/Makefile" ] && [ -d "$source_dir/arch/x86" ] && [ -f "$source_dir/mm/mlock.c" ] ||
  die "$source_dir is not a Linux source tree (no Makefile, arch/x86 or mm/mlock.c)"
source_dir=$(realpath "$source_dir")

# One build directory per source tree.
key="$(basename "$source_dir")-$(printf '%s' "$source_dir" | sha256sum | cut -c1-8)"
obj=$(mkcache "kbuild/$key")
exec {lock}>"$obj/.lock"
flock -w 3600 "$lock" || die "another build holds $obj/.lock"
log="$obj/build.log"
: >"$log"

applied=()
revert_patches() {
  local i
  for ((i = ${#applied[@]} - 1; i >= 0; i--)); do
    patch -d "$source_dir" -p1 -R -s --no-backup-if-mismatch <"${applied[$i]}" >>"$log" 2>&1 ||
      note "could not revert ${applied[$i]} in $source_dir (see $log)"
  done
  applied=()
}
trap revert_patches EXIT
trap 'exit 130' INT TERM

for p in "${patches[@]}"; do
  patch -d "$source_dir" -p1 -s -f --dry-run <"$p" >>"$log" 2>&1 ||
    die "the patch $p does not apply to $source_dir (after ${#applied[@]} others; see $log)"
  patch -d "$source_dir" -p1 -s -f --no-backup-if-mismatch <"$p" >>"$log" 2>&1 || die "patching with $p failed (see $log)"
  applied+=("$p")
done

kmake() { make -C "$source_dir" O="$obj" "$@" >>"$log" 2>&1; }
start=$(now)

# The options asked for: ours, then the user's fragments.
wanted="$obj/.mlockcheck.wanted"
cat "$fragment" "${configs[@]}" >"$wanted.new" || die "cannot read the config fragments"

# Configure when the fragments changed (or never ran): tinyconfig, the
# fragments, then every option asked for must have its last asked value
# ("# CONFIG_X is not set" is also met by an absent X).
if ! cmp -s "$wanted.new" "$wanted" || [ ! -f "$obj/.config" ]; then
  note "configuring $source_dir: tinyconfig + $(basename "$fragment")${configs[*]:+ + ${configs[*]}}"
  rm -f "$wanted"
  kmake tinyconfig || die "make tinyconfig failed (see $log)"
  (cd "$obj" && "$source_dir/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$wanted.new") >>"$log" 2>&1 ||
    die "merging the config fragments failed (see $log)"
  kmake olddefconfig || die "make olddefconfig failed (see $log)"
  declare -A last=()
  while IFS= read -r line; do
    name=$(sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=.*/\1/p; s/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1/p' <<<"$line")
    [ -n "$name" ] && last[$name]=$line
  done <"$wanted.new"
  for name in "${!last[@]}"; do
    want=${last[$name]}
    grep -qxF -- "$want" "$obj/.config" && continue
    [[ "$want" == "# "* ]] && ! grep -qE "^$name=" "$obj/.config" && continue
    die "the kernel config has no '$want' after olddefconfig: a dependency is missing in this tree (see $obj/.config)"
  done
  mv "$wanted.new" "$wanted"
fi
rm -f "$wanted.new"

note "building bzImage in $obj (log: $log)"
if ! kmake -j"$(nproc)" bzImage; then
  grep -E 'error|Error' "$log" | head -n 20 >&2
  die "the kernel build failed (log: $log)"
fi
revert_patches
release=$(make -s -C "$source_dir" O="$obj" kernelrelease 2>/dev/null)
image="$obj/arch/x86/boot/bzImage"
if [ -n "$out" ]; then
  mkdir -p "$(dirname "$out")" && cp "$image" "$out" || die "cannot write $out"
  image=$(realpath "$out")
fi
note "built $release in $(elapsed "$start") s${patches[*]:+ with ${#patches[@]} patch(es)}"
note "run the suite on it: ./mlockcheck vm --kernel $image"
echo "$image"
