#include "sandbox/local_sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "sandbox/cgroup_limits.h"
#include "sandbox/input_tree.h"
#include "sandbox/mount_plan.h"
#include "sandbox/unique_fd.h"

namespace ps::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// Descriptors handed to the child sit at 10 and above, so that its dup2 onto 0-3 never clobbers
// one it still needs.
constexpr int kLowestChildFd = 10;

struct Pipe {
  UniqueFd read, write;
};

SetupResult<Pipe> makePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return SetupError{describeErrno("pipe", errno)};
  Pipe pipe;
  for (int i = 0; i < 2; ++i) {
    int high = fcntl(fds[i], F_DUPFD_CLOEXEC, kLowestChildFd);
    close(fds[i]);
    (i == 0 ? pipe.read : pipe.write).reset(high);
  }
  if (!pipe.read || !pipe.write) return SetupError{describeErrno("fcntl", errno)};
  return pipe;
}

std::optional<SetupError> writeProcFile(pid_t pid, const char* name, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return SetupError{describeErrno("user namespace: writing " + path, errno)};
  }
  return std::nullopt;
}

// Our uid/gid appear as 65534 inside; nothing else is mapped.
std::optional<SetupError> mapIds(pid_t pid) {
  std::string id = std::to_string(kSandboxId);
  if (auto err = writeProcFile(pid, "setgroups", "deny")) return err;
  if (auto err = writeProcFile(pid, "uid_map", id + " " + std::to_string(geteuid()) + " 1")) {
    return err;
  }
  return writeProcFile(pid, "gid_map", id + " " + std::to_string(getegid()) + " 1");
}

std::string readAll(int fd) {
  std::string text;
  char buffer[1024];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0 && text.size() < 16384) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

struct Pipes {
  Pipe out, err, error, status, sync;
};

SetupResult<Pipes> makePipes() {
  Pipes pipes;
  for (Pipe* pipe : {&pipes.out, &pipes.err, &pipes.error, &pipes.status, &pipes.sync}) {
    auto made = makePipe();
    if (!made) return made.error();
    *pipe = std::move(made.value());
  }
  return pipes;
}

// After the output ended: waits for init to exit, the deadline, or the wake-up descriptor.
OutputPump::Stop waitForExit(int pidFd, Clock::time_point deadline, int wakeFd) {
  if (pidFd < 0) return OutputPump::Stop::kEndOfOutput;  // pidfd_open failed: waitpid blocks
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return OutputPump::Stop::kDeadline;
    pollfd polls[2] = {{pidFd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
    int ready = poll(polls, 2, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (ready < 0 && errno != EINTR) return OutputPump::Stop::kEndOfOutput;
    if (ready <= 0) continue;
    if ((polls[1].revents & POLLIN) != 0) return OutputPump::Stop::kWakeUp;
    if (polls[0].revents != 0) return OutputPump::Stop::kEndOfOutput;
  }
}

void killAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Turns what init reported into DESIGN.md's outcome and exit status.
void classify(RunResult& result, const std::optional<PluginExit>& plugin, int initStatus,
              const SandboxLimits& limits) {
  int status = plugin ? plugin->waitStatus : initStatus;
  // The hard RLIMIT_CPU sends SIGKILL (a plugin that ignores SIGXCPU); so does the OOM killer.
  bool cpuLimitKill = plugin && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
                      plugin->cpuMillis >= limits.cpuTime.count() * 1000;
  if (WIFEXITED(status)) {
    result.outcome = RunOutcome::kExited;
    result.exitCode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || cpuLimitKill)) {
    result.outcome = RunOutcome::kTimedOut;  // the CPU-time limit is a time limit too
    result.exitCode = kExitTimedOut;
  } else if (WIFSIGNALED(status)) {
    result.outcome = RunOutcome::kSignaled;
    result.signal = WTERMSIG(status);
    result.exitCode = 128 + result.signal;
  }
}

}  // namespace

SetupResult<LocalSandbox> LocalSandbox::create(ToolRunner runner) {
  auto layout = RuntimeLayout::forInterpreter(runner.interpreter());
  if (!layout) return layout.error();
  auto seccomp = SeccompProgram::build();
  if (!seccomp) return seccomp.error();
  return LocalSandbox(std::move(runner), std::move(layout.value()), std::move(seccomp.value()));
}

