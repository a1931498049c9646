#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/instrumentation.h"
#include "observe/metrics_registry.h"

namespace ps::observe {

// The controller-runtime / client-go metric names, so existing dashboards work unchanged.

// rest_client_requests_total{code,method,host} as controller-runtime labels it (`host` the API
// server's host:port), rest_client_request_duration_seconds{verb}.
class RestClientMetrics final : public kube::RequestMetrics {
 public:
  // `server` is the API server's URL (kubeconfig `server`, e.g. https://10.0.0.1:6443).
  explicit RestClientMetrics(MetricsRegistry& registry, const std::string& server = "");
  void requestDone(std::string_view verb, std::string_view method, std::string_view code,
                   double seconds) override;

 private:
  const std::string host_;
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

// What PluginRuns do, beside the controller's own metrics:
// plugin_sandbox_runs_finished_total{reason} (runs by terminal reason),
// plugin_sandbox_run_duration_seconds{reason} (creation to completion, the queue included),
// plugin_sandbox_runs_queued and plugin_sandbox_runs_running (set from the cache at each scrape).
class RunMetrics {
 public:
  // Every reason in `terminalReasons` starts at 0, so dashboards see zeros, not missing series.
  RunMetrics(MetricsRegistry& registry, const std::vector<std::string>& terminalReasons);
  void finished(std::string_view reason, double seconds);
  void counts(std::size_t queued, std::size_t running);

 private:
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& queued_;
  prometheus::Gauge& running_;
};

// The host:port of a URL ("https://10.0.0.1:6443/prefix" -> "10.0.0.1:6443"), as Go's url.Host.
std::string hostOfUrl(const std::string& url);

}  // namespace ps::observe
