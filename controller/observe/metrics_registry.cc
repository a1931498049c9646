#include "observe/metrics_registry.h"

#include <prometheus/text_serializer.h>

namespace ps::observe {

MetricsRegistry::MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

std::string MetricsRegistry::serializeText() const {
  {
    MutexLock lock(hooksMutex_);
    for (const auto& [id, refresh] : hooks_) refresh();
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

std::unique_ptr<MetricsRegistry::CollectHook> MetricsRegistry::onCollect(
    std::function<void()> refresh) {
  MutexLock lock(hooksMutex_);
  const int id = nextHook_++;
  hooks_[id] = std::move(refresh);
  return std::make_unique<CollectHook>(*this, id);
}

MetricsRegistry::CollectHook::~CollectHook() {
  MutexLock lock(registry_.hooksMutex_);
  registry_.hooks_.erase(id_);
}

}  // namespace ps::observe
