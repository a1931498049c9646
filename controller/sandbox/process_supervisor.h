#pragma once

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>

#include "sandbox/output_pump.h"
#include "sandbox/run_result.h"
#include "sandbox/sandbox_limits.h"
#include "sandbox/setup_result.h"
#include "sandbox/unique_fd.h"

// The one supervisor of a plugin's process, shared by the local sandbox (whose child is the
// sandbox's init) and the in-Pod launcher (whose child is the plugin): the pipes it hands the
// child, the pidfd wait with a deadline, reaping, reading the child's setup error, and turning
// how the run ended into DESIGN.md's outcome and exit status.
namespace ps::sandbox {

// Descriptors handed to a child sit at 10 and above, so that its dup2 onto 0-3 never clobbers
// one it still needs.
inline constexpr int kLowestChildFd = 10;

struct Pipe {
  UniqueFd read, write;
};

// Close-on-exec pipes with both ends at kLowestChildFd or above. Returns why one failed.
SetupResult<Pipe> makePipe();
SetupStatus makePipes(std::initializer_list<Pipe*> pipes);

// A descriptor that becomes readable once `pid` has exited; empty when the kernel has no pidfd.
UniqueFd openPidFd(pid_t pid);

// After a child's output ended: waits for it to exit (kEndOfOutput), the deadline (kDeadline), or
// `wakeFd` (kWakeUp, -1 for none). Without a pidfd it returns kEndOfOutput: reap() then blocks.
OutputPump::Stop waitForExit(int pidFd, std::chrono::steady_clock::time_point deadline,
                             int wakeFd = -1);

// How a child ended, as wait(2) tells it, with the CPU time it used when that is known.
struct ChildExit {
  int waitStatus = 0;
  std::optional<std::chrono::milliseconds> cpuTime;
};

// Waits for `pid` (retrying on EINTR) and returns its status and CPU time.
ChildExit reap(pid_t pid);

// SIGKILL, then reap: for a child that must not go on.
void killAndReap(pid_t pid);

// What the child wrote on its setup-error pipe before it gave up (empty when it went on to run
// the plugin), without trailing newlines and at most 16 KiB. Reads until every writer closed.
std::string readSetupError(int errorFd);

// DESIGN.md's outcome of a run, in this order: the child reported a setup error (126); the
// supervisor stopped it at the deadline (124) or on the wake-up descriptor (128+SIGINT);
// otherwise how the plugin ended: its own exit code, 124 when the CPU-time limit killed it,
// 128+N for signal N.
RunResult endedRun(OutputPump::Stop stop, CapturedOutput output, std::string setupError,
                   const ChildExit& plugin, const SandboxLimits& limits);

}  // namespace ps::sandbox
