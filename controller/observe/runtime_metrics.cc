#include "observe/runtime_metrics.h"

namespace ps::observe {
namespace {

prometheus::Histogram::BucketBoundaries latencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace

RestClientMetrics::RestClientMetrics(MetricsRegistry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("rest_client_requests_total")
                    .Help("Number of HTTP requests to the API server, by verb and status code.")
                    .Register(registry.registry())),
      latency_(prometheus::BuildHistogram()
                   .Name("rest_client_request_duration_seconds")
                   .Help("Request latency to the API server, by verb.")
                   .Register(registry.registry())) {}

void RestClientMetrics::requestDone(std::string_view verb, std::string_view code, double seconds) {
  // prometheus-cpp families are thread-safe; Add() returns the existing child when labels match.
  requests_.Add({{"verb", std::string(verb)}, {"code", std::string(code)}}).Increment();
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

}  // namespace ps::observe
