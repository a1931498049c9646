#pragma once

#include <random>

#include "kube/clock.h"

namespace ps::kube {

struct BackoffPolicy {
  Clock::Duration initial = std::chrono::milliseconds(800);
  Clock::Duration max = std::chrono::seconds(30);
  double factor = 2.0;
  double jitter = 1.0;  // each delay is stretched by up to this fraction, at random
  // A failure after this long since the previous one starts again from `initial`.
  Clock::Duration resetAfter = std::chrono::minutes(2);
};

// Reconnect backoff for watches (client-go's 800 ms -> 30 s, x2, jitter, reset when healthy).
class Backoff {
 public:
  Backoff(BackoffPolicy policy, const Clock& clock, std::uint64_t seed = std::random_device{}());
  // The delay to wait before the next attempt after a failure now.
  Clock::Duration next();

 private:
  const BackoffPolicy policy_;
  const Clock& clock_;
  std::mt19937_64 random_;
  Clock::Duration current_{0};
  Clock::TimePoint lastFailure_{};
  bool failedBefore_ = false;
};

}  // namespace ps::kube
