#include "sandbox/run_result.h"

namespace ps::sandbox {

std::string_view outcomeName(SandboxOutcome outcome) {
  switch (outcome) {
    case SandboxOutcome::kExited:
      return "exited";
    case SandboxOutcome::kSignaled:
      return "signaled";
    case SandboxOutcome::kTimedOut:
      return "timedOut";
    case SandboxOutcome::kSetupFailed:
      return "setupFailed";
    case SandboxOutcome::kInterrupted:
      return "interrupted";
  }
  return "unknown";
}

RunResult RunResult::setupFailed(std::string message) {
  RunResult result;
  result.setupError = std::move(message);
  return result;
}

}  // namespace ps::sandbox
