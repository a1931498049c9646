#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/annotated_mutex.h"
#include "core/expected.h"
#include "observe/http_server.h"
#include "observe/metrics_registry.h"

namespace ps::observe {

// Named checks behind /healthz or /readyz. A check succeeds, or fails saying why not.
class HealthChecks {
 public:
  using Check = std::function<core::Status()>;
  void add(std::string name, Check check);
  // 200 "ok" when every check passes; otherwise 500 naming each failed check and its reason.
  ServerResponse evaluate() const;

 private:
  mutable Mutex mutex_;
  std::vector<std::pair<std::string, Check>> checks_ GUARDED_BY(mutex_);
};

// /metrics (Prometheus text), /healthz (liveness) and /readyz (readiness, e.g. caches synced).
// The referenced objects must outlive the routes.
Routes probeRoutes(const MetricsRegistry& metrics, const HealthChecks& liveness,
                   const HealthChecks& readiness);

}  // namespace ps::observe
