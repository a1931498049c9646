#!/usr/bin/env bash
# Prints the system calls CPython and its standard library make on this machine, one name a line
# with the workloads that made it: the evidence behind syscall_allowlist.cc (how it was used:
# syscall_allowlist.md). Each workload runs under `strace -f -c` with the sandbox's environment
# (python -I, cleared environment, TMPDIR=/tmp):
#   workload  syscall_survey_workload.py (files, sqlite3, hashlib/ssl, ctypes, loopback sockets,
#             select, threads, asyncio, signals, a subprocess of the interpreter)
#   example   plugins/example, techdebt: plugins/techdebt over this checkout bound at /input
#   stdlib    the standard library's own tests of the modules plugins use (python -m test,
#             no optional resources such as network)
# Runs as root (it mounts). Usage: syscall_survey.sh [--quick] [PYTHON]   (--quick: skip the stdlib tests, ~5 min otherwise)
set -euo pipefail
quick=0
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
python=${1:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
for tool in strace unshare chroot; do
  command -v "$tool" >/dev/null || { echo "syscall_survey: $tool is not installed" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
traced() {  # NAME COMMAND...: the command under strace, its summary in $out/NAME.strace
  local name=$1
  shift
  inside "$name" strace -f -qq -c -o "$out/$name.strace" "$@"
}
inside() {  # NAME COMMAND...: the command in the sandbox's environment
  local name=$1
  shift
  (cd "$out" && env -i PATH=/usr/bin:/usr/sbin HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 \
    "$@" >"$out/$name.log" 2>&1) ||
    { echo "syscall_survey: workload $name failed:" >&2; tail -5 "$out/$name.log" >&2; exit 1; }
}
traced workload "$python" -I "$here/syscall_survey_workload.py"
traced example "$python" -I "$repo/plugins/example/plugin.py"
# techdebt reads /input: a private mount namespace gives it this checkout there (chroot into a
# tmpfs root holding /usr, /dev, /proc, /tmp and the checkout), strace running inside it.
inside techdebt unshare --mount --propagation private -- sh -euc '
  root=$1/root repo=$2 python=$3
  mkdir -p "$root" && mount -t tmpfs tmpfs "$root"
  mkdir -p "$root/usr" "$root/input" "$root/tmp" "$root/proc" "$root/dev" "$root/out"
  for link in lib lib64 bin; do ln -s "usr/$link" "$root/$link"; done
  mount --rbind /usr "$root/usr" && mount --rbind /dev "$root/dev"
  mount -t proc proc "$root/proc" && mount --bind "$repo" "$root/input"
  mount --bind "$1" "$root/out"
  cd "$root/tmp" && chroot "$root" strace -f -qq -c -o /out/techdebt.inner \
    "$python" -I /input/plugins/techdebt/plugin.py' survey "$out" "$repo" "$python"
mv "$out/techdebt.inner" "$out/techdebt.strace"  # unshare's and chroot's calls are not the plugin's
if [ "$quick" -eq 0 ]; then
  traced stdlib "$python" -I -m test -u none -j 0 test_json test_ctypes test_sqlite3 test_hashlib \
    test_ssl test_socket test_threading test_subprocess test_os test_tempfile test_shutil \
    test_select test_selectors test_signal test_mmap test_zlib test_zipfile test_datetime test_re \
    test_pathlib test_csv test_asyncio test_multiprocessing_forkserver test_time test_io
fi
# strace -c rows end in the call's name; the header, rulers and total row are not calls.
for summary in "$out"/*.strace; do
  name=$(basename "$summary" .strace)
  awk -v w="$name" 'NF >= 5 && $NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $NF != "syscall" \
    { print $NF, w }' "$summary"
done | sort | awk '{ seen[$1] = seen[$1] (seen[$1] ? "," : "") $2 } END { for (s in seen) print s, seen[s] }' |
  sort
