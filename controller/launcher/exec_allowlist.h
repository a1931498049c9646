#pragma once

#include <filesystem>
#include <string>

#include "sandbox/setup_result.h"
#include "sandbox/unique_fd.h"

namespace ps::launcher {

// In a Pod, /tmp is an emptyDir that Kubernetes cannot mount noexec. A Landlock ruleset that
// handles only LANDLOCK_ACCESS_FS_EXECUTE and allows it on exactly the interpreter and its
// program interpreter (ld.so) makes execve of anything else fail with EACCES: a file written
// to /tmp, an O_TMPFILE through /proc/self/fd, a #! script.
// Its limit: Landlock checks execve, not mmap(PROT_EXEC), so `ld.so /tmp/x` and ctypes loading a
// .so from /tmp still map native code; only a noexec mount (the local and container levels)
// refuses those.
class ExecAllowlist {
 public:
  // Prepared in the launcher before fork. A kernel without Landlock (or a seccomp profile that
  // refuses it) gives an allowlist that is not enforced; `unavailable()` says why.
  static ExecAllowlist forInterpreter(const std::filesystem::path& interpreter);

  // In the forked child, after PR_SET_NO_NEW_PRIVS: 0, or the errno. Async-signal-safe.
  int restrictSelf() const;

  bool enforced() const { return static_cast<bool>(ruleset_); }
  const std::string& unavailable() const { return unavailable_; }

 private:
  sandbox::UniqueFd ruleset_;
  std::string unavailable_;
};

}  // namespace ps::launcher
