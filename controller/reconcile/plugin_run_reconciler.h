#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/trust_check.h"
#include "kube/api_client.h"
#include "kube/controller.h"
#include "kube/store_group.h"
#include "reconcile/controller_settings.h"
#include "reconcile/run_visit.h"
#include "reconcile/trust_snapshot.h"

namespace ps::reconcile {

// The API resources the controller works on.
kube::GroupVersionResource pluginRunsResource();
kube::GroupVersionResource networkPoliciesResource();

// The work-queue key ("namespace/name") of the PluginRun owning a sandbox Pod, from its owner
// reference; nullopt for a Pod no PluginRun owns.
std::optional<std::string> runKeyForPod(const nlohmann::json& pod);

struct ReconcilerOptions {
  ControllerSettings settings;
  size_t maxRunning = 0;  // 0 = no cap
  std::string component = "plugin-controller";
};

// One visit of one PluginRun, performed against the API: gathers what planVisit needs (the run
// and its Pod from the informer caches, the plugin ConfigMap by a live GET) and carries out the
// plan (NetworkPolicy, Pod, status with resourceVersion, Events, deletes, requeue).
class PluginRunReconciler {
 public:
  // The caches and the client must outlive the reconciler. `trust` is asked once per visit.
  PluginRunReconciler(kube::KubeClient& client, const kube::StoreGroup& runs,
                      const kube::StoreGroup& pods, TrustProvider trust, ReconcilerOptions options);

  kube::ReconcileResult reconcile(const std::string& key);

 private:
  struct Observed {
    std::optional<nlohmann::json> pod;
    std::optional<nlohmann::json> configMap;
    bool capacityAvailable = true;
  };
  std::optional<kube::KubeError> observe(const nlohmann::json& run, const std::string& podName,
                                         Observed& observed);
  bool hasCapacity(const std::string& key) const;
  // Each returns the ReconcileResult that ends the visit early, or nullopt to go on.
  std::optional<kube::ReconcileResult> ensureNetworkPolicy(const std::string& ns,
                                                           const nlohmann::json& policy);
  std::optional<kube::ReconcileResult> createPod(const std::string& key, const std::string& ns,
                                                 const nlohmann::json& pod);
  std::optional<kube::ReconcileResult> writeStatus(const nlohmann::json& run,
                                                   const nlohmann::json& status);
  void recordEvents(const nlohmann::json& run, const VisitPlan& plan);
  kube::ReconcileResult perform(const std::string& key, const nlohmann::json& run,
                                const VisitPlan& plan);

  kube::KubeClient& client_;
  const kube::StoreGroup& runs_;
  const kube::StoreGroup& pods_;
  const TrustProvider trust_;
  const ReconcilerOptions options_;
  std::mutex mutex_;
  // The last refused Pod create of a run (403/422), reported on its next visit.
  std::map<std::string, std::string> admissionErrors_;  // guarded by mutex_
  // Namespaces whose deny-all NetworkPolicy this process created or found, and when: a launch then
  // costs no extra request. Re-checked after kNetworkPolicyRecheck in case someone deleted it.
  std::map<std::string, Clock::time_point> networkPolicyEnsured_;  // guarded by mutex_
};

}  // namespace ps::reconcile
