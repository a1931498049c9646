#pragma once

#include <linux/filter.h>

#include <vector>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// The compiled seccomp program every plugin process gets: default allow, with a deny list of the
// calls a plugin has no business making (namespaces, mounts, ptrace, keyrings, bpf, perf, modules,
// kexec/reboot, io_uring, userfaultfd, TIOCSTI, personality changes, ...), answered with EPERM
// (clone3 with ENOSYS so that the C library falls back to clone, whose flags we can inspect).
// Compiled once with libseccomp, installed after fork with one prctl (no allocation).
class SeccompProgram {
 public:
  static SetupResult<SeccompProgram> build();

  // Installs the filter on the calling thread. Needs no_new_privs (or CAP_SYS_ADMIN).
  // Async-signal-safe: returns 0 or errno.
  int install() const;

  std::size_t instructionCount() const { return instructions_.size(); }

 private:
  std::vector<sock_filter> instructions_;
};

}  // namespace ps::sandbox
