#include "launcher/plugin_launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "core/exit_codes.h"
#include "launcher/exec_allowlist.h"
#include "launcher/process_reaper.h"
#include "sandbox/process_supervisor.h"
#include "sandbox/resource_limits.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/setup_result.h"
#include "sandbox/tool_runner.h"

namespace ps::launcher {
namespace {

using sandbox::OutputPump;
using std::chrono::steady_clock;

// After the plugin is gone, how long its output may still take to drain.
constexpr std::chrono::milliseconds kDrainGrace{2000};

// What is prepared before fork, so that the child only makes system calls.
struct LaunchTools {
  sandbox::ToolRunner runner;
  sandbox::SeccompProgram seccomp;
  ExecAllowlist execAllowlist;
};

struct LaunchPipes {
  sandbox::Pipe out, err, error;  // the plugin's stdout and stderr; why it did not start
};

sandbox::SetupResult<LaunchTools> prepareTools(const LaunchSpec& spec) {
  auto runner = spec.interpreter.empty() ? sandbox::ToolRunner::fromEnvironment()
                                         : sandbox::ToolRunner::create(spec.interpreter);
  if (!runner) return runner.error();
  if (!std::filesystem::is_regular_file(spec.root / "plugin.py")) {
    return sandbox::SetupError{"launcher: no plugin.py in " + spec.root.string()};
  }
  auto seccomp = sandbox::SeccompProgram::build();
  if (!seccomp) return seccomp.error();
  // Only the interpreter may be executed: /tmp (an emptyDir in a Pod) cannot be mounted noexec.
  auto execAllowlist = ExecAllowlist::forInterpreter(runner->interpreter());
  return LaunchTools{std::move(runner).value(), std::move(seccomp).value(),
                     std::move(execAllowlist)};
}

sandbox::SetupResult<LaunchPipes> makeLaunchPipes() {
  LaunchPipes pipes;
  if (auto made = sandbox::makePipes({&pipes.out, &pipes.err, &pipes.error}); !made) {
    return sandbox::SetupError{"launcher: " + made.error().message};
  }
  return pipes;
}

// In the forked child: says why on the error pipe and gives up.
template <std::size_t N>
[[noreturn]] void failSetup(int errorFd, const char (&line)[N]) {
  (void)!write(errorFd, line, N - 1);
  _exit(kExitSetupFailed);
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void becomePlugin(const LaunchSpec& spec,
                               const sandbox::ToolRunner::PreparedExec& exec,
                               const LaunchTools& tools, const LaunchPipes& pipes) {
  const int errorFd = pipes.error.write.get();
  setpgid(0, 0);  // one group to kill, apart from the launcher
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(pipes.out.write.get(), 1) < 0 || dup2(pipes.err.write.get(), 2) < 0) {
    _exit(kExitSetupFailed);
  }
  int devNull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devNull >= 0) dup2(devNull, 0);
  if (chdir(spec.root.c_str()) != 0) {
    failSetup(errorFd, "launcher: cannot enter the sandbox root\n");
  }
  // No cgroup of our own in a container (the engine's --pids-limit is the cgroup), so also
  // RLIMIT_NPROC: it binds because the image runs as uid 65532, never as root.
  if (sandbox::applyResourceLimits(spec.limits, sandbox::ProcessLimit::kNprocInOwnUserNamespace) !=
      0) {
    failSetup(errorFd, "launcher: cannot apply the resource limits\n");
  }
  if (tools.execAllowlist.restrictSelf() != 0) {
    failSetup(errorFd, "launcher: cannot restrict execution to the interpreter (Landlock)\n");
  }
  if (tools.seccomp.install() != 0) {
    failSetup(errorFd, "launcher: cannot install the seccomp filter\n");
  }
  exec.exec(errorFd);
}

// Forwards the output until the plugin exits (its pidfd becomes readable) or the deadline. A
// plugin that closed its output early is still waited for.
OutputPump::Stop awaitPluginExit(OutputPump& pump, int exitedFd,
                                 steady_clock::time_point deadline) {
  auto stop = pump.pumpUntil(deadline, exitedFd);
  if (stop == OutputPump::Stop::kWakeUp) return OutputPump::Stop::kEndOfOutput;  // it exited
  if (stop == OutputPump::Stop::kEndOfOutput) return sandbox::waitForExit(exitedFd, deadline);
  return stop;
}

// From fork to the result. At the deadline the plugin's group is killed; when it has exited,
// whatever it left behind is killed too: nothing outlives the run.
sandbox::RunResult supervisePlugin(pid_t child, LaunchPipes& pipes, const LaunchSpec& spec,
                                   sandbox::OutputSinks sinks, steady_clock::time_point deadline) {
  sandbox::UniqueFd exited = sandbox::openPidFd(child);
  OutputPump pump(pipes.out.read.release(), pipes.err.read.release(), sinks,
                  spec.limits.outputBytes);
  auto stop = awaitPluginExit(pump, exited.get(), deadline);
  if (stop == OutputPump::Stop::kDeadline) kill(-child, SIGKILL);
  sandbox::ChildExit plugin = sandbox::reap(child);
  killAndReapAll(child);
  pump.pumpUntil(steady_clock::now() + kDrainGrace);
  return sandbox::endedRun(stop, pump.result(), sandbox::readSetupError(pipes.error.read.get()),
                           plugin, spec.limits);
}

}  // namespace

sandbox::RunResult launchPlugin(const LaunchSpec& spec, sandbox::OutputSinks sinks) {
  auto tools = prepareTools(spec);
  if (!tools) return sandbox::RunResult::setupFailed(tools.error().message);
  sandbox::ToolRunner::PreparedExec exec;
  tools->runner.prepare(spec.args, exec);
  auto pipes = makeLaunchPipes();
  if (!pipes) return sandbox::RunResult::setupFailed(pipes.error().message);
  becomeSubreaper();
  const auto deadline = steady_clock::now() + spec.limits.wallTime;
  pid_t child = fork();
  if (child < 0) {
    return sandbox::RunResult::setupFailed(sandbox::describeErrno("launcher: fork", errno));
  }
  if (child == 0) becomePlugin(spec, exec, *tools, *pipes);
  for (sandbox::Pipe* pipe : {&pipes->out, &pipes->err, &pipes->error}) pipe->write.reset();
  return supervisePlugin(child, *pipes, spec, sinks, deadline);
}

}  // namespace ps::launcher
