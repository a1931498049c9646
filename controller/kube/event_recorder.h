#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/annotated_mutex.h"
#include "kube/api_client.h"

namespace ps::kube {

// Posts Events from its own thread (client-go's EventBroadcaster): an Event is best effort, so a
// reconcile hands it over and goes on instead of waiting one more API round trip. When the API
// server is slower than the Events arrive, the queue holds at most `capacity` and the newest are
// dropped (counted), never the caller blocked.
class EventRecorder {
 public:
  explicit EventRecorder(KubeClient& client, std::size_t capacity = 4096);
  // Posts what is queued for at most a few seconds, then drops the rest.
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(std::string ns, EventSpec event);
  // Waits until every Event recorded so far was posted (or failed), at most `timeout`.
  bool flush(std::chrono::milliseconds timeout);
  std::size_t dropped() const;
  std::size_t failed() const;

 private:
  struct Pending {
    std::string ns;
    EventSpec event;
  };
  void postLoop();

  KubeClient& client_;
  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Pending> queue_ GUARDED_BY(mutex_);
  bool posting_ GUARDED_BY(mutex_) = false;  // one Event is in flight
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::size_t dropped_ GUARDED_BY(mutex_) = 0;
  std::size_t failed_ GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

}  // namespace ps::kube
