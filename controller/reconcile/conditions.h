#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/run_state.h"

namespace ps::reconcile {

// One metav1.Condition. lastTransitionTime is filled by setCondition.
struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;  // UpperCamelCase
  std::string message;
  int64_t observedGeneration = 0;
};

// The four conditions a run carries in `state` (DESIGN.md "PluginRun"): Succeeded is primary;
// Ready, Reconciling and Stalled follow kstatus so Flux and Argo CD read the run correctly.
std::vector<Condition> conditionsFor(RunState state, std::string_view message, int64_t generation);

// Inserts or updates `desired` in a JSON array of conditions. lastTransitionTime is set to `now`
// only when the condition is new or its status flips; reason, message and observedGeneration are
// always refreshed. Non-objects in the array are dropped (status is ours to write).
void setCondition(nlohmann::json& conditions, const Condition& desired, TimePoint now);

// What one visit wants to record. Unset fields keep what the previous status held.
struct StatusUpdate {
  int64_t generation = 0;
  RunState state = RunState::Validating;
  std::string message;
  std::optional<std::string> pluginId, pluginVersion, signedBy, podName;
  std::optional<bool> policyConfigured;  // false => status says "no policy configured"
  std::optional<TimePoint> startTime;
  std::optional<RunOutcome> outcome;  // completionTime, exitCode, result (cut by resultText)
};

// The new PluginRun status from the previous one (may be null or not an object) and an update.
nlohmann::json buildStatus(const nlohmann::json& previous, const StatusUpdate& update,
                           TimePoint now);

// The state recorded in a status: the Succeeded condition's reason. A status without one (the
// first visit) or with a reason we do not know is Validating, the start of the lifecycle.
RunState runStateFromStatus(const nlohmann::json& status);

// Condition messages hold text from plugins and users: valid UTF-8, at most this many bytes.
inline constexpr size_t kMaxConditionMessageBytes = 1024;
// crds/pluginruns.yaml: status.conditions maxItems.
inline constexpr size_t kMaxConditions = 8;

}  // namespace ps::reconcile
