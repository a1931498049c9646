#include "kube/event_recorder.h"

namespace ps::kube {

namespace {

constexpr auto kShutdownFlush = std::chrono::seconds(5);

// The Event needs only the object's identity; keeping the whole object queued would hold a copy
// of every run until its Event is posted. The shape stays an object, as createEvent reads it.
nlohmann::json identityOf(const nlohmann::json& object) {
  if (!object.is_object()) return object;
  nlohmann::json identity = nlohmann::json::object();
  for (const char* field : {"apiVersion", "kind"}) {
    if (object.contains(field)) identity[field] = object[field];
  }
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return identity;
  identity["metadata"] = nlohmann::json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion"}) {
    if (metadata->contains(field)) identity["metadata"][field] = (*metadata)[field];
  }
  return identity;
}

}  // namespace

EventRecorder::EventRecorder(KubeClient& client, std::size_t capacity)
    : client_(client), capacity_(capacity), thread_([this] { postLoop(); }) {}

EventRecorder::~EventRecorder() {
  flush(std::chrono::duration_cast<std::chrono::milliseconds>(kShutdownFlush));
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    dropped_ += queue_.size();
    queue_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void EventRecorder::record(std::string ns, EventSpec event) {
  event.involvedObject = identityOf(event.involvedObject);
  {
    MutexLock lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    queue_.push_back({std::move(ns), std::move(event)});
  }
  wake_.notify_one();
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  MutexLock lock(mutex_);
  return lock.withStdLock([&](std::unique_lock<std::mutex>& held) {
    return idle_.wait_for(held, timeout,
                          [this]() REQUIRES(mutex_) { return queue_.empty() && !posting_; });
  });
}

std::size_t EventRecorder::dropped() const {
  MutexLock lock(mutex_);
  return dropped_;
}

std::size_t EventRecorder::failed() const {
  MutexLock lock(mutex_);
  return failed_;
}

void EventRecorder::postLoop() {
  MutexLock lock(mutex_);
  while (true) {
    lock.withStdLock([&](std::unique_lock<std::mutex>& held) {
      wake_.wait(held, [this]() REQUIRES(mutex_) { return stopping_ || !queue_.empty(); });
    });
    if (stopping_) return;
    Pending next = std::move(queue_.front());
    queue_.pop_front();
    posting_ = true;
    lock.unlock();
    const bool posted = client_.createEvent(next.ns, next.event).ok();
    lock.lock();
    posting_ = false;
    if (!posted) ++failed_;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace ps::kube
