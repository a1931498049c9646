#include "sandbox/seccomp_filter.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

namespace ps::sandbox {
namespace {

// Denied outright: each of these either escapes or weakens the sandbox, or reaches kernel
// surface a plugin never needs.
constexpr const char* kDenied[] = {
    "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "ptrace",
    "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp", "pidfd_getfd", "bpf",
    "perf_event_open", "keyctl", "add_key", "request_key", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "syslog",
    "acct", "quotactl", "quotactl_fd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "userfaultfd", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "uselib", "vhangup",
    "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
    "setdomainname", "fanotify_init", "nfsservctl", "set_mempolicy_home_node",
    "landlock_create_ruleset",
    // Programs come only from the read-only root (/tmp is noexec): no anonymous files to run.
    "memfd_create", "memfd_secret", "execveat"};

constexpr uint64_t kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
                                        CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME};

struct ContextDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

int addRules(scmp_filter_ctx ctx) {
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) return rc;
  }
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) return rc;
  for (uint64_t flag : kNamespaceFlags) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag))) {
      return rc;
    }
  }
  // TIOCSTI pushes input into a terminal (CVE-2017-5226); TIOCLINUX can do the same on a console.
  for (uint64_t request : {uint64_t{TIOCSTI}, uint64_t{TIOCLINUX}}) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, request))) {
      return rc;
    }
  }
  // personality(0xffffffff) only queries; any change (e.g. ADDR_NO_RANDOMIZE) is refused.
  return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                          SCMP_A0(SCMP_CMP_NE, 0xffffffffu));
}

}  // namespace

SetupResult<SeccompProgram> SeccompProgram::build() {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return SetupError{"seccomp: cannot create a filter context"};
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