RunResult LocalSandbox::run(const SandboxRequest& request) const {
  const auto start = Clock::now();
  const bool useCgroups = CgroupLimits::available();
  const bool userNamespace = geteuid() != 0;
  if (!useCgroups && !userNamespace) {
    // Root is exempt from RLIMIT_NPROC, so without a pids cgroup nothing bounds a fork bomb.
    return RunResult::setupFailed(
        "sandbox: running as root but no writable pids cgroup under /sys/fs/cgroup/pids; "
        "refusing to run without a process limit");
  }
  if (request.inputDir) {
    if (auto refused = checkInputTree(*request.inputDir, start + request.limits.wallTime)) {
      return RunResult::setupFailed(refused->message);
    }
  }
  CgroupLimitsPtr cgroup;
  if (useCgroups) {
    auto made = CgroupLimits::create(request.limits);
    if (!made) return RunResult::setupFailed(made.error().message);
    cgroup = std::move(made.value());
  }
  auto pipes = makePipes();
  if (!pipes) return RunResult::setupFailed(pipes.error().message);
  Pipes& p = pipes.value();

  MountPlan mounts = makeMountPlan(
      layout_, {request.mountPoint, request.pluginDir, request.inputDir, request.limits.tmpBytes});
  ToolRunner::PreparedExec exec;
  runner_.prepare(request.args, exec);
  InitPlan plan{&mounts,
                &exec,
                &seccomp_,
                request.limits,
                useCgroups ? ProcessLimit::kPidsCgroup : ProcessLimit::kNprocInOwnUserNamespace,
                !userNamespace,
                p.sync.read.get(),
                p.error.write.get(),
                p.status.write.get(),
                p.out.write.get(),
                p.err.write.get(),
                textAreas_};

  unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
  if (!request.network) flags |= CLONE_NEWNET;
  if (userNamespace) flags |= CLONE_NEWUSER;
  long pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) {
    return RunResult::setupFailed(describeErrno("sandbox: cannot create namespaces", errno));
  }
  if (pid == 0) runSandboxInit(plan);
  const auto child = static_cast<pid_t>(pid);
  // Lets the supervisor wait for the exit with a deadline even if the plugin closed its output.
  UniqueFd pidFd(static_cast<int>(syscall(SYS_pidfd_open, child, 0)));
  for (UniqueFd* end :
       {&p.sync.read, &p.error.write, &p.status.write, &p.out.write, &p.err.write}) {
    end->reset();
  }

  std::optional<SetupError> handoff;
  if (userNamespace) handoff = mapIds(child);
  if (!handoff && cgroup) handoff = cgroup->addProcess(child);
  if (!handoff && write(p.sync.write.get(), "g", 1) != 1) {
    handoff = SetupError{describeErrno("sandbox: starting init", errno)};
  }
  p.sync.write.reset();
  if (handoff) {
    killAndReap(child);
    return RunResult::setupFailed(handoff->message);
  }

  OutputPump pump(p.out.read.release(), p.err.read.release(), request.sinks,
                  request.limits.outputBytes);
  const auto deadline = start + request.limits.wallTime;
  auto stop = pump.pumpUntil(deadline, request.wakeFd);
  if (stop == OutputPump::Stop::kEndOfOutput)
    stop = waitForExit(pidFd.get(), deadline, request.wakeFd);
  if (stop != OutputPump::Stop::kEndOfOutput) {
    kill(child, SIGKILL);  // init: the kernel then kills the whole PID namespace
    pump.pumpUntil(Clock::time_point::max());
  }
  int initStatus = 0;
  while (waitpid(child, &initStatus, 0) < 0 && errno == EINTR) {
  }

  RunResult result;
  result.output = pump.result();
  std::optional<PluginExit> plugin;
  PluginExit reported;
  if (read(p.status.read.get(), &reported, sizeof reported) == sizeof reported) plugin = reported;
  result.setupError = readAll(p.error.read.get());
  if (!result.setupError.empty()) {
    while (!result.setupError.empty() && result.setupError.back() == '\n') {
      result.setupError.pop_back();
    }
    result.outcome = RunOutcome::kSetupFailed;
    result.exitCode = kExitSetupFailed;
  } else if (stop == OutputPump::Stop::kDeadline) {
    result.outcome = RunOutcome::kTimedOut;
    result.exitCode = kExitTimedOut;
  } else if (stop == OutputPump::Stop::kWakeUp) {
    result.outcome = RunOutcome::kInterrupted;
    result.exitCode = 128 + SIGINT;
  } else {
    classify(result, plugin, initStatus, request.limits);
  }
  result.memoryLimitHit = cgroup && cgroup->memoryLimitHit();
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace ps::sandbox
