#!/usr/bin/env bash
# clang's -Wthread-safety over every controller .cc that includes core/annotated_mutex.h (directly or
# through a header), as errors. First it proves the check can fail: clang must reject
# counter_write.cc built with -DPS_WRITE_WITHOUT_LOCK with a thread-safety error, and accept it as is.
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=${JOBS:-2}
flags=(-fsyntax-only -std=c++20 -Wthread-safety -Werror=thread-safety -Icontroller
  -DVALIJSON_USE_EXCEPTIONS=1 -DCPPREST_FORCE_HTTP_CLIENT_ASIO -DCPPREST_FORCE_HTTP_LISTENER_ASIO)

here=tests/thread_safety
probe=$here/counter_write.cc
if out=$(clang++ "${flags[@]}" -DPS_WRITE_WITHOUT_LOCK "$probe" 2>&1); then
  echo "thread-safety: clang accepted $probe without its lock; the check is not working" >&2
  exit 1
fi
if ! grep -q 'requires holding mutex.*\[-Werror,-Wthread-safety-analysis\]' <<<"$out"; then
  echo "thread-safety: $probe without its lock failed, but not with the thread-safety error:" >&2
  echo "$out" >&2
  exit 1
fi
clang++ "${flags[@]}" "$probe"

# Headers that include annotated_mutex.h, to a fixed point; includes are "dir/file.h" under controller/.
declare -A seen=([core/annotated_mutex.h]=1)
frontier=(core/annotated_mutex.h)
while ((${#frontier[@]})); do
  patterns=$(printf '#include "%s"\n' "${frontier[@]}")
  frontier=()
  while IFS= read -r h; do
    h=${h#controller/}
    [[ -n ${seen[$h]:-} ]] && continue
    seen[$h]=1
    frontier+=("$h")
  done < <(grep -rlF --include='*.h' -e "$patterns" controller || true)
done
patterns=$(printf '#include "%s"\n' "${!seen[@]}")
mapfile -t sources < <(grep -rlF --include='*.cc' -e "$patterns" controller | sort)
if ((${#sources[@]} == 0)); then
  echo "thread-safety: no controller source includes core/annotated_mutex.h" >&2
  exit 1
fi
echo "thread-safety: clang -Wthread-safety over ${#sources[@]} sources"
printf '%s\0' "${sources[@]}" | xargs -0 -P "$jobs" -n 1 clang++ "${flags[@]}"
