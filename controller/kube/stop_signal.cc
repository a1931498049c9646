#include "kube/stop_signal.h"

namespace ps::kube {

void StopSignal::stop() {
  std::vector<std::pair<int, std::function<void()>>> callbacks;
  {
    MutexLock lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    callbacksRunning_ = true;
    callbacks.swap(callbacks_);
  }
  cv_.notify_all();
  for (auto& [id, callback] : callbacks) callback();
  {
    MutexLock lock(mutex_);
    callbacksRunning_ = false;
  }
  cv_.notify_all();
}

bool StopSignal::stopped() const {
  MutexLock lock(mutex_);
  return stopped_;
}

bool StopSignal::sleepFor(const Clock& clock, Clock::Duration duration) {
  return sleepUntil(clock, clock.now() + duration);
}

bool StopSignal::sleepUntil(const Clock& clock, Clock::TimePoint deadline) {
  MutexLock lock(mutex_);
  while (!stopped_ && clock.now() < deadline)
    lock.withStdLock(
        [&](std::unique_lock<std::mutex>& held) { clock.waitUntil(cv_, held, deadline); });
  return !stopped_;
}

int StopSignal::onStop(std::function<void()> callback) {
  {
    MutexLock lock(mutex_);
    if (!stopped_) {
      callbacks_.emplace_back(nextId_, std::move(callback));
      return nextId_++;
    }
  }
  callback();
  return -1;
}

void StopSignal::removeCallback(int id) {
  MutexLock lock(mutex_);
  std::erase_if(callbacks_, [id](const auto& entry) { return entry.first == id; });
  // stop() may be running this very callback on its own thread: whatever it uses (a transport's
  // cancellation source on the caller's stack) must outlive it, so wait until it returns.
  while (callbacksRunning_) {
    lock.withStdLock([&](std::unique_lock<std::mutex>& held) { cv_.wait(held); });
  }
}

}  // namespace ps::kube
