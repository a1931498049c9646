#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/plugin_run.h"
#include "core/plugin_files.h"
#include "core/trust_check.h"
#include "reconcile/controller_settings.h"
#include "reconcile/launch_refusal.h"
#include "reconcile/run_limits.h"
#include "reconcile/run_state.h"

namespace ps::reconcile {

// Everything one reconcile of one PluginRun looked at. The loop fetches these (from its cache,
// with a live GET before it reports a Running run's Pod as missing) and performs the plan.
struct VisitInputs {
  const nlohmann::json* run = nullptr;        // the PluginRun object; required
  const nlohmann::json* pod = nullptr;        // the run's Pod (by podNameFor); null = none
  const nlohmann::json* configMap = nullptr;  // spec.plugin.configMap; null = not found
  core::TrustConfig trust;
  const ControllerSettings* settings = nullptr;  // required
  bool capacityAvailable = true;
  std::string capacityCap = "--max-running";     // the cap that holds it back, when not available
  std::optional<std::string> admissionError;     // the last Pod create was refused for good
  std::optional<LaunchRefusal> retryingRefusal;  // ... or for now: wait, then create again
  TimePoint now;
};

// What an executor that runs the plugin itself (not through a Pod) needs: exactly the bytes the
// trust core accepted, its verdict, and the limits the Pod would have got.
struct AcceptedLaunch {
  PluginRun run;
  core::AcceptedPlan accepted;
  core::PluginFiles files;  // from the ConfigMap this visit read, manifest.json included
  RunLimits limits;
};

// What to do, fully formed: the objects to create and the status to write.
struct VisitPlan {
  Decision decision;
  std::optional<nlohmann::json> pod;            // set when decision.createPod
  std::optional<AcceptedLaunch> launch;         // set when decision.createPod
  std::optional<nlohmann::json> networkPolicy;  // set when decision.ensureNetworkPolicy
  std::optional<nlohmann::json> status;         // set when decision.writeStatus
  std::vector<EventRecord> events;              // decision.event first, then notes
  // A finished run's metadata.generation that status.observedGeneration has not caught up with:
  // patch only that member (the state, conditions and result stay as they are).
  std::optional<int64_t> acknowledgeGeneration;
  std::string podName;  // always: the run's deterministic Pod name
};

// One visit: reads the state back from status, checks the plugin's ConfigMap bytes with the
// trust core when the run has not launched yet, decides with transition(), and builds the Pod,
// NetworkPolicy and status. A PluginRun whose spec is invalid is Rejected (rule "spec").
VisitPlan planVisit(const VisitInputs& inputs);

}  // namespace ps::reconcile
