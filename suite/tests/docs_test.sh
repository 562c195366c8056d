#!/usr/bin/env bash
# The documentation, checked on the sources:
# - every rule the code cites as "ref N" (lists and ranges too: "ref 36, 43-45")
#   in oracles/, generators/, runners/ and suite/ is a rule of oracles/README.md,
#   that is, a heading "### ref N: ...";
# - every relative link of the guide and the reference pages leads to a file
#   or directory that exists, and a link with an #anchor into a Markdown file
#   to one of its headings (GitHub's anchors: lower case, punctuation dropped,
#   spaces made hyphens);
# - README.md stays a guide: at most 400 lines.
set -uo pipefail
root=$1
status=0
fail() { echo "FAIL: $*"; status=1; }
rules="$root/oracles/README.md"
pages=(README.md oracles/README.md runners/vm/README.md suite/README.md suite/measurements.md)
max_guide_lines=400

for page in "${pages[@]}"; do
  [ -f "$root/$page" ] || fail "$page is missing"
done
[ $status -eq 0 ] || exit 1

# The headings of a Markdown file as GitHub anchors, one per line (fenced code
# blocks skipped: a "# comment" there is no heading).
anchors() {
  awk '/^```/ { fence = !fence; next }
       !fence && /^#+ / {
         h = $0; sub(/^#+ +/, "", h); h = tolower(h)
         gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h); print h
       }' "$1"
}

# (a) Every cited rule exists.
declare -A have
while read -r n; do
  [ -z "${have[$n]:-}" ] || fail "oracles/README.md has two rules numbered $n"
  have[$n]=1
done < <(sed -nE 's/^### ref ([0-9]+): .*/\1/p' "$rules")
[ ${#have[@]} -gt 0 ] || fail "oracles/README.md has no '### ref N: ...' headings"
cited=0
while IFS=: read -r file citation; do
  # "ref 36, 43-45" -> 36 43 44 45
  list=${citation#ref } list=${list// and /,} list=${list// /}
  for item in ${list//,/ }; do
    first=${item%-*} last=${item#*-}
    for ((n = first; n <= last; n++)); do
      cited=$((cited + 1))
      [ -n "${have[$n]:-}" ] || fail "${file#"$root"/} cites ref $n, which oracles/README.md has no rule for ('### ref $n: ...')"
    done
  done
done < <(grep -roE --include='*.cc' --include='*.h' --include='*.c' --include='*.sh' --include='*.seq' --include='*.txt' \
           --exclude=docs_test.sh '\bref [0-9]+((, ?| and |-)[0-9]+)*' "$root"/oracles "$root"/generators "$root"/runners "$root"/suite)
[ $cited -gt 0 ] || fail "found no \"ref N\" citation in the code: is the pattern still right?"

# (b) Every relative link resolves.
declare -A anchors_of
for page in "${pages[@]}"; do
  dir=$(dirname "$root/$page")
  while read -r target; do
    case "$target" in
      http://* | https://* | mailto:*) continue ;;
    esac
    path=${target%%#*}
    anchor=""
    [[ "$target" == *"#"* ]] && anchor=${target#*#}
    if [ -z "$path" ]; then
      file="$root/$page"
    else
      file="$dir/$path"
      if [ ! -e "$file" ]; then
        fail "$page links to $target, but there is no ${file#"$root"/}"
        continue
      fi
    fi
    if [ -n "$anchor" ] && [[ "$file" == *.md ]]; then
      key=$(realpath "$file")
      [ -n "${anchors_of[$key]:-}" ] || anchors_of[$key]=$'\n'$(anchors "$file")$'\n'
      [[ "${anchors_of[$key]}" == *$'\n'"$anchor"$'\n'* ]] ||
        fail "$page links to $target, but ${file#"$root"/} has no heading with the anchor #$anchor"
    fi
  done < <(awk '/^```/ { fence = !fence; next } !fence' "$root/$page" | grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\((.*)\)$/\1/')
done

# (c) The guide stays a guide.
lines=$(wc -l <"$root/README.md")
[ "$lines" -le $max_guide_lines ] ||
  fail "README.md has $lines lines, more than $max_guide_lines: move reference material to the pages it links to"

[ $status -eq 0 ] && echo "PASS: docs ($cited citations, ${#have[@]} rules, ${#pages[@]} pages, README.md $lines lines)"
exit $status
