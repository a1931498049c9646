#include "launcher/plugin_launch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>

#include "launcher/exec_allowlist.h"
#include "launcher/process_reaper.h"
#include "sandbox/resource_limits.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/setup_result.h"
#include "sandbox/tool_runner.h"

namespace ps::launcher {
namespace {

using Clock = std::chrono::steady_clock;

// After the plugin is gone, how long its output may still take to drain.
constexpr std::chrono::milliseconds kDrainGrace{2000};

struct Pipe {
  int read = -1, write = -1;
};

std::optional<Pipe> makePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  return Pipe{fds[0], fds[1]};
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void becomePlugin(const LaunchSpec& spec,
                               const sandbox::ToolRunner::PreparedExec& exec,
                               const sandbox::SeccompProgram& seccomp,
                               const ExecAllowlist& execAllowlist, Pipe out, Pipe err,
                               int errorFd) {
  setpgid(0, 0);  // one group to kill, apart from the launcher
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(out.write, 1) < 0 || dup2(err.write, 2) < 0) _exit(126);
  int devNull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devNull >= 0) dup2(devNull, 0);
  if (chdir(spec.root.c_str()) != 0) {
    const char msg[] = "launcher: cannot enter the sandbox root\n";
    (void)!write(errorFd, msg, sizeof msg - 1);
    _exit(126);
  }
  // No cgroup of our own in a container (the engine's --pids-limit is the cgroup), so also
  // RLIMIT_NPROC: it binds because the image runs as uid 65532, never as root.
  if (sandbox::applyResourceLimits(spec.limits, sandbox::ProcessLimit::kNprocInOwnUserNamespace) !=
      0) {
    const char msg[] = "launcher: cannot apply the resource limits\n";
    (void)!write(errorFd, msg, sizeof msg - 1);
    _exit(126);
  }
  if (execAllowlist.restrictSelf() != 0) {
    const char msg[] = "launcher: cannot restrict execution to the interpreter (Landlock)\n";
    (void)!write(errorFd, msg, sizeof msg - 1);
    _exit(126);
  }
  if (seccomp.install() != 0) {
    const char msg[] = "launcher: cannot install the seccomp filter\n";
    (void)!write(errorFd, msg, sizeof msg - 1);
    _exit(126);
  }
  exec.exec(errorFd);
}

int pidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

// What the child wrote on the error pipe before exec failed (empty when exec succeeded).
std::string readSetupError(int errorFd) {
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = read(errorFd, buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

int exitCodeOf(int status, const struct rusage& usage, const sandbox::SandboxLimits& limits) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (!WIFSIGNALED(status)) return 126;
  // The CPU-time limit is a time limit too (as in the local sandbox): 124, not 128+N. The soft
  // limit sends SIGXCPU; a plugin that ignores it gets the hard limit's SIGKILL, told apart from
  // the OOM killer's by the CPU time it used.
  auto cpuMillis = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                   (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  bool cpuLimit = WTERMSIG(status) == SIGXCPU ||
                  (WTERMSIG(status) == SIGKILL && cpuMillis >= limits.cpuTime.count() * 1000);
  return cpuLimit ? 124 : 128 + WTERMSIG(status);
}

}  // namespace

LaunchOutcome launchPlugin(const LaunchSpec& spec, sandbox::OutputSinks sinks) {
  LaunchOutcome outcome;
  auto runner = spec.interpreter.empty() ? sandbox::ToolRunner::fromEnvironment()
                                         : sandbox::ToolRunner::create(spec.interpreter);
  if (!runner) {
    outcome.setupError = runner.error().message;
    return outcome;
  }
  if (!std::filesystem::is_regular_file(spec.root / "plugin.py")) {
    outcome.setupError = "launcher: no plugin.py in " + spec.root.string();
    return outcome;
  }
  auto seccomp = sandbox::SeccompProgram::build();
  if (!seccomp) {
    outcome.setupError = seccomp.error().message;
    return outcome;
  }
  // Only the interpreter may be executed: /tmp (an emptyDir in a Pod) cannot be mounted noexec.
  const auto execAllowlist = ExecAllowlist::forInterpreter(runner->interpreter());
  sandbox::ToolRunner::PreparedExec exec;
  runner->prepare(spec.args, exec);
  auto out = makePipe(), err = makePipe(), errors = makePipe();
  if (!out || !err || !errors) {
    outcome.setupError = sandbox::describeErrno("launcher: pipe", errno);
    return outcome;
  }
  becomeSubreaper();
  auto deadline = Clock::now() + spec.limits.wallTime;
  pid_t child = fork();
  if (child < 0) {
    outcome.setupError = sandbox::describeErrno("launcher: fork", errno);
    for (int fd : {out->read, out->write, err->read, err->write, errors->read, errors->write}) {
      close(fd);
    }
    return outcome;
  }
  if (child == 0)
    becomePlugin(spec, exec, seccomp.value(), execAllowlist, *out, *err, errors->write);
  close(out->write);
  close(err->write);
  close(errors->write);

  int exited = pidfdOpen(child);
  sandbox::OutputPump pump(out->read, err->read, sinks, spec.limits.outputBytes);
  // Pumps until the plugin exits (its pidfd becomes readable) or its output ends, or the deadline.
  auto stop = pump.pumpUntil(deadline, exited);
  while (stop == sandbox::OutputPump::Stop::kEndOfOutput && exited >= 0) {
    // Output closed early (the plugin closed stdout); keep waiting for the exit itself.
    pollfd wait{exited, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      stop = sandbox::OutputPump::Stop::kDeadline;
      break;
    }
    if (poll(&wait, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000))) > 0) break;
  }
  outcome.timedOut = stop == sandbox::OutputPump::Stop::kDeadline;
  if (outcome.timedOut) kill(-child, SIGKILL);
  int status = 0;
  struct rusage usage {};
  while (wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  killAndReapAll(child);  // leftovers of the plugin: nothing outlives the run
  pump.pumpUntil(Clock::now() + kDrainGrace);
  if (exited >= 0) close(exited);

  outcome.output = pump.result();
  outcome.setupError = readSetupError(errors->read);
  close(errors->read);
  if (outcome.timedOut) {
    outcome.exitCode = 124;
  } else if (!outcome.setupError.empty()) {
    outcome.exitCode = 126;
  } else {
    outcome.exitCode = exitCodeOf(status, usage, spec.limits);
  }
  return outcome;
}

}  // namespace ps::launcher
