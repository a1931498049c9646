#include "observe/runtime_metrics.h"

#include <gtest/gtest.h>

namespace ps::observe {
namespace {

bool hasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(RuntimeMetricsTest, ControllerRuntimeNamesAndLabels) {
  MetricsRegistry registry;
  ReconcileMetrics reconcile(registry, "pluginrun");
  WorkQueueMetrics queue(registry, "pluginrun");
  RestClientMetrics rest(registry);

  reconcile.reconciled("success", 0.01);
  reconcile.reconciled("error", 0.02);
  reconcile.reconciled("error", 0.02);
  reconcile.activeWorkers(3);
  queue.added();
  queue.added();
  queue.depth(7);
  queue.retried();
  queue.queued(0.5);
  rest.requestDone("GET", "200", 0.003);
  rest.requestDone("WATCH", "<error>", 1);

  const std::string text = registry.serializeText();
  EXPECT_TRUE(hasLine(
      text, R"(controller_runtime_reconcile_total{controller="pluginrun",result="success"} 1)"))
      << text;
  EXPECT_TRUE(hasLine(
      text, R"(controller_runtime_reconcile_total{controller="pluginrun",result="error"} 2)"));
  EXPECT_TRUE(hasLine(
      text, R"(controller_runtime_reconcile_total{controller="pluginrun",result="requeue"} 0)"));
  EXPECT_TRUE(
      hasLine(text, R"(controller_runtime_reconcile_errors_total{controller="pluginrun"} 2)"));
  EXPECT_TRUE(hasLine(
      text, R"(controller_runtime_reconcile_time_seconds_count{controller="pluginrun"} 3)"));
  EXPECT_TRUE(hasLine(text, R"(controller_runtime_active_workers{controller="pluginrun"} 3)"));
  EXPECT_TRUE(hasLine(text, R"(workqueue_depth{name="pluginrun"} 7)"));
  EXPECT_TRUE(hasLine(text, R"(workqueue_adds_total{name="pluginrun"} 2)"));
  EXPECT_TRUE(hasLine(text, R"(workqueue_retries_total{name="pluginrun"} 1)"));
  EXPECT_TRUE(hasLine(text, R"(rest_client_requests_total{code="200",verb="GET"} 1)"));
  EXPECT_TRUE(hasLine(text, R"(rest_client_requests_total{code="<error>",verb="WATCH"} 1)"));
  EXPECT_NE(text.find("# TYPE controller_runtime_reconcile_time_seconds histogram"),
            std::string::npos);
}

}  // namespace
}  // namespace ps::observe
