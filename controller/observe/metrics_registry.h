#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/annotated_mutex.h"

namespace ps::observe {

// The process's metrics, registered on prometheus-cpp core and served as Prometheus text by our
// own listener (no civetweb exposer).
class MetricsRegistry {
 public:
  MetricsRegistry();
  prometheus::Registry& registry() { return *registry_; }
  // Prometheus text exposition format 0.0.4.
  std::string serializeText() const;

  // Runs `refresh` before every serialization, e.g. to set gauges counted from a cache at scrape
  // time rather than on every change. Unregistered when the returned hook is destroyed, which
  // must happen before the registry's.
  class CollectHook {
   public:
    CollectHook(const MetricsRegistry& registry, int id) : registry_(registry), id_(id) {}
    ~CollectHook();
    CollectHook(const CollectHook&) = delete;
    CollectHook& operator=(const CollectHook&) = delete;

   private:
    const MetricsRegistry& registry_;
    const int id_;
  };
  std::unique_ptr<CollectHook> onCollect(std::function<void()> refresh);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  mutable Mutex hooksMutex_;
  mutable std::map<int, std::function<void()>> hooks_ GUARDED_BY(hooksMutex_);
  mutable int nextHook_ GUARDED_BY(hooksMutex_) = 0;
};

}  // namespace ps::observe
