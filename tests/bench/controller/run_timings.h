#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

namespace ps::bench {

using Steady = std::chrono::steady_clock;

struct TimingSummary {
  std::size_t created = 0;
  std::size_t withPod = 0;
  double lastPodSeconds = 0;               // from `start` to the last Pod seen
  double p50Ms = 0, p99Ms = 0, maxMs = 0;  // PluginRun create returned -> its Pod seen
};

// Per run: when its create call returned and when its Pod first appeared in our watch, both on
// the monotonic clock (creationTimestamp has only one-second resolution). Thread-safe.
class RunTimings {
 public:
  explicit RunTimings(std::size_t runs);

  void created(std::size_t index);
  void podSeen(std::size_t index);
  std::size_t podsSeen() const { return seen_.load(); }
  TimingSummary summarize(Steady::time_point start) const;

 private:
  static long long now();
  std::size_t size_;
  std::unique_ptr<std::atomic<long long>[]> created_;
  std::unique_ptr<std::atomic<long long>[]> seenAt_;
  std::atomic<std::size_t> seen_{0};
};

}  // namespace ps::bench
