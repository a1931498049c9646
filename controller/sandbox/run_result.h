#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sandbox/output_pump.h"

namespace ps::sandbox {

enum class RunOutcome {
  kExited,       // the plugin exited by itself: exit code is its own
  kSignaled,     // died of a signal N: 128+N
  kTimedOut,     // wall-clock or CPU limit: 124
  kSetupFailed,  // the sandbox could not be set up, nothing ran unconfined: 126
  kInterrupted,  // pluginctl itself got SIGINT/SIGTERM/SIGHUP N: 128+N
};

inline constexpr int kExitTimedOut = 124;
inline constexpr int kExitRejected = 125;
inline constexpr int kExitSetupFailed = 126;

std::string_view outcomeName(RunOutcome outcome);  // "exited", "signaled", "timedOut", ...

struct RunResult {
  RunOutcome outcome = RunOutcome::kSetupFailed;
  int exitCode = kExitSetupFailed;  // DESIGN.md's exit status of `pluginctl run`
  int signal = 0;                   // for kSignaled / kInterrupted
  std::string setupError;           // for kSetupFailed
  CapturedOutput output;
  std::chrono::milliseconds duration{0};
  bool memoryLimitHit = false;

  static RunResult setupFailed(std::string message);
};

}  // namespace ps::sandbox
