#pragma once

#include <chrono>
#include <map>
#include <string>

#include "core/annotated_mutex.h"
#include "executor/run_executor.h"
#include "kube/api_client.h"
#include "kube/store_group.h"

namespace ps::reconcile {

// Runs each accepted run as a hardened Pod: creates it (and the namespace's deny-all
// NetworkPolicy), reads it back from the Pod informer's cache, deletes it, and deletes the Pods of
// runs that are gone, for clusters where no garbage collector follows owner references.
class PodExecutor final : public RunExecutor {
 public:
  // The client and the Pod cache must outlive the executor.
  PodExecutor(kube::KubeClient& client, const kube::StoreGroup& pods);

  kube::Result<std::optional<nlohmann::json>> observe(const nlohmann::json& run, RunState state,
                                                      const std::string& podName) override;
  kube::VisitStep launch(const std::string& key, const nlohmann::json& run,
                         const VisitPlan& plan) override;
  std::optional<LaunchRefusal> launchRefusal(const std::string& key) override;
  void forgetRefusal(const std::string& key) override;
  kube::Result<kube::Done> remove(const std::string& ns, const std::string& podName) override;
  kube::Result<kube::Done> cleanUpAfter(const std::string& key) override;

 private:
  kube::VisitStep ensureNetworkPolicy(const std::string& ns, const nlohmann::json& policy);
  kube::VisitStep createPod(const std::string& key, const std::string& ns,
                            const nlohmann::json& pod);

  kube::KubeClient& client_;
  const kube::StoreGroup& pods_;
  Mutex mutex_;
  // The last refused Pod create of a run, reported on its next visit; a transient one also
  // counts the refusals in a row for the backoff. Erased when a create succeeds.
  std::map<std::string, LaunchRefusal> admissionErrors_ GUARDED_BY(mutex_);
  // Namespaces whose deny-all NetworkPolicy this process created or found, and when: a launch then
  // costs no extra request. Re-checked after a while in case someone deleted it.
  std::map<std::string, std::chrono::steady_clock::time_point> networkPolicyEnsured_
      GUARDED_BY(mutex_);
};

}  // namespace ps::reconcile
