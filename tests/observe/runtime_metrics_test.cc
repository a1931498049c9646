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
  RestClientMetrics rest(registry, "https://10.0.0.1:6443");

  reconcile.reconciled("success", 0.01);
  reconcile.reconciled("error", 0.02);
  reconcile.reconciled("error", 0.02);
  reconcile.activeWorkers(3);
  queue.added();
  queue.added();
  queue.depth(7);
  queue.retried();
  queue.queued(0.5);
  rest.requestDone("GET", "GET", "200", 0.003);
  rest.requestDone("WATCH", "GET", "<error>", 1);
  rest.requestDone("CREATE", "POST", "201", 0.01);

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
  // controller-runtime's labels: code, method (the HTTP method), host.
  EXPECT_TRUE(hasLine(
      text, R"(rest_client_requests_total{code="200",host="10.0.0.1:6443",method="GET"} 1)"))
      << text;
  EXPECT_TRUE(hasLine(
      text, R"(rest_client_requests_total{code="<error>",host="10.0.0.1:6443",method="GET"} 1)"));
  EXPECT_TRUE(hasLine(
      text, R"(rest_client_requests_total{code="201",host="10.0.0.1:6443",method="POST"} 1)"));
  EXPECT_TRUE(hasLine(text, R"(rest_client_request_duration_seconds_count{verb="WATCH"} 1)"));
  EXPECT_NE(text.find("# TYPE controller_runtime_reconcile_time_seconds histogram"),
            std::string::npos);
}

TEST(RuntimeMetricsTest, HostOfTheApiServerUrl) {
  EXPECT_EQ(hostOfUrl("https://10.0.0.1:6443"), "10.0.0.1:6443");
  EXPECT_EQ(hostOfUrl("https://kubernetes.default.svc/"), "kubernetes.default.svc");
  EXPECT_EQ(hostOfUrl("https://user@[::1]:6443/prefix?x=1"), "[::1]:6443");
  EXPECT_EQ(hostOfUrl("127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(hostOfUrl(""), "");
}

TEST(RuntimeMetricsTest, RunMetricsByReasonWithZerosAndGauges) {
  MetricsRegistry registry;
  RunMetrics runs(registry, {"Succeeded", "Failed", "Cancelled"});
  runs.finished("Failed", 42);
  runs.finished("Failed", 7);
  runs.counts(3, 5);
  const std::string text = registry.serializeText();
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_runs_finished_total{reason="Failed"} 2)")) << text;
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_runs_finished_total{reason="Succeeded"} 0)"));
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_runs_finished_total{reason="Cancelled"} 0)"));
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_run_duration_seconds_count{reason="Failed"} 2)"));
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_run_duration_seconds_sum{reason="Failed"} 49)"));
  EXPECT_TRUE(
      hasLine(text, R"(plugin_sandbox_run_duration_seconds_bucket{reason="Failed",le="10"} 1)"));
  EXPECT_TRUE(
      hasLine(text, R"(plugin_sandbox_run_duration_seconds_bucket{reason="Failed",le="60"} 2)"));
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_runs_queued 3)"));
  EXPECT_TRUE(hasLine(text, R"(plugin_sandbox_runs_running 5)"));
  EXPECT_NE(text.find("# TYPE plugin_sandbox_run_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("# TYPE plugin_sandbox_runs_finished_total counter"), std::string::npos);
}

TEST(MetricsRegistryTest, CollectHooksRunAtEachScrapeUntilDestroyed) {
  MetricsRegistry registry;
  RunMetrics runs(registry, {});
  int scrapes = 0;
  auto hook = registry.onCollect([&] { runs.counts(static_cast<size_t>(++scrapes), 0); });
  EXPECT_TRUE(hasLine(registry.serializeText(), "plugin_sandbox_runs_queued 1"));
  EXPECT_TRUE(hasLine(registry.serializeText(), "plugin_sandbox_runs_queued 2"));
  hook.reset();
  EXPECT_TRUE(hasLine(registry.serializeText(), "plugin_sandbox_runs_queued 2"));
  EXPECT_EQ(scrapes, 2);
}

}  // namespace
}  // namespace ps::observe
