#pragma once

#include <linux/filter.h>

#include <span>
#include <vector>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// The compiled seccomp program every plugin process gets: a default-deny allowlist of what
// CPython and its standard library need on x86_64 (syscall_allowlist.h, derivation in
// syscall_allowlist.md). Known-dangerous calls get EPERM, every other number ENOSYS (so calls of
// newer kernels fail closed); i386 and x32 calls kill the process. socket() is limited to
// AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK/NETLINK_ROUTE, socketpair() to AF_UNIX, whether or
// not `network` is granted: the grant chooses the network namespace, not the families.
// Compiled once with libseccomp, installed after fork with one prctl (no allocation).
class SeccompProgram {
 public:
  static SetupResult<SeccompProgram> build();

  // The same program, compiled by build() when this binary was built (seccomp_compile.cc writes
  // it into the source): libseccomp's rule-by-rule compilation cost ~1.5 ms of every
  // `pluginctl run`. A unit test holds it equal to build() on the machine that runs the tests.
  static SeccompProgram precompiled();

  std::span<const sock_filter> instructions() const { return instructions_; }

  // Installs the filter on the calling thread. Needs no_new_privs (or CAP_SYS_ADMIN).
  // Async-signal-safe: returns 0 or errno.
  int install() const;

 private:
  std::vector<sock_filter> instructions_;
};

}  // namespace ps::sandbox
