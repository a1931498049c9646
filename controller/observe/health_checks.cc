#include "observe/health_checks.h"

namespace ps::observe {

void HealthChecks::add(std::string name, Check check) {
  MutexLock lock(mutex_);
  checks_.emplace_back(std::move(name), std::move(check));
}

ServerResponse HealthChecks::evaluate() const {
  std::vector<std::pair<std::string, Check>> checks;
  {
    MutexLock lock(mutex_);
    checks = checks_;
  }
  std::string failures;
  for (const auto& [name, check] : checks) {
    if (auto passed = check(); !passed)
      failures += "[-]" + name + " failed: " + passed.error() + "\n";
  }
  if (failures.empty()) return {200, "text/plain; charset=utf-8", "ok\n"};
  return {500, "text/plain; charset=utf-8", failures};
}

Routes probeRoutes(const MetricsRegistry& metrics, const HealthChecks& liveness,
                   const HealthChecks& readiness) {
  Routes routes;
  routes["/metrics"] = [&metrics](const ServerRequest&) {
    return ServerResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics.serializeText()};
  };
  routes["/healthz"] = [&liveness](const ServerRequest&) { return liveness.evaluate(); };
  routes["/readyz"] = [&readiness](const ServerRequest&) { return readiness.evaluate(); };
  return routes;
}

}  // namespace ps::observe
