#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kube/controller.h"
#include "kube/kube_error.h"
#include "reconcile/launch_refusal.h"
#include "reconcile/run_state.h"
#include "reconcile/run_visit.h"

namespace ps::reconcile {

// Where an accepted run's workload runs. The reconciler and planVisit decide; an executor only
// carries out "launch", "delete" and "observe". Whatever runs the plugin reports back as a Pod
// object shaped like the kubelet's (phase, containerStatuses[0].state.terminated), so
// observePod/planVisit give the same statuses whichever executor ran it.
class RunExecutor {
 public:
  virtual ~RunExecutor() = default;

  // The run's workload as a Pod object; nullopt = there is none. `state` is the run's state as
  // read from its status (a Running run whose workload is missing deserves a second look).
  virtual kube::Result<std::optional<nlohmann::json>> observe(const nlohmann::json& run,
                                                              RunState state,
                                                              const std::string& podName) = 0;

  // Starts the workload of `plan` (decision.createPod: plan.pod and plan.launch are set).
  // goOn = started or already there; otherwise the result that ends the visit early.
  virtual kube::VisitStep launch(const std::string& key, const nlohmann::json& run,
                                 const VisitPlan& plan) = 0;

  // Why the last launch of `key` was refused (the API server's admission answer), if it was,
  // and whether that refusal is retried (transient) or ends the run.
  virtual std::optional<LaunchRefusal> launchRefusal(const std::string& key) = 0;
  // The run reached a terminal state: its refusal has been reported.
  virtual void forgetRefusal(const std::string& key) = 0;

  // Stops and removes the run's workload; not finding it is success.
  virtual kube::Result<kube::Done> remove(const std::string& ns, const std::string& podName) = 0;

  // The run `key` is gone from the (synced) cache: remove everything it left behind.
  virtual kube::Result<kube::Done> cleanUpAfter(const std::string& key) = 0;
};

}  // namespace ps::reconcile
