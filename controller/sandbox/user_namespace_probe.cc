#include "sandbox/user_namespace_probe.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ps::sandbox {
namespace {

std::optional<std::string> sysctlValue(const std::filesystem::path& procSys, const char* name) {
  std::ifstream file(procSys / name);
  std::string value;
  if (!(file >> value)) return std::nullopt;
  return value;
}

std::string blockedLine(const std::string& why) {
  return "sandbox: unprivileged user namespaces are blocked on this host (" + why +
         "); remedies: " + kUserNamespaceRemedies;
}

// Makes a user and a mount namespace in a child and makes its mounts private, as the sandbox's
// init does first: what AppArmor's restriction refuses (EPERM or EACCES) although unshare worked.
// Exit 0: usable; 1: unshare refused; 2: the namespace holds no capability.
int tryUserNamespace(int& err) {
  int pipeFds[2];
  if (pipe2(pipeFds, O_CLOEXEC) != 0) return 0;  // cannot probe: let the run find out
  const pid_t child = fork();
  if (child < 0) {
    close(pipeFds[0]);
    close(pipeFds[1]);
    return 0;
  }
  if (child == 0) {
    int code = 0, childErr = 0;
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      code = 1;
      childErr = errno;
    } else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      code = 2;
      childErr = errno;
    }
    (void)!write(pipeFds[1], &childErr, sizeof childErr);
    _exit(code);
  }
  close(pipeFds[1]);
  err = 0;
  (void)!read(pipeFds[0], &err, sizeof err);
  close(pipeFds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

}  // namespace

const char* const kUserNamespaceRemedies =
    "run pluginctl as root (a pids cgroup then bounds the run), use --sandbox container, or allow "
    "user namespaces for pluginctl (the AppArmor profile in contrib/apparmor/pluginctl, or sysctl "
    "user.max_user_namespaces / kernel.unprivileged_userns_clone)";

std::optional<std::string> userNamespacesBlocked(const std::filesystem::path& procSys) {
  if (sysctlValue(procSys, "user/max_user_namespaces") == "0") {
    return blockedLine("user.max_user_namespaces = 0");
  }
  if (sysctlValue(procSys, "kernel/unprivileged_userns_clone") == "0") {
    return blockedLine("kernel.unprivileged_userns_clone = 0");
  }
  // Only this restriction needs a real attempt (it depends on the AppArmor profile pluginctl
  // runs under); the others are read from their sysctls, and a seccomp filter shows at clone.
  if (sysctlValue(procSys, "kernel/apparmor_restrict_unprivileged_userns") != "1") {
    return std::nullopt;
  }
  int err = 0;
  switch (tryUserNamespace(err)) {
    case 1:
      return blockedLine("kernel.apparmor_restrict_unprivileged_userns = 1; unshare: " +
                         std::string(strerror(err)));
    case 2:
      return blockedLine(
          "kernel.apparmor_restrict_unprivileged_userns = 1: the namespace has no capabilities; "
          "mount: " +
          std::string(strerror(err)));
    default:
      return std::nullopt;
  }
}

std::optional<std::string> describeBlockedUserNamespace(int err) {
  // EPERM: a seccomp filter or a policy module; ENOSPC: the user namespace count limit; EUSERS:
  // the nesting limit; EINVAL: a kernel built without user namespaces.
  if (err != EPERM && err != ENOSPC && err != EUSERS && err != EINVAL) return std::nullopt;
  return blockedLine("clone(CLONE_NEWUSER): " + std::string(strerror(err)));
}

}  // namespace ps::sandbox
