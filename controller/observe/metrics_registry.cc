#include "observe/metrics_registry.h"

#include <prometheus/text_serializer.h>

namespace ps::observe {

MetricsRegistry::MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

std::string MetricsRegistry::serializeText() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace ps::observe
