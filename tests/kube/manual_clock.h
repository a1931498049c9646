#pragma once

#include <mutex>

#include "kube/clock.h"

namespace ps::kube::testing {

// A clock that moves only when the test says so. Waits poll briefly in real time so a waiter
// notices an advance() without any notification plumbing.
class ManualClock final : public Clock {
 public:
  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void advance(Duration by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    if (now() < deadline) cv.wait_for(lock, std::chrono::milliseconds(1));
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_{std::chrono::hours(1000)};  // guarded by mutex_
};

}  // namespace ps::kube::testing
