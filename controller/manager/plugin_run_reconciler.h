#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/trust_check_memo.h"
#include "executor/run_executor.h"
#include "kube/api_client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/store_group.h"
#include "observe/logger.h"
#include "observe/runtime_metrics.h"
#include "reconcile/controller_settings.h"
#include "reconcile/run_slots.h"
#include "reconcile/run_visit.h"
#include "trust/trust_snapshot.h"

namespace ps::reconcile {

struct ReconcilerOptions {
  ControllerSettings settings;
  size_t maxRunning = 0;              // 0 = no cap
  size_t maxRunningPerNamespace = 0;  // 0 = no cap
  std::string component = "plugin-controller";
  // Posts Events off the worker (best effort, not owned); null posts them within the visit.
  kube::EventRecorder* events = nullptr;
  // Each change of a run's state at debug level (not owned); null logs nothing.
  observe::Logger* log = nullptr;
  // Counts each run that reaches a terminal state (not owned); null counts nothing.
  observe::RunMetrics* runMetrics = nullptr;
  // The plugin ConfigMaps of the watched namespaces as informers cache them (trimConfigMap in
  // cache_transforms.h; not owned). A launch reads its ConfigMap from there once
  // `configMapsSynced` says so; null, not synced, not cached or its content not kept = a live GET.
  const kube::StoreGroup* configMaps = nullptr;
  std::function<bool()> configMapsSynced;
};

// Whether every cache the reconciler reads has synced. Until then a run missing from the cache
// may simply not be listed yet, so nothing is cleaned up on its account.
using CachesSynced = std::function<bool()>;

// One visit of one PluginRun, performed against the API: gathers what planVisit needs (the run
// from the informer cache, its workload from the executor, the plugin ConfigMap from its cache or
// a live GET)
// and carries out the plan (launch through the executor, status with resourceVersion, Events,
// deletes, requeue).
class PluginRunReconciler {
 public:
  // The cache, the client and the executor must outlive the reconciler. `trust` is asked once
  // per visit.
  PluginRunReconciler(
      kube::KubeClient& client, const kube::StoreGroup& runs, RunExecutor& executor,
      TrustProvider trust, ReconcilerOptions options, CachesSynced synced = [] { return true; });

  kube::ReconcileResult reconcile(const std::string& key);

 private:
  struct Observed {
    std::optional<nlohmann::json> pod;
    kube::ObjectPtr configMap;  // null = not found
    bool capacityAvailable = true;
    std::string capacityCap;  // what holds it back when not available
  };
  kube::Result<kube::Done> observe(const nlohmann::json& run, const std::string& podName,
                                   Observed& observed);
  kube::Result<kube::ObjectPtr> readConfigMap(const std::string& ns, const std::string& name);
  SlotVerdict slotFor(const std::string& key) const;
  std::string capName(SlotVerdict verdict, const std::string& ns) const;
  kube::ReconcileResult cleanUpAfter(const std::string& key);
  kube::VisitStep writeStatus(const nlohmann::json& run, const nlohmann::json& status);
  void recordEvents(const nlohmann::json& run, const VisitPlan& plan);
  void recordStateChange(const std::string& key, const nlohmann::json& run,
                         const Decision& decision);
  kube::ReconcileResult perform(const std::string& key, const nlohmann::json& run,
                                const VisitPlan& plan);

  kube::KubeClient& client_;
  const kube::StoreGroup& runs_;
  RunExecutor& executor_;
  const TrustProvider trust_;
  const ReconcilerOptions options_;
  const CachesSynced synced_;
  // Accepted trust checks by (file digests, key ring, policy): a run of an unchanged plugin
  // ConfigMap verifies no signature again. Keyed by the trust digests, so it survives reloads.
  core::TrustCheckMemo trustChecks_;
};

}  // namespace ps::reconcile
