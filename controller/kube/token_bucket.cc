#include "kube/token_bucket.h"

#include <algorithm>
#include <condition_variable>

namespace ps::kube {

TokenBucket::TokenBucket(double qps, int burst, const Clock& clock)
    : qps_(qps), burst_(std::max(1, burst)), clock_(clock), tokens_(burst_), last_(clock.now()) {}

Clock::Duration TokenBucket::reserve() {
  MutexLock lock(mutex_);
  if (qps_ <= 0) return Clock::Duration::zero();  // unlimited
  const auto now = clock_.now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::Duration::zero();
  return std::chrono::duration_cast<Clock::Duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

void TokenBucket::take() {
  const auto wait = reserve();
  if (wait <= Clock::Duration::zero()) return;
  std::mutex sleepMutex;
  std::condition_variable never;
  std::unique_lock lock(sleepMutex);
  const auto deadline = clock_.now() + wait;
  while (clock_.now() < deadline) clock_.waitUntil(never, lock, deadline);
}

}  // namespace ps::kube
