#include "kube/informer.h"

#include <malloc.h>

namespace ps::kube {

void stripManagedFields(nlohmann::json& object) {
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object())
    meta->erase("managedFields");
}

namespace {

// The watcher trims each listed object as its page arrives.
WatcherOptions withTransform(WatcherOptions watcher,
                             const std::function<void(nlohmann::json&)>& transform) {
  if (transform) watcher.transform = transform;
  return watcher;
}

}  // namespace

Informer::Informer(KubeClient& client, GroupVersionResource gvr, std::string ns,
                   InformerOptions options, const Clock& clock)
    : watcher_(client, std::move(gvr), std::move(ns),
               withTransform(options.watcher, options.transform), clock),
      options_(std::move(options)),
      clock_(clock) {}

Informer::~Informer() {
  stop();
}

void Informer::addHandlers(ResourceEventHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void Informer::start() {
  watchThread_ = std::thread([this] { watcher_.run(*this, stop_); });
  if (options_.resyncPeriod > Clock::Duration::zero())
    resyncThread_ =
        std::thread([this, first = clock_.now() + options_.resyncPeriod] { resyncLoop(first); });
}

void Informer::stop() {
  stop_.stop();
  if (watchThread_.joinable()) watchThread_.join();
  if (resyncThread_.joinable()) resyncThread_.join();
}

bool Informer::waitForSync(Clock::Duration timeout) const {
  MutexLock lock(syncMutex_);
  return lock.withStdLock([&](std::unique_lock<std::mutex>& held) {
    return syncCv_.wait_for(held, timeout, [this] { return synced_.load(); });
  });
}

std::optional<KubeError> Informer::lastError() const {
  MutexLock lock(syncMutex_);
  return lastError_;
}

void Informer::restarted(std::vector<nlohmann::json>&& objects) {
  // The diff against what we held turns a relist into exact adds/updates/deletes, so a 410 or a
  // crashed API server neither loses nor repeats a change. The watcher already applied the
  // transform to every listed object.
  {
    const auto deltas = store_.replace(std::move(objects));
    for (const auto& delta : deltas) dispatch(delta);
  }
  // A relist frees the old copies and every parsed page at once; glibc keeps such memory unless
  // asked to return it, so the process would stay at its relist peak.
  malloc_trim(0);
  lists_.fetch_add(1);
  bool recovered = false;
  {
    MutexLock lock(syncMutex_);
    synced_.store(true);
    recovered = std::exchange(failing_, false);
  }
  syncCv_.notify_all();
  if (recovered && options_.onWatchRecovered) options_.onWatchRecovered();
}

void Informer::applied(nlohmann::json&& object) {
  if (options_.transform) options_.transform(object);
  if (auto delta = store_.apply(std::move(object))) dispatch(*delta);
}

void Informer::deleted(nlohmann::json&& object) {
  if (auto delta = store_.remove(object)) dispatch(*delta);
}

void Informer::failed(const KubeError& error) {
  {
    MutexLock lock(syncMutex_);
    lastError_ = error;
    failing_ = true;
  }
  if (options_.onWatchError) options_.onWatchError(error);
}

void Informer::dispatch(const StoreDelta& delta) {
  std::lock_guard lock(dispatchMutex_);
  for (const auto& handlers : handlers_) {
    switch (delta.kind) {
      case StoreDelta::Kind::kAdded:
        if (handlers.onAdd) handlers.onAdd(delta.current);
        break;
      case StoreDelta::Kind::kUpdated:
        if (handlers.onUpdate) handlers.onUpdate(delta.old, delta.current);
        break;
      case StoreDelta::Kind::kDeleted:
        if (handlers.onDelete) handlers.onDelete(delta.current);
        break;
    }
  }
}

void Informer::resyncLoop(Clock::TimePoint next) {
  // Deadlines advance by whole periods from start(), so a slow thread start shifts nothing.
  for (; stop_.sleepUntil(clock_, next); next += options_.resyncPeriod) {
    if (!synced_.load()) continue;
    for (const auto& object : store_.list()) {
      dispatch(StoreDelta{StoreDelta::Kind::kUpdated, object, object});
    }
  }
}

}  // namespace ps::kube
