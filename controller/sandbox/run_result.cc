#include "sandbox/run_result.h"

namespace ps::sandbox {

std::string_view outcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kExited:
      return "exited";
    case RunOutcome::kSignaled:
      return "signaled";
    case RunOutcome::kTimedOut:
      return "timedOut";
    case RunOutcome::kSetupFailed:
      return "setupFailed";
    case RunOutcome::kInterrupted:
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
