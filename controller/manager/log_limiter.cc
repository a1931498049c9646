#include "manager/log_limiter.h"

namespace ps::reconcile {

std::optional<uint64_t> LogLimiter::allow(std::chrono::steady_clock::time_point now) {
  MutexLock lock(mutex_);
  if (printed_ == 0 || now - windowStart_ >= window_) {
    windowStart_ = now;
    printed_ = 0;
  }
  if (printed_ >= lines_) {
    ++suppressed_;
    return std::nullopt;
  }
  ++printed_;
  const uint64_t held = suppressed_;
  suppressed_ = 0;
  return held;
}

}  // namespace ps::reconcile
