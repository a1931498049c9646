#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/annotated_mutex.h"
#include "kube/api_client.h"
#include "kube/clock.h"

namespace ps::kube {

struct EventRecorderOptions {
  std::size_t capacity = 4096;  // Events waiting to be posted; beyond it the newest are dropped
  // An Event identical to one posted less than this ago (same object, type, reason and message)
  // raises that Event's count and lastTimestamp instead of posting another (client-go's
  // EventCorrelator), so a loop that repeats itself leaves one Event, counted.
  std::chrono::seconds aggregationWindow{600};
  std::size_t remembered = 4096;  // posted Events kept for aggregation (client-go's LRU size)
  const Clock* clock = nullptr;   // null = the real clock
};

// Posts Events from its own thread (client-go's EventBroadcaster): an Event is best effort, so a
// reconcile hands it over and goes on instead of waiting one more API round trip. When the API
// server is slower than the Events arrive, the queue holds at most `capacity` and the newest are
// dropped (counted), never the caller blocked. An Event identical to one still queued only raises
// the queued one's count; one identical to an Event posted within the aggregation window PATCHes
// that Event's count and lastTimestamp. So the Events of one object are bounded by its distinct
// (type, reason, message), whatever the rate.
class EventRecorder {
 public:
  explicit EventRecorder(KubeClient& client, EventRecorderOptions options = {});
  // Posts what is queued for at most a few seconds, then drops the rest.
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(std::string ns, EventSpec event);
  // Waits until every Event recorded so far was posted (or failed), at most `timeout`.
  bool flush(std::chrono::milliseconds timeout);
  std::size_t dropped() const;
  std::size_t failed() const;
  // Occurrences that raised the count of an Event instead of making a new one.
  std::size_t aggregated() const;

 private:
  struct Pending {
    std::string ns;
    EventSpec event;
    std::string key;  // what makes two Events the same one
    int occurrences = 1;
  };
  // An Event already on the API server, as far as this process knows.
  struct Posted {
    std::string name;
    int count = 0;
    Clock::TimePoint last;
  };
  void postLoop();
  // Posts `pending` as a new Event or as a higher count of `previous`; the Event as it now is.
  std::optional<Posted> post(const Pending& pending, const std::optional<Posted>& previous);
  void remember(const std::string& key, Posted posted) REQUIRES(mutex_);

  KubeClient& client_;
  const EventRecorderOptions options_;
  const Clock& clock_;
  mutable Mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Pending> queue_ GUARDED_BY(mutex_);
  // The queued Pending of each key (a deque keeps its elements in place at both ends).
  std::unordered_map<std::string, Pending*> queuedByKey_ GUARDED_BY(mutex_);
  std::map<std::string, Posted> posted_ GUARDED_BY(mutex_);
  bool posting_ GUARDED_BY(mutex_) = false;  // one Event is in flight
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::size_t dropped_ GUARDED_BY(mutex_) = 0;
  std::size_t failed_ GUARDED_BY(mutex_) = 0;
  std::size_t aggregated_ GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

}  // namespace ps::kube
