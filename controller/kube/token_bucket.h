#pragma once

#include <mutex>

#include "core/annotated_mutex.h"
#include "kube/clock.h"

namespace ps::kube {

// Classic token bucket: `qps` tokens per second, at most `burst` saved up. Used for the client's
// request rate and for the work queue's overall retry rate.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, const Clock& clock);
  // Takes one token now, or reserves the next one; returns how long the caller must wait.
  Clock::Duration reserve();
  // Takes one token, sleeping on the clock if needed.
  void take();

 private:
  const double qps_;
  const double burst_;
  const Clock& clock_;
  Mutex mutex_;
  double tokens_ GUARDED_BY(mutex_);  // negative when reservations are outstanding
  Clock::TimePoint last_ GUARDED_BY(mutex_);
};

}  // namespace ps::kube
