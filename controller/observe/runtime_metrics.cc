#include "observe/runtime_metrics.h"

namespace ps::observe {
namespace {

prometheus::Histogram::BucketBoundaries latencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

// Plugin runs last seconds to a day (the CRD's timeout maximum), queueing included.
prometheus::Histogram::BucketBoundaries runBuckets() {
  return {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};
}

}  // namespace

std::string hostOfUrl(const std::string& url) {
  const auto scheme = url.find("://");
  const std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  std::string host = rest.substr(0, rest.find_first_of("/?#"));
  const auto at = host.rfind('@');  // user info is not part of the host
  return at == std::string::npos ? host : host.substr(at + 1);
}

RestClientMetrics::RestClientMetrics(MetricsRegistry& registry, const std::string& server)
    : host_(hostOfUrl(server)),
      requests_(prometheus::BuildCounter()
                    .Name("rest_client_requests_total")
                    .Help("Number of HTTP requests, partitioned by status code, method, and host.")
                    .Register(registry.registry())),
      latency_(prometheus::BuildHistogram()
                   .Name("rest_client_request_duration_seconds")
                   .Help("Request latency to the API server, by verb.")
                   .Register(registry.registry())) {}

void RestClientMetrics::requestDone(std::string_view verb, std::string_view method,
                                    std::string_view code, double seconds) {
  // prometheus-cpp families are thread-safe; Add() returns the existing child when labels match.
  requests_.Add({{"code", std::string(code)}, {"method", std::string(method)}, {"host", host_}})
      .Increment();
  latency_.Add({{"verb", std::string(verb)}}, latencyBuckets()).Observe(seconds);
}

WorkQueueMetrics::WorkQueueMetrics(MetricsRegistry& registry, const std::string& queueName)
    : depth_(prometheus::BuildGauge()
                 .Name("workqueue_depth")
                 .Help("Current depth of the work queue.")
                 .Register(registry.registry())
                 .Add({{"name", queueName}})),
      adds_(prometheus::BuildCounter()
                .Name("workqueue_adds_total")
                .Help("Total number of adds handled by the work queue.")
                .Register(registry.registry())
                .Add({{"name", queueName}})),
      retries_(prometheus::BuildCounter()
                   .Name("workqueue_retries_total")
                   .Help("Total number of retries handled by the work queue.")
                   .Register(registry.registry())
                   .Add({{"name", queueName}})),
      queueDuration_(prometheus::BuildHistogram()
                         .Name("workqueue_queue_duration_seconds")
                         .Help("How long an item stays in the work queue before being requested.")
                         .Register(registry.registry())
                         .Add({{"name", queueName}}, latencyBuckets())) {}

void WorkQueueMetrics::added() {
  adds_.Increment();
}
void WorkQueueMetrics::depth(std::size_t items) {
  depth_.Set(static_cast<double>(items));
}
void WorkQueueMetrics::retried() {
  retries_.Increment();
}
void WorkQueueMetrics::queued(double seconds) {
  queueDuration_.Observe(seconds);
}

ReconcileMetrics::ReconcileMetrics(MetricsRegistry& registry, const std::string& controllerName)
    : controller_(controllerName),
      total_(prometheus::BuildCounter()
                 .Name("controller_runtime_reconcile_total")
                 .Help("Total number of reconciliations per controller, by result.")
                 .Register(registry.registry())),
      errors_(prometheus::BuildCounter()
                  .Name("controller_runtime_reconcile_errors_total")
                  .Help("Total number of reconciliation errors per controller.")
                  .Register(registry.registry())
                  .Add({{"controller", controllerName}})),
      time_(prometheus::BuildHistogram()
                .Name("controller_runtime_reconcile_time_seconds")
                .Help("Length of time per reconciliation per controller.")
                .Register(registry.registry())
                .Add({{"controller", controllerName}}, latencyBuckets())),
      active_(prometheus::BuildGauge()
                  .Name("controller_runtime_active_workers")
                  .Help("Number of currently used workers per controller.")
                  .Register(registry.registry())
                  .Add({{"controller", controllerName}})) {
  // Pre-create every result so dashboards see zeros rather than missing series.
  for (const char* result : {"success", "error", "requeue", "requeue_after"})
    total_.Add({{"controller", controller_}, {"result", result}});
}

void ReconcileMetrics::reconciled(std::string_view result, double seconds) {
  total_.Add({{"controller", controller_}, {"result", std::string(result)}}).Increment();
  if (result == "error") errors_.Increment();
  time_.Observe(seconds);
}

void ReconcileMetrics::activeWorkers(int workers) {
  active_.Set(workers);
}

RunMetrics::RunMetrics(MetricsRegistry& registry, const std::vector<std::string>& terminalReasons)
    : finished_(prometheus::BuildCounter()
                    .Name("plugin_sandbox_runs_finished_total")
                    .Help("PluginRuns that reached a terminal state, by reason.")
                    .Register(registry.registry())),
      duration_(prometheus::BuildHistogram()
                    .Name("plugin_sandbox_run_duration_seconds")
                    .Help("Seconds from a PluginRun's creation to its completion, by reason.")
                    .Register(registry.registry())),
      queued_(prometheus::BuildGauge()
                  .Name("plugin_sandbox_runs_queued")
                  .Help("PluginRuns waiting as Queued for a --max-running slot.")
                  .Register(registry.registry())
                  .Add({})),
      running_(prometheus::BuildGauge()
                   .Name("plugin_sandbox_runs_running")
                   .Help("PluginRuns whose plugin is running (Pod created, not finished).")
                   .Register(registry.registry())
                   .Add({})) {
  for (const std::string& reason : terminalReasons) {
    finished_.Add({{"reason", reason}});
    duration_.Add({{"reason", reason}}, runBuckets());
  }
}

void RunMetrics::finished(std::string_view reason, double seconds) {
  finished_.Add({{"reason", std::string(reason)}}).Increment();
  duration_.Add({{"reason", std::string(reason)}}, runBuckets()).Observe(seconds);
}

void RunMetrics::counts(std::size_t queued, std::size_t running) {
  queued_.Set(static_cast<double>(queued));
  running_.Set(static_cast<double>(running));
}

}  // namespace ps::observe
