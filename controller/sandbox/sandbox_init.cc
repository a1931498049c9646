#include "sandbox/sandbox_init.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/exit_codes.h"

namespace ps::sandbox {
namespace {

constexpr int kErrorFd = 3;  // where the plugin child keeps the error pipe until execve

void writeText(int fd, const char* text) {
  (void)!write(fd, text, strlen(text));
}

[[noreturn]] void fail(int errorFd, const char* step, int err) {
  writeText(errorFd, "sandbox setup failed: ");
  writeText(errorFd, step);
  writeText(errorFd, ": ");
  writeText(errorFd, strerror(err));
  writeText(errorFd, "\n");
  _exit(kExitSetupFailed);
}

// Closes every descriptor except `keep` (sorted ascending), in as few calls as possible.
void closeAllExcept(int* keep, int count) {
  std::sort(keep, keep + count);
  unsigned next = 0;
  for (int i = 0; i < count; ++i) {
    if (keep[i] < 0) continue;
    auto fd = static_cast<unsigned>(keep[i]);
    if (fd > next) syscall(SYS_close_range, next, fd - 1, 0);
    next = fd + 1;
  }
  syscall(SYS_close_range, next, ~0u, 0);
}

int dropCapabilities(bool switchIds) {
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return errno;
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (switchIds) {
    if (setgroups(0, nullptr) != 0) return errno;
    if (setresgid(kSandboxId, kSandboxId, kSandboxId) != 0) return errno;
    if (setresuid(kSandboxId, kSandboxId, kSandboxId) != 0) return errno;  // clears all caps
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) return errno;
  return 0;
}

[[noreturn]] void startPlugin(const InitPlan& plan) {
  int devNull = open("/dev/null", O_RDONLY);  // lands on 0: init closed 0-2
  if (devNull < 0) fail(plan.errorWrite, "open /dev/null", errno);
  // dup2 targets are in order 0..3, and every source is above 3 or already in place.
  if (dup2(devNull, 0) < 0 || dup2(plan.stdoutWrite, 1) < 0 || dup2(plan.stderrWrite, 2) < 0 ||
      dup3(plan.errorWrite, kErrorFd, O_CLOEXEC) < 0) {
    fail(plan.errorWrite, "redirecting stdio", errno);
  }
  syscall(SYS_close_range, kErrorFd + 1, ~0u, 0);
  // A new session: the plugin has no controlling terminal to push input into (TIOCSTI).
  if (setsid() < 0) fail(kErrorFd, "setsid", errno);
  if (chdir(kSandboxDirInside) != 0) fail(kErrorFd, "chdir /sandbox", errno);
  if (int err = dropCapabilities(plan.switchToSandboxId))
    fail(kErrorFd, "dropping privileges", err);
  if (int err = applyResourceLimits(plan.limits, plan.processLimit)) fail(kErrorFd, "rlimits", err);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(kErrorFd, "no_new_privs", errno);
  if (int err = plan.seccomp->install()) fail(kErrorFd, "seccomp", err);
  plan.exec->exec(kErrorFd);
}

// Blanks the supervisor's argv and environment in our copy of its memory, and our name: the
// plugin reads /proc/1/cmdline and /proc/1/comm (both readable although init is not dumpable).
void forgetSupervisorText(const ProcessTextAreas& areas) {
  constexpr char kName[] = "sandbox-init";
  if (areas.argEnd > areas.argStart) {
    auto* args = reinterpret_cast<char*>(areas.argStart);
    const auto size = areas.argEnd - areas.argStart;
    memset(args, 0, size);
    if (size > sizeof kName) memcpy(args, kName, sizeof kName);
  }
  if (areas.envEnd > areas.envStart) {
    memset(reinterpret_cast<char*>(areas.envStart), 0, areas.envEnd - areas.envStart);
  }
  prctl(PR_SET_NAME, kName, 0, 0, 0);
}

[[noreturn]] void reapUntilPluginExits(const InitPlan& plan, pid_t plugin) {
  for (;;) {
    int status = 0;
    rusage usage{};
    pid_t pid = wait4(-1, &status, __WALL, &usage);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) _exit(kExitSetupFailed);  // cannot happen while the plugin lives
    if (pid == plugin) {
      PluginExit exit{status, (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000};
      (void)!write(plan.statusWrite, &exit, sizeof exit);
      _exit(0);  // init's exit kills every other process of the namespace
    }
  }
}

}  // namespace

ProcessTextAreas ProcessTextAreas::ofThisProcess() {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto afterName = stat.rfind(')');  // the name may hold spaces and parentheses
  if (afterName == std::string::npos) return {};
  std::istringstream fields(stat.substr(afterName + 1));
  std::vector<std::string> values;  // values[0] is field 3 (state)
  for (std::string field; fields >> field;) values.push_back(field);
  if (values.size() < 49) return {};  // fields 48-51: arg_start, arg_end, env_start, env_end
  auto at = [&](int field) { return static_cast<uintptr_t>(std::stoull(values[field - 3])); };
  return {at(48), at(49), at(50), at(51)};
}

void runSandboxInit(const InitPlan& plan) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  forgetSupervisorText(plan.textAreas);
  int keep[] = {plan.syncRead, plan.errorWrite, plan.statusWrite, plan.stdoutWrite,
                plan.stderrWrite};
  closeAllExcept(keep, 5);
  char go = 0;
  if (read(plan.syncRead, &go, 1) != 1) _exit(kExitSetupFailed);  // the supervisor gave up or died
  close(plan.syncRead);
  // Only now: a non-dumpable process's /proc files belong to root, and an unprivileged
  // supervisor must write our uid_map first. The plugin cannot reach init's descriptors.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Joined our cgroups by now: make them the root of what the plugin can see.
  if (unshare(CLONE_NEWCGROUP) != 0) fail(plan.errorWrite, "cgroup namespace", errno);
  const char* step = "";
  if (int err = assembleRoot(*plan.mounts, &step)) fail(plan.errorWrite, step, err);
  if (sethostname("sandbox", 7) != 0) fail(plan.errorWrite, "sethostname", errno);
  pid_t plugin = fork();
  if (plugin < 0) fail(plan.errorWrite, "fork", errno);
  if (plugin == 0) startPlugin(plan);
  close(plan.errorWrite);
  close(plan.stdoutWrite);
  close(plan.stderrWrite);
  reapUntilPluginExits(plan, plugin);
}

}  // namespace ps::sandbox
