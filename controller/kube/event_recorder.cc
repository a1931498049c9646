#include "kube/event_recorder.h"

#include "kube/resource.h"
#include "kube/rfc3339.h"

namespace ps::kube {

namespace {

using nlohmann::json;

constexpr auto kShutdownFlush = std::chrono::seconds(5);

// The Event needs only the object's identity; keeping the whole object queued would hold a copy
// of every run until its Event is posted. The shape stays an object, as createEvent reads it.
json identityOf(const json& object) {
  if (!object.is_object()) return object;
  json identity = json::object();
  for (const char* field : {"apiVersion", "kind"}) {
    if (object.contains(field)) identity[field] = object[field];
  }
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return identity;
  identity["metadata"] = json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion"}) {
    if (metadata->contains(field)) identity["metadata"][field] = (*metadata)[field];
  }
  return identity;
}

// Two Events are the same one when they say the same about the same object (client-go's
// EventCorrelator key less the host; the uid tells a re-created object of the same name apart).
std::string aggregationKey(const std::string& ns, const EventSpec& event) {
  const json& object = event.involvedObject;
  const json metadata = object.is_object() ? object.value("metadata", json::object()) : json();
  std::string key = ns;
  for (const std::string& part :
       {object.is_object() ? object.value("kind", "") : "", metadata.value("name", ""),
        metadata.value("uid", ""), event.type, event.reason, event.message, event.component}) {
    key += '\n';
    key += part;
  }
  return key;
}

}  // namespace

EventRecorder::EventRecorder(KubeClient& client, EventRecorderOptions options)
    : client_(client),
      options_(options),
      clock_(options.clock != nullptr ? *options.clock : SteadyClock::instance()),
      thread_([this] { postLoop(); }) {}

EventRecorder::~EventRecorder() {
  flush(std::chrono::duration_cast<std::chrono::milliseconds>(kShutdownFlush));
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    dropped_ += queue_.size();
    queue_.clear();
    queuedByKey_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void EventRecorder::record(std::string ns, EventSpec event) {
  event.involvedObject = identityOf(event.involvedObject);
  std::string key = aggregationKey(ns, event);
  {
    MutexLock lock(mutex_);
    if (stopping_) {
      ++dropped_;
      return;
    }
    if (auto queued = queuedByKey_.find(key); queued != queuedByKey_.end()) {
      ++queued->second->occurrences;  // not posted yet: it will say how often it happened
      ++aggregated_;
      return;
    }
    if (queue_.size() >= options_.capacity) {
      ++dropped_;
      return;
    }
    queue_.push_back({std::move(ns), std::move(event), key, 1});
    queuedByKey_.emplace(std::move(key), &queue_.back());
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

std::size_t EventRecorder::aggregated() const {
  MutexLock lock(mutex_);
  return aggregated_;
}

std::optional<EventRecorder::Posted> EventRecorder::post(const Pending& pending,
                                                         const std::optional<Posted>& previous) {
  auto raiseCount = [&](const std::string& name, int count) {
    const json patch = {{"count", count},
                        {"lastTimestamp", formatMicroTime(std::chrono::system_clock::now())}};
    return client_.mergePatch(eventsResource(), pending.ns, name, patch);
  };
  if (previous) {
    const int count = previous->count + pending.occurrences;
    auto patched = raiseCount(previous->name, count);
    if (patched) return Posted{previous->name, count, clock_.now()};
    // Gone (the API server keeps Events for an hour by default): it is posted anew.
    if (!patched.error().isNotFound()) return std::nullopt;
  }
  auto created = client_.createEvent(pending.ns, pending.event);
  if (!created) return std::nullopt;
  Posted posted{created->value("metadata", json::object()).value("name", ""), 1, clock_.now()};
  if (pending.occurrences > 1 && !posted.name.empty() &&
      raiseCount(posted.name, pending.occurrences)) {
    posted.count = pending.occurrences;
  }
  return posted;
}

void EventRecorder::remember(const std::string& key, Posted posted) {
  if (posted.name.empty()) return;  // nothing to PATCH later
  posted_[key] = std::move(posted);
  if (posted_.size() <= options_.remembered) return;
  auto oldest = posted_.begin();
  for (auto it = posted_.begin(); it != posted_.end(); ++it) {
    if (it->second.last < oldest->second.last) oldest = it;
  }
  posted_.erase(oldest);
}

void EventRecorder::postLoop() {
  MutexLock lock(mutex_);
  while (true) {
    lock.withStdLock([&](std::unique_lock<std::mutex>& held) {
      wake_.wait(held, [this]() REQUIRES(mutex_) { return stopping_ || !queue_.empty(); });
    });
    if (stopping_) return;
    Pending next = std::move(queue_.front());
    queuedByKey_.erase(next.key);
    queue_.pop_front();
    std::optional<Posted> previous;
    if (auto known = posted_.find(next.key); known != posted_.end()) {
      if (clock_.now() - known->second.last < options_.aggregationWindow) {
        previous = known->second;
        ++aggregated_;  // the others were counted as they were recorded
      } else {
        posted_.erase(known);
      }
    }
    posting_ = true;
    lock.unlock();
    std::optional<Posted> posted = post(next, previous);
    lock.lock();
    posting_ = false;
    if (posted) {
      remember(next.key, std::move(*posted));
    } else {
      ++failed_;
    }
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace ps::kube
