#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ps::reconcile {

// The API server's answer to the last refused Pod create of a run.
struct LaunchRefusal {
  std::string message;      // the server's words
  bool transient = false;   // true: retried with backoff while the run waits as Queued
  int attempts = 0;         // refusals in a row
  std::chrono::system_clock::time_point retryAt;  // transient: when to create the Pod again
};

// Refusals that go away on their own: a full ResourceQuota (403 "exceeded quota", or "status
// unknown for quota" before the quota controller counted it), a namespace
// whose `default` ServiceAccount the controller-manager has not made yet (403 "serviceaccount
// ... not found", seen when GitOps applies a namespace and its runs together), an admission
// webhook that timed out or failed to answer (500/503/504 "failed calling webhook"), and 429.
// Everything else (422, Pod Security, other policy) is terminal.
bool isTransientRefusal(int httpStatus, std::string_view message);

// The wait before attempt `attempts + 1`: 1 s, doubling, at most 60 s.
std::chrono::seconds refusalBackoff(int attempts);

}  // namespace ps::reconcile
