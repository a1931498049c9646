#include "sandbox/process_supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/exit_codes.h"
#include "core/fd_io.h"

namespace ps::sandbox {
namespace {

using std::chrono::steady_clock;

constexpr std::size_t kMaxSetupErrorBytes = 16384;

std::chrono::milliseconds cpuTimeOf(const struct rusage& usage) {
  return std::chrono::milliseconds((usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                                   (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000);
}

// The hard RLIMIT_CPU sends SIGKILL (to a plugin that ignores the soft limit's SIGXCPU); so does
// the OOM killer. The CPU time used tells them apart.
bool killedByCpuLimit(const ChildExit& plugin, const SandboxLimits& limits) {
  int status = plugin.waitStatus;
  if (!WIFSIGNALED(status)) return false;
  if (WTERMSIG(status) == SIGXCPU) return true;
  return WTERMSIG(status) == SIGKILL && plugin.cpuTime &&
         plugin.cpuTime->count() >= limits.cpuTime.count() * 1000;
}

// How the plugin ended by itself.
void classifyExit(RunResult& result, const ChildExit& plugin, const SandboxLimits& limits) {
  int status = plugin.waitStatus;
  if (WIFEXITED(status)) {
    result.outcome = SandboxOutcome::kExited;
    result.exitCode = WEXITSTATUS(status);
  } else if (killedByCpuLimit(plugin, limits)) {
    result.outcome = SandboxOutcome::kTimedOut;  // the CPU-time limit is a time limit too
    result.exitCode = kExitTimedOut;
  } else if (WIFSIGNALED(status)) {
    result.outcome = SandboxOutcome::kSignaled;
    result.signal = WTERMSIG(status);
    result.exitCode = exitCodeForSignal(result.signal);
  }
}

}  // namespace

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

SetupStatus makePipes(std::initializer_list<Pipe*> pipes) {
  for (Pipe* pipe : pipes) {
    auto made = makePipe();
    if (!made) return made.error();
    *pipe = std::move(made.value());
  }
  return core::Done{};
}

UniqueFd openPidFd(pid_t pid) {
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

OutputPump::Stop waitForExit(int pidFd, steady_clock::time_point deadline, int wakeFd) {
  if (pidFd < 0) return OutputPump::Stop::kEndOfOutput;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return OutputPump::Stop::kDeadline;
    pollfd polls[2] = {{pidFd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
    int ready = poll(polls, 2, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (ready < 0 && errno != EINTR) return OutputPump::Stop::kEndOfOutput;
    if (ready <= 0) continue;
    if ((polls[1].revents & POLLIN) != 0) return OutputPump::Stop::kWakeUp;
    if (polls[0].revents != 0) return OutputPump::Stop::kEndOfOutput;
  }
}

ChildExit reap(pid_t pid) {
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  return {status, cpuTimeOf(usage)};
}

void killAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::string readSetupError(int errorFd) {
  std::string text;
  (void)core::readToEnd(errorFd, text, kMaxSetupErrorBytes);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

RunResult endedRun(OutputPump::Stop stop, CapturedOutput output, std::string setupError,
                   const ChildExit& plugin, const SandboxLimits& limits) {
  RunResult result;
  result.output = std::move(output);
  result.setupError = std::move(setupError);
  if (!result.setupError.empty()) {
    result.outcome = SandboxOutcome::kSetupFailed;
    result.exitCode = kExitSetupFailed;
  } else if (stop == OutputPump::Stop::kDeadline) {
    result.outcome = SandboxOutcome::kTimedOut;
    result.exitCode = kExitTimedOut;
    result.deadlineReached = true;
  } else if (stop == OutputPump::Stop::kWakeUp) {
    result.outcome = SandboxOutcome::kInterrupted;
    result.exitCode = exitCodeForSignal(SIGINT);
  } else {
    classifyExit(result, plugin, limits);
  }
  return result;
}

}  // namespace ps::sandbox
