#include "sandbox/process_supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "core/exit_codes.h"

namespace ps::sandbox {
namespace {

using std::chrono::steady_clock;
using Stop = OutputPump::Stop;

int exitedWith(int code) {
  return (code & 0xff) << 8;  // what wait(2) reports for exit(code)
}
int killedBy(int signal) {
  return signal;  // what wait(2) reports for a death by `signal`
}

SandboxLimits cpuSeconds(int seconds) {
  SandboxLimits limits;
  limits.cpuTime = std::chrono::seconds(seconds);
  return limits;
}

TEST(EndedRunTest, ThePluginsOwnExitCode) {
  auto result = endedRun(Stop::kEndOfOutput, {}, "", {exitedWith(3), {}}, {});
  EXPECT_EQ(result.outcome, SandboxOutcome::kExited);
  EXPECT_EQ(result.exitCode, 3);
}

TEST(EndedRunTest, ASignalIs128PlusN) {
  auto result = endedRun(Stop::kEndOfOutput, {}, "", {killedBy(SIGSEGV), {}}, {});
  EXPECT_EQ(result.outcome, SandboxOutcome::kSignaled);
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_EQ(result.exitCode, 128 + SIGSEGV);
}

TEST(EndedRunTest, TheCpuLimitIsATimeLimit) {
  auto byXcpu = endedRun(Stop::kEndOfOutput, {}, "", {killedBy(SIGXCPU), {}}, cpuSeconds(2));
  EXPECT_EQ(byXcpu.outcome, SandboxOutcome::kTimedOut);
  EXPECT_EQ(byXcpu.exitCode, kExitTimedOut);
  EXPECT_FALSE(byXcpu.deadlineReached);
  // The hard limit's SIGKILL, told from the OOM killer's by the CPU time used.
  auto hardLimit = endedRun(Stop::kEndOfOutput, {}, "",
                            {killedBy(SIGKILL), std::chrono::milliseconds(2000)}, cpuSeconds(2));
  EXPECT_EQ(hardLimit.exitCode, kExitTimedOut);
  auto oomKill = endedRun(Stop::kEndOfOutput, {}, "",
                          {killedBy(SIGKILL), std::chrono::milliseconds(1999)}, cpuSeconds(2));
  EXPECT_EQ(oomKill.exitCode, 128 + SIGKILL);
  auto unknownCpu = endedRun(Stop::kEndOfOutput, {}, "", {killedBy(SIGKILL), {}}, cpuSeconds(2));
  EXPECT_EQ(unknownCpu.exitCode, 128 + SIGKILL);
}

TEST(EndedRunTest, TheDeadlineAndTheWakeUpOverrideTheStatus) {
  auto deadline = endedRun(Stop::kDeadline, {}, "", {killedBy(SIGKILL), {}}, {});
  EXPECT_EQ(deadline.outcome, SandboxOutcome::kTimedOut);
  EXPECT_EQ(deadline.exitCode, kExitTimedOut);
  EXPECT_TRUE(deadline.deadlineReached);
  auto woken = endedRun(Stop::kWakeUp, {}, "", {killedBy(SIGKILL), {}}, {});
  EXPECT_EQ(woken.outcome, SandboxOutcome::kInterrupted);
  EXPECT_EQ(woken.exitCode, 128 + SIGINT);
}

TEST(EndedRunTest, ASetupErrorComesFirst) {
  CapturedOutput output;
  output.stdoutTail = "partial";
  auto result = endedRun(Stop::kDeadline, output, "seccomp: no", {exitedWith(126), {}}, {});
  EXPECT_EQ(result.outcome, SandboxOutcome::kSetupFailed);
  EXPECT_EQ(result.exitCode, kExitSetupFailed);
  EXPECT_EQ(result.setupError, "seccomp: no");
  EXPECT_EQ(result.output.stdoutTail, "partial");
}

TEST(ProcessSupervisorTest, PipesSitAboveTheChildsStandardDescriptors) {
  auto pipe = makePipe();
  ASSERT_TRUE(pipe) << pipe.error().message;
  EXPECT_GE(pipe->read.get(), kLowestChildFd);
  EXPECT_GE(pipe->write.get(), kLowestChildFd);
}

TEST(ProcessSupervisorTest, SetupErrorLosesTrailingNewlinesAndIsBounded) {
  Pipe pipe;
  ASSERT_TRUE(makePipes({&pipe}));
  ASSERT_EQ(write(pipe.write.get(), "step: failed\n\n", 14), 14);
  pipe.write.reset();
  EXPECT_EQ(readSetupError(pipe.read.get()), "step: failed");

  Pipe big;
  ASSERT_TRUE(makePipes({&big}));
  const std::string line(20000, 'e');
  ASSERT_EQ(write(big.write.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
  big.write.reset();
  EXPECT_EQ(readSetupError(big.read.get()).size(), 16384u);
}

TEST(ProcessSupervisorTest, WaitsForTheExitTheDeadlineOrTheWakeUp) {
  pid_t sleeper = fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    pause();
    _exit(0);
  }
  UniqueFd pidFd = openPidFd(sleeper);
  ASSERT_TRUE(pidFd);
  auto soon = steady_clock::now() + std::chrono::milliseconds(50);
  EXPECT_EQ(waitForExit(pidFd.get(), soon), Stop::kDeadline);

  Pipe wake;
  ASSERT_TRUE(makePipes({&wake}));
  ASSERT_EQ(write(wake.write.get(), "w", 1), 1);
  auto later = steady_clock::now() + std::chrono::seconds(30);
  EXPECT_EQ(waitForExit(pidFd.get(), later, wake.read.get()), Stop::kWakeUp);

  kill(sleeper, SIGTERM);
  EXPECT_EQ(waitForExit(pidFd.get(), later), Stop::kEndOfOutput);
  ChildExit exit = reap(sleeper);
  EXPECT_TRUE(WIFSIGNALED(exit.waitStatus));
  EXPECT_EQ(WTERMSIG(exit.waitStatus), SIGTERM);
  EXPECT_TRUE(exit.cpuTime.has_value());
}

}  // namespace
}  // namespace ps::sandbox
