#!/bin/bash
# Runs in the Dockerfile's builder stage. Copies into STAGE exactly what the final image holds:
# the Python interpreter, its standard library, every shared library that they and the launcher
# link (resolved with ldd, so nothing is guessed), the dynamic loader, and the launcher.
set -euo pipefail
stage=$1
python=$(readlink -f /usr/bin/python3)            # /usr/bin/python3.11
version=$(basename "$python")                      # python3.11
stdlib=/usr/lib/$version

mkdir -p "$stage"
# Debian merges /usr: /lib, /lib64 (and /bin) are symlinks into /usr. Recreate them first, then copy
# every file under its real directory, so that cp --parents never turns such a link into a directory.
for link in /lib /lib64; do [ -L "$link" ] && cp -a "$link" "$stage$link"; done
copy() {
  local path=$1 real_dir
  real_dir=$(readlink -f "$(dirname "$path")")
  cp -a --parents "$real_dir/$(basename "$path")" "$stage/"
  # A soname link (libfoo.so.1 -> libfoo.so.1.2.3, or the loader's ../lib/... link): its target too.
  if [ -L "$path" ]; then cp -a --parents "$(readlink -f "$path")" "$stage/"; fi
}

copy "$python"
ln -s "$version" "$stage/usr/bin/python3"
# The standard library without what no plugin needs and what would only widen the attack surface:
# the test suite, IDLE, tkinter, pip's bootstrap, and the Debian-only config directory of distutils.
tar -C / --exclude="$stdlib/test" --exclude="$stdlib/idlelib" --exclude="$stdlib/tkinter" \
  --exclude="$stdlib/ensurepip" --exclude="$stdlib/lib2to3/tests" -cf - "${stdlib#/}" | tar -C "$stage" -xf -

install -D -m 0755 /context/plugin-launcher "$stage/usr/local/bin/plugin-launcher"

# Every ELF the image will run or load, and the libraries they need, transitively (ldd resolves them).
{
  echo "$python"
  echo /context/plugin-launcher
  find "$stdlib/lib-dynload" -name '*.so'
} | while read -r elf; do
  ldd "$elf" | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}'
done | sort -u | while read -r lib; do copy "$lib"; done
ldd "$python" >/dev/null # fails the build if the interpreter itself cannot be resolved
if ldd /context/plugin-launcher 2>&1 | grep -q 'not found'; then
  echo "launcher links a library missing from the base:" >&2
  ldd /context/plugin-launcher >&2
  exit 1
fi

# Mount points and the only writable place; owned by nobody in particular, read-only at run time.
mkdir -p "$stage/sandbox" "$stage/input" "$stage/tmp" "$stage/dev" "$stage/proc" "$stage/etc"
chmod 1777 "$stage/tmp"
# No /etc/passwd or /etc/group: the user is numeric (65532) and nothing in the image looks it up.
