#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/annotated_mutex.h"
#include "kube/clock.h"
#include "kube/instrumentation.h"
#include "kube/token_bucket.h"

namespace ps::kube {

struct WorkQueueOptions {
  Clock::Duration baseDelay = std::chrono::milliseconds(5);  // per-key backoff: base * 2^failures
  Clock::Duration maxDelay = std::chrono::seconds(1000);
  double qps = 10;  // overall bucket for rate-limited adds (client-go's default 10 qps / 100 burst)
  int burst = 100;
  QueueMetrics* metrics = nullptr;  // not owned; may be null
};

// client-go's rate-limiting work queue, for string keys:
// - a key added many times while waiting is handed out once;
// - a key is never handed to two workers at once; re-added while processing, it is queued again
//   after done();
// - addRateLimited() delays by max(per-key exponential backoff, overall bucket); forget() resets;
// - addAfter() delays; shutDown() wakes every waiting get().
class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {}, const Clock& clock = SteadyClock::instance());

  void add(const std::string& key);
  void addAfter(const std::string& key, Clock::Duration delay);
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int retries(const std::string& key) const;

  // Blocks until a key is ready; nullopt once shut down (and, when draining, empty).
  std::optional<std::string> get();
  void done(const std::string& key);

  // Stops handing out work: waiting get()s return nullopt and new adds are dropped.
  void shutDown();
  // Stops accepting adds, lets workers finish what is queued and in progress. Returns false if
  // that did not happen by `deadline` (the queue is then shut down anyway).
  bool shutDownWithDrain(Clock::Duration deadline);
  bool shuttingDown() const;

  std::size_t len() const;      // ready to be handed out
  std::size_t delayed() const;  // keys waiting for their time

 private:
  struct Delayed {
    Clock::TimePoint readyAt;
    std::string key;
    bool operator>(const Delayed& other) const { return readyAt > other.readyAt; }
  };
  void addLocked(const std::string& key) REQUIRES(mutex_);
  void promoteReadyLocked() REQUIRES(mutex_);
  Clock::Duration backoffLocked(const std::string& key) REQUIRES(mutex_);

  const WorkQueueOptions options_;
  const Clock& clock_;
  TokenBucket bucket_;
  mutable Mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_ GUARDED_BY(mutex_);
  std::unordered_set<std::string> dirty_ GUARDED_BY(mutex_);
  std::unordered_set<std::string> processing_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, Clock::TimePoint> addedAt_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, int> failures_ GUARDED_BY(mutex_);
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> waiting_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, Clock::TimePoint> waitingUntil_
      GUARDED_BY(mutex_);  // one per key
  bool shuttingDown_ GUARDED_BY(mutex_) = false;
  bool draining_ GUARDED_BY(mutex_) = false;
};

}  // namespace ps::kube
