#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ps::kube {

// Monotonic time, injectable so that backoff, queues and leases can be tested without sleeping.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Blocks on `cv` (with `lock` held by the caller) until notified or until `deadline` passes on
  // this clock. May return early; callers loop and re-check their condition.
  virtual void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    cv.wait_until(lock, deadline);
  }
  // The process-wide real clock.
  static const Clock& instance();
};

}  // namespace ps::kube
