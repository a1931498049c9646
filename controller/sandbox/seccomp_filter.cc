#include "sandbox/seccomp_filter.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "sandbox/syscall_allowlist.h"

namespace ps::sandbox {
namespace {

constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

// Families a plugin may create; NETLINK_ROUTE is the only netlink protocol (the C library's
// interface and address queries), so host kobject uevents and the rest of netlink stay out.
constexpr uint64_t kAllowedFamilies[] = {AF_UNIX, AF_INET, AF_INET6};
constexpr uint64_t kLargestAllowedFamily = AF_NETLINK;

struct ContextDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

int addNamedRules(scmp_filter_ctx ctx, std::span<const char* const> names, uint32_t action) {
  for (const char* name : names) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture: ENOSYS by default
    if (int rc = seccomp_rule_add(ctx, action, nr, 0)) return rc;
  }
  return 0;
}

// clone without namespace flags is a fork or a thread; with any of them it is refused. clone3
// is not listed: its ENOSYS makes the C library fall back to clone, whose flags the filter sees.
int addCloneRules(scmp_filter_ctx ctx) {
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, kNamespaceFlags, 0))) {
    return rc;
  }
  // Any namespace flag set: the complement of the rule above, answered EPERM.
  for (uint64_t bit = 1; bit != 0; bit <<= 1) {
    if ((kNamespaceFlags & bit) == 0) continue;
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit))) {
      return rc;
    }
  }
  return 0;
}

// socket() by family: the allowed ones pass, every other value (including high garbage bits,
// which the kernel would drop) gets EPERM. libseccomp has no "not in set", so the complement is
// spelled out: each smaller value, and everything above AF_NETLINK.
int addSocketRules(scmp_filter_ctx ctx) {
  for (uint64_t family : kAllowedFamilies) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, family))) {
      return rc;
    }
  }
  if (int rc =
          seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
                           SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE))) {
    return rc;
  }
  if (int rc =
          seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2,
                           SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE))) {
    return rc;
  }
  for (uint64_t family = 0; family < kLargestAllowedFamily; ++family) {
    if (std::find(std::begin(kAllowedFamilies), std::end(kAllowedFamilies), family) !=
        std::end(kAllowedFamilies)) {
      continue;
    }
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, family))) {
      return rc;
    }
  }
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
                                SCMP_A0(SCMP_CMP_GT, kLargestAllowedFamily))) {
    return rc;
  }
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
                                SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) {
    return rc;
  }
  return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socketpair), 1,
                          SCMP_A0(SCMP_CMP_NE, AF_UNIX));
}

int addIoctlRules(scmp_filter_ctx ctx) {
  for (uint64_t request : allowedIoctls()) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_EQ, request))) {
      return rc;
    }
  }
  // TIOCSTI pushes input into a terminal (CVE-2017-5226); TIOCLINUX can do the same on a console.
  for (uint64_t request : deniedIoctls()) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, request))) {
      return rc;
    }
  }
  return 0;
}

int addRules(scmp_filter_ctx ctx) {
  if (int rc = addNamedRules(ctx, allowedSyscalls(), SCMP_ACT_ALLOW)) return rc;
  if (int rc = addNamedRules(ctx, deniedSyscalls(), SCMP_ACT_ERRNO(EPERM))) return rc;
  if (int rc = addCloneRules(ctx)) return rc;
  if (int rc = addSocketRules(ctx)) return rc;
  if (int rc = addIoctlRules(ctx)) return rc;
  // personality(0xffffffff) only queries; any change (e.g. ADDR_NO_RANDOMIZE) is refused.
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
                                SCMP_A0(SCMP_CMP_EQ, 0xffffffffu))) {
    return rc;
  }
  return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                          SCMP_A0(SCMP_CMP_NE, 0xffffffffu));
}

}  // namespace

SetupResult<SeccompProgram> SeccompProgram::build() {
  // Unknown numbers (newer kernels' calls) fail closed with ENOSYS, as a kernel without them would.
  Context ctx(seccomp_init(SCMP_ACT_ERRNO(ENOSYS)));
  if (!ctx) return SetupError{"seccomp: cannot create a filter context"};
  // i386 (int 0x80) and x32 numbers would bypass an x86_64 list: kill the whole process.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (int rc = addRules(ctx.get())) return SetupError{describeErrno("seccomp: adding a rule", -rc)};
  // No instruction to enable no_new_privs: the sandbox sets it itself, explicitly.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  int fd = memfd_create("ps-seccomp", MFD_CLOEXEC);
  if (fd < 0) return SetupError{describeErrno("seccomp: memfd_create", errno)};
  int rc = seccomp_export_bpf(ctx.get(), fd);
  off_t size = lseek(fd, 0, SEEK_END);
  SeccompProgram program;
  if (rc == 0 && size > 0 && size % static_cast<off_t>(sizeof(sock_filter)) == 0) {
    program.instructions_.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    ssize_t got = pread(fd, program.instructions_.data(), static_cast<std::size_t>(size), 0);
    if (got != size) rc = -EIO;
  } else if (rc == 0) {
    rc = -EIO;
  }
  close(fd);
  if (rc != 0) return SetupError{describeErrno("seccomp: exporting the filter", -rc)};
  return program;
}

int SeccompProgram::install() const {
  sock_fprog prog{static_cast<unsigned short>(instructions_.size()),
                  const_cast<sock_filter*>(instructions_.data())};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : errno;
}

}  // namespace ps::sandbox
