#include "kube/stop_signal.h"

namespace ps::kube {

void StopSignal::stop() {
  std::vector<std::pair<int, std::function<void()>>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    callbacks.swap(callbacks_);
  }
  cv_.notify_all();
  for (auto& [id, callback] : callbacks) callback();
}

bool StopSignal::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

bool StopSignal::sleepFor(const Clock& clock, Clock::Duration duration) {
  return sleepUntil(clock, clock.now() + duration);
}

bool StopSignal::sleepUntil(const Clock& clock, Clock::TimePoint deadline) {
  std::unique_lock lock(mutex_);
  while (!stopped_ && clock.now() < deadline) clock.waitUntil(cv_, lock, deadline);
  return !stopped_;
}

int StopSignal::onStop(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped_) {
      callbacks_.emplace_back(nextId_, std::move(callback));
      return nextId_++;
    }
  }
  callback();
  return -1;
}

void StopSignal::removeCallback(int id) {
  std::lock_guard lock(mutex_);
  std::erase_if(callbacks_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace ps::kube
