#include "observe/health_checks.h"

#include <gtest/gtest.h>

#include <atomic>

namespace ps::observe {
namespace {

TEST(HealthChecksTest, ReadyOnlyWhenEveryCheckPasses) {
  HealthChecks checks;
  EXPECT_EQ(checks.evaluate().status, 200) << "no checks: fine";
  std::atomic<bool> synced{false};
  checks.add("informers-synced", [&]() -> core::Status {
    if (synced) return core::succeeded();
    return core::failed("pluginruns cache not synced");
  });
  checks.add("ping", [] { return core::succeeded(); });
  auto notReady = checks.evaluate();
  EXPECT_EQ(notReady.status, 500);
  EXPECT_EQ(notReady.body, "[-]informers-synced failed: pluginruns cache not synced\n");
  synced = true;
  auto ready = checks.evaluate();
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ok\n");
}

TEST(HealthChecksTest, RoutesServeMetricsAndProbes) {
  MetricsRegistry metrics;
  HealthChecks live;
  HealthChecks ready;
  ready.add("never", [] { return core::failed("no"); });
  const Routes routes = probeRoutes(metrics, live, ready);
  EXPECT_EQ(dispatchRoute(routes, {"GET", "/healthz"}).status, 200);
  EXPECT_EQ(dispatchRoute(routes, {"GET", "/readyz"}).status, 500);
  const auto scrape = dispatchRoute(routes, {"GET", "/metrics"});
  EXPECT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.contentType.find("version=0.0.4"), std::string::npos);
  EXPECT_EQ(dispatchRoute(routes, {"GET", "/secret"}).status, 404);
  EXPECT_EQ(dispatchRoute(routes, {"POST", "/healthz"}).status, 405);
}

}  // namespace
}  // namespace ps::observe
