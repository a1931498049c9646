#include "kube/work_queue.h"

#include <algorithm>
#include <cmath>

namespace ps::kube {

WorkQueue::WorkQueue(WorkQueueOptions options, const Clock& clock)
    : options_(options), clock_(clock), bucket_(options.qps, options.burst, clock) {}

void WorkQueue::add(const std::string& key) {
  MutexLock lock(mutex_);
  addLocked(key);
}

void WorkQueue::addLocked(const std::string& key) {
  if (shuttingDown_ || draining_) return;
  if (options_.metrics != nullptr) options_.metrics->added();
  if (!dirty_.insert(key).second) return;  // already waiting: dedup
  addedAt_.emplace(key, clock_.now());
  if (processing_.contains(key)) return;  // queued again by done()
  queue_.push_back(key);
  if (options_.metrics != nullptr) options_.metrics->depth(queue_.size());
  cv_.notify_one();
}

void WorkQueue::addAfter(const std::string& key, Clock::Duration delay) {
  MutexLock lock(mutex_);
  if (shuttingDown_ || draining_) return;
  if (delay <= Clock::Duration::zero()) {
    addLocked(key);
    return;
  }
  // One timer per key, as client-go's delaying queue: the earliest ready time wins; a later
  // one for a key already waiting is dropped, an earlier one supersedes the heap entry.
  const Clock::TimePoint readyAt = clock_.now() + delay;
  const auto [pending, inserted] = waitingUntil_.try_emplace(key, readyAt);
  if (!inserted) {
    if (pending->second <= readyAt) return;
    pending->second = readyAt;
  }
  waiting_.push({readyAt, key});
  cv_.notify_all();  // a sleeping get() may need to wake earlier
}

Clock::Duration WorkQueue::backoffLocked(const std::string& key) {
  const int failures = failures_[key]++;
  const double factor = std::pow(2.0, std::min(failures, 62));
  const double base = std::chrono::duration<double>(options_.baseDelay).count();
  const double capped =
      std::min(base * factor, std::chrono::duration<double>(options_.maxDelay).count());
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(capped));
}

void WorkQueue::addRateLimited(const std::string& key) {
  Clock::Duration delay;
  {
    MutexLock lock(mutex_);
    if (shuttingDown_ || draining_) return;
    delay = backoffLocked(key);
    if (options_.metrics != nullptr) options_.metrics->retried();
  }
  addAfter(key, std::max(delay, bucket_.reserve()));
}

void WorkQueue::forget(const std::string& key) {
  MutexLock lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::retries(const std::string& key) const {
  MutexLock lock(mutex_);
  const auto found = failures_.find(key);
  return found == failures_.end() ? 0 : found->second;
}

void WorkQueue::promoteReadyLocked() {
  const auto now = clock_.now();
  while (!waiting_.empty() && waiting_.top().readyAt <= now) {
    const Delayed entry = waiting_.top();
    waiting_.pop();
    const auto pending = waitingUntil_.find(entry.key);
    if (pending == waitingUntil_.end() || pending->second != entry.readyAt) continue;  // superseded
    waitingUntil_.erase(pending);
    addLocked(entry.key);
  }
}

std::optional<std::string> WorkQueue::get() {
  MutexLock lock(mutex_);
  while (true) {
    if (!shuttingDown_) promoteReadyLocked();
    if (!queue_.empty() && !shuttingDown_) break;
    if (shuttingDown_ || (draining_ && queue_.empty() && processing_.empty())) return std::nullopt;
    if (waiting_.empty() || draining_) {
      lock.withStdLock([&](std::unique_lock<std::mutex>& held) { cv_.wait(held); });
    } else {
      const Clock::TimePoint readyAt = waiting_.top().readyAt;
      lock.withStdLock(
          [&](std::unique_lock<std::mutex>& held) { clock_.waitUntil(cv_, held, readyAt); });
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  if (options_.metrics != nullptr) {
    options_.metrics->depth(queue_.size());
    if (auto added = addedAt_.find(key); added != addedAt_.end()) {
      options_.metrics->queued(std::chrono::duration<double>(clock_.now() - added->second).count());
    }
  }
  addedAt_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  MutexLock lock(mutex_);
  processing_.erase(key);
  if (dirty_.contains(key)) {
    queue_.push_back(key);
    if (options_.metrics != nullptr) options_.metrics->depth(queue_.size());
  }
  cv_.notify_all();
}

void WorkQueue::shutDown() {
  {
    MutexLock lock(mutex_);
    shuttingDown_ = true;
  }
  cv_.notify_all();
}

bool WorkQueue::shutDownWithDrain(Clock::Duration deadline) {
  MutexLock lock(mutex_);
  draining_ = true;
  cv_.notify_all();
  const auto until = clock_.now() + deadline;
  while (!(queue_.empty() && processing_.empty()) && clock_.now() < until)
    lock.withStdLock(
        [&](std::unique_lock<std::mutex>& held) { clock_.waitUntil(cv_, held, until); });
  const bool drained = queue_.empty() && processing_.empty();
  shuttingDown_ = true;
  lock.unlock();
  cv_.notify_all();
  return drained;
}

bool WorkQueue::shuttingDown() const {
  MutexLock lock(mutex_);
  return shuttingDown_ || draining_;
}

std::size_t WorkQueue::len() const {
  MutexLock lock(mutex_);
  return queue_.size();
}

std::size_t WorkQueue::delayed() const {
  MutexLock lock(mutex_);
  return waitingUntil_.size();
}

}  // namespace ps::kube
