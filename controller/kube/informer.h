#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/annotated_mutex.h"
#include "kube/store.h"
#include "kube/watcher.h"

namespace ps::kube {

struct ResourceEventHandlers {
  std::function<void(const ObjectPtr&)> onAdd;
  std::function<void(const ObjectPtr& old, const ObjectPtr& current)> onUpdate;
  std::function<void(const ObjectPtr& last)> onDelete;
};

// Drops metadata.managedFields (server-side apply bookkeeping, often most of an object).
void stripManagedFields(nlohmann::json& object);

struct InformerOptions {
  WatcherOptions watcher;
  // Every period, onUpdate(obj, obj) for every cached object; zero disables.
  Clock::Duration resyncPeriod{0};
  // Applied to each object before it is cached (client-go's SetTransform), e.g.
  // stripManagedFields: memory per cached object is dominated by fields nobody reads.
  std::function<void(nlohmann::json&)> transform;
  // Told when a list or watch fails (each failure) and when a list succeeds again after one,
  // e.g. to log outages; may be empty. Called on the informer's thread.
  std::function<void(const KubeError&)> onWatchError;
  std::function<void()> onWatchRecovered;
};

// Watcher + Store + handlers (client-go's SharedIndexInformer, kube-rs reflector). Handlers run
// one at a time, on the informer's threads, in the order changes were observed.
class Informer final : private WatcherSink {
 public:
  Informer(KubeClient& client, GroupVersionResource gvr, std::string ns,
           InformerOptions options = {}, const Clock& clock = SteadyClock::instance());
  ~Informer() override;
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Register before start().
  void addHandlers(ResourceEventHandlers handlers);
  void start();
  void stop();

  // True once the first list has been stored and announced.
  bool hasSynced() const { return synced_.load(); }
  bool waitForSync(Clock::Duration timeout) const;
  const Store& store() const { return store_; }
  // How many times the watcher (re)listed, and the last problem it reported.
  int lists() const { return lists_.load(); }
  std::optional<KubeError> lastError() const;

 private:
  void restarted(std::vector<nlohmann::json>&& objects) override;
  void applied(nlohmann::json&& object) override;
  void deleted(nlohmann::json&& object) override;
  void failed(const KubeError& error) override;
  void dispatch(const StoreDelta& delta);
  void resyncLoop(Clock::TimePoint next);

  Watcher watcher_;
  const InformerOptions options_;
  const Clock& clock_;
  Store store_;
  StopSignal stop_;
  std::vector<ResourceEventHandlers> handlers_;  // fixed after start()
  std::mutex dispatchMutex_;                     // one handler call at a time
  std::atomic<bool> synced_{false};
  std::atomic<int> lists_{0};
  mutable Mutex syncMutex_;
  mutable std::condition_variable syncCv_;
  std::optional<KubeError> lastError_ GUARDED_BY(syncMutex_);
  bool failing_ GUARDED_BY(syncMutex_) = false;  // failed since the last list
  std::thread watchThread_;
  std::thread resyncThread_;
};

}  // namespace ps::kube
