#include "kube/backoff.h"

#include <algorithm>

namespace ps::kube {

Backoff::Backoff(BackoffPolicy policy, const Clock& clock, std::uint64_t seed)
    : policy_(policy), clock_(clock), random_(seed) {}

Clock::Duration Backoff::next() {
  const auto now = clock_.now();
  if (!failedBefore_ || now - lastFailure_ >= policy_.resetAfter) {
    current_ = policy_.initial;
  } else {
    const auto grown = std::chrono::duration_cast<Clock::Duration>(current_ * policy_.factor);
    current_ = std::min(grown, policy_.max);
  }
  failedBefore_ = true;
  lastFailure_ = now;
  std::uniform_real_distribution<double> stretch(0.0, policy_.jitter);
  return std::chrono::duration_cast<Clock::Duration>(current_ * (1.0 + stretch(random_)));
}

}  // namespace ps::kube
