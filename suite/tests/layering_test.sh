#!/usr/bin/env bash
# The layering of the design card, checked on the sources:
# - oracles/ includes no system header (it must not be able to ask the kernel);
# - generators/ includes only oracles/ and RapidCheck besides the standard library;
# - suite/ reaches the kernel only through runners/;
# - raw_syscalls.cc is the only file that includes <sys/syscall.h> (besides
#   suite/lib/repro_prelude.c, the text of the standalone C reproducers, and
#   runners/vm/vm_init.c, the guest's /init, a program of its own that loads
#   the RAM disk module with finit_module(2), which glibc does not wrap).
set -uo pipefail
root=$1
status=0
fail() { echo "FAIL: $*"; status=1; }

while read -r line; do
  fail "oracles/ includes a system header: $line"
done < <(grep -rnE --include='*.h' --include='*.cc' '#include <(sys/|unistd|fcntl|signal|sched|poll|linux/|asm/|seccomp)' "$root"/oracles)

while read -r line; do
  fail "generators/ includes outside oracles/ and RapidCheck: $line"
done < <(grep -rnE --include='*.h' --include='*.cc' '#include "' "$root"/generators | grep -vE '#include "(oracles|generators)/')
while read -r line; do
  fail "generators/ includes a system header: $line"
done < <(grep -rnE --include='*.h' --include='*.cc' '#include <(sys/|unistd|fcntl|signal|linux/)' "$root"/generators)

while read -r line; do
  fail "suite/ reaches the kernel itself instead of through runners/: $line"
done < <(grep -rnE --include='*.h' --include='*.cc' '#include <(sys/|unistd|fcntl|signal|sched|poll|linux/|seccomp)' "$root"/suite)

while read -r line; do
  fail "only runners/raw_syscalls.cc may include <sys/syscall.h>: $line"
done < <(grep -rnE '#include <sys/syscall.h>' "$root"/oracles "$root"/generators "$root"/runners "$root"/suite | grep -v -e 'runners/raw_syscalls.cc:' -e 'suite/lib/repro_prelude.c:' -e 'runners/vm/vm_init.c:')

[ $status -eq 0 ] && echo "PASS: layering"
exit $status
