#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace ps::observe {

// The process's metrics, registered on prometheus-cpp core and served as Prometheus text by our
// own listener (no civetweb exposer).
class MetricsRegistry {
 public:
  MetricsRegistry();
  prometheus::Registry& registry() { return *registry_; }
  // Prometheus text exposition format 0.0.4.
  std::string serializeText() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace ps::observe
