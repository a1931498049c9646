#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/exit_codes.h"
#include "sandbox/output_pump.h"

namespace ps::sandbox {

// How a sandboxed run ended (not reconcile::RunOutcome, the PluginRun outcome kept in status).
enum class SandboxOutcome {
  kExited,       // the plugin exited by itself: exit code is its own
  kSignaled,     // died of a signal N: 128+N
  kTimedOut,     // wall-clock or CPU-time limit: 124
  kSetupFailed,  // the sandbox could not be set up, nothing ran unconfined: 126
  kInterrupted,  // pluginctl itself got SIGINT/SIGTERM/SIGHUP N: 128+N
};

std::string_view outcomeName(SandboxOutcome outcome);  // "exited", "signaled", "timedOut", ...

struct RunResult {
  SandboxOutcome outcome = SandboxOutcome::kSetupFailed;
  int exitCode = kExitSetupFailed;  // core/exit_codes.h: the exit status of `pluginctl run`
  int signal = 0;                   // for kSignaled / kInterrupted
  bool deadlineReached = false;     // kTimedOut by the wall clock (not the CPU-time limit)
  std::string setupError;           // for kSetupFailed
  CapturedOutput output;
  std::chrono::milliseconds duration{0};
  bool memoryLimitHit = false;

  static RunResult setupFailed(std::string message);
};

}  // namespace ps::sandbox
