#pragma once

#include <string>
#include <vector>

#include "core/trust_check.h"
#include "kube/api_client.h"
#include "kube/stop_signal.h"
#include "observe/logger.h"
#include "observe/metrics_registry.h"
#include "reconcile/plugin_run_reconciler.h"
#include "reconcile/trust_snapshot.h"

namespace ps::reconcile {

struct ManagerOptions {
  std::vector<std::string> watchNamespaces;  // empty = all namespaces
  int workers = 2;
  ReconcilerOptions reconciler;
  std::string metricsBindAddress = ":8080";  // "0" disables
  std::string healthProbeBindAddress = ":8081";
  bool leaderElect = false;
  std::string leaseNamespace = "default";
  std::string leaseName = "plugin-controller";
  std::string identity;  // unique per replica
};

// Wires the PluginRun controller: informers on PluginRuns and on sandbox Pods, one pair per watched
// namespace or one pair over all namespaces (a Pod's change
// visits its owning run), a work queue with N workers running PluginRunReconciler, /metrics,
// /healthz and /readyz (ready once both caches synced), and optional leader election (workers
// start only while leading; losing the lease ends the process, as controller-runtime does).
// Returns the process exit status once `stop` fires or leadership is lost.
int runControllerManager(kube::KubeClient& client, TrustProvider trust,
                         const ManagerOptions& options, observe::Logger& log,
                         observe::MetricsRegistry& metrics, kube::StopSignal& stop);

}  // namespace ps::reconcile
