#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "core/annotated_mutex.h"
#include "kube/clock.h"

namespace ps::kube {

// A one-shot "stop now" shared by a loop and whoever stops it. Sleeps in the loop wake at once
// when stopped; callbacks let a transport abort an in-flight request.
class StopSignal {
 public:
  void stop();
  bool stopped() const;
  // Sleeps for `duration` on `clock`; returns false if stopped first (or already stopped).
  bool sleepFor(const Clock& clock, Clock::Duration duration);
  bool sleepUntil(const Clock& clock, Clock::TimePoint deadline);
  // Runs `callback` on stop (immediately if already stopped). Returns an id for `removeCallback`.
  int onStop(std::function<void()> callback);
  // Once this returns, the callback is not running and never will: if stop() is running
  // callbacks on another thread, it waits for them (never call it from inside a callback).
  void removeCallback(int id);

 private:
  mutable Mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ GUARDED_BY(mutex_) = false;
  bool callbacksRunning_ GUARDED_BY(mutex_) = false;  // stop() is calling the callbacks
  int nextId_ GUARDED_BY(mutex_) = 0;
  std::vector<std::pair<int, std::function<void()>>> callbacks_ GUARDED_BY(mutex_);
};

}  // namespace ps::kube
