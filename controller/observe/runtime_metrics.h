#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <map>
#include <mutex>
#include <string>

#include "kube/instrumentation.h"
#include "observe/metrics_registry.h"

namespace ps::observe {

// The controller-runtime / client-go metric names, so existing dashboards work unchanged.

// rest_client_requests_total{verb,code}, rest_client_request_duration_seconds{verb}.
class RestClientMetrics final : public kube::RequestMetrics {
 public:
  explicit RestClientMetrics(MetricsRegistry& registry);
  void requestDone(std::string_view verb, std::string_view code, double seconds) override;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

// workqueue_depth / workqueue_adds_total / workqueue_retries_total /
// workqueue_queue_duration_seconds, labelled {name}.
class WorkQueueMetrics final : public kube::QueueMetrics {
 public:
  WorkQueueMetrics(MetricsRegistry& registry, const std::string& queueName);
  void added() override;
  void depth(std::size_t items) override;
  void retried() override;
  void queued(double seconds) override;

 private:
  prometheus::Gauge& depth_;
  prometheus::Counter& adds_;
  prometheus::Counter& retries_;
  prometheus::Histogram& queueDuration_;
};

// controller_runtime_reconcile_total{controller,result}, controller_runtime_reconcile_errors_total,
// controller_runtime_reconcile_time_seconds, controller_runtime_active_workers.
class ReconcileMetrics final : public kube::ReconcileMetrics {
 public:
  ReconcileMetrics(MetricsRegistry& registry, const std::string& controllerName);
  void reconciled(std::string_view result, double seconds) override;
  void activeWorkers(int workers) override;

 private:
  const std::string controller_;
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Counter& errors_;
  prometheus::Histogram& time_;
  prometheus::Gauge& active_;
};

}  // namespace ps::observe
