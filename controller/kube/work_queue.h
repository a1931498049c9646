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
  void addLocked(const std::string& key);
  void promoteReadyLocked();
  Clock::Duration backoffLocked(const std::string& key);

  const WorkQueueOptions options_;
  const Clock& clock_;
  TokenBucket bucket_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;                                               // guarded by mutex_
  std::unordered_set<std::string> dirty_;                                       // guarded by mutex_
  std::unordered_set<std::string> processing_;                                  // guarded by mutex_
  std::unordered_map<std::string, Clock::TimePoint> addedAt_;                   // guarded by mutex_
  std::unordered_map<std::string, int> failures_;                               // guarded by mutex_
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> waiting_;  // guarded by mutex_
  std::unordered_map<std::string, Clock::TimePoint> waitingUntil_;  // guarded by mutex_; one per key
  bool shuttingDown_ = false;                                                   // guarded by mutex_
  bool draining_ = false;                                                       // guarded by mutex_
};

}  // namespace ps::kube
