#include "reconcile/conditions.h"

#include <algorithm>

#include "core/utf8.h"
#include "kube/json_member.h"
#include "kube/rfc3339.h"
#include "reconcile/result_text.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

// The head of a message matters most (it names the rule); cut the tail on a character boundary.
std::string boundedMessage(std::string_view message) {
  std::string text = sanitizeUtf8(message);
  if (text.size() <= kMaxConditionMessageBytes) return text;
  return std::string(core::utf8Head(text, kMaxConditionMessageBytes - core::kEllipsis.size())) +
         std::string(core::kEllipsis);
}

struct ConditionStatuses {
  const char* succeeded;
  const char* ready;
  const char* reconciling;
  const char* stalled;
};

ConditionStatuses statusesFor(RunState state) {
  if (!isTerminal(state)) return {"Unknown", "False", "True", "False"};
  if (state == RunState::Succeeded) return {"True", "True", "False", "False"};
  return {"False", "False", "False", "True"};
}

}  // namespace

std::vector<Condition> conditionsFor(RunState state, std::string_view message, int64_t generation) {
  const ConditionStatuses statuses = statusesFor(state);
  const std::string reason(reasonOf(state));
  const std::string text = boundedMessage(message);
  return {
      {"Succeeded", statuses.succeeded, reason, text, generation},
      {"Ready", statuses.ready, reason, text, generation},
      {"Reconciling", statuses.reconciling, reason, text, generation},
      {"Stalled", statuses.stalled, reason, text, generation},
  };
}

void setCondition(json& conditions, const Condition& desired, TimePoint now) {
  if (!conditions.is_array()) conditions = json::array();
  json kept = json::array();
  json* existing = nullptr;
  for (auto& condition : conditions) {
    if (condition.is_object()) kept.push_back(condition);
  }
  conditions = std::move(kept);
  for (auto& condition : conditions) {
    if (kube::stringMember(condition, "type") == desired.type) existing = &condition;
  }
  if (existing == nullptr) {
    conditions.push_back(json::object());
    existing = &conditions.back();
  }
  json& target = *existing;
  const bool flipped = !target.contains("status") || target["status"] != desired.status ||
                       !target.contains("lastTransitionTime");
  target["type"] = desired.type;
  target["status"] = desired.status;
  target["reason"] = desired.reason;
  target["message"] = desired.message;
  target["observedGeneration"] = desired.observedGeneration;
  if (flipped) target["lastTransitionTime"] = kube::formatRfc3339(now);
}

json buildStatus(const json& previous, const StatusUpdate& update, TimePoint now) {
  json status = previous.is_object() ? previous : json::object();
  status["observedGeneration"] = update.generation;
  json conditions = status.contains("conditions") ? status["conditions"] : json::array();
  for (const auto& condition : conditionsFor(update.state, update.message, update.generation)) {
    setCondition(conditions, condition, now);
  }
  // The CRD allows kMaxConditions: make room by dropping the oldest conditions that are not ours.
  const auto foreign = [](const json& condition) {
    const std::string type = kube::stringMember(condition, "type");
    return type != "Succeeded" && type != "Ready" && type != "Reconciling" && type != "Stalled";
  };
  while (conditions.size() > kMaxConditions) {
    const auto oldest = std::find_if(conditions.begin(), conditions.end(), foreign);
    if (oldest == conditions.end()) break;  // only ours left (duplicates): nothing to drop
    conditions.erase(oldest);
  }
  status["conditions"] = std::move(conditions);
  if (update.pluginId) status["pluginID"] = sanitizeUtf8(*update.pluginId);
  if (update.pluginVersion) status["pluginVersion"] = sanitizeUtf8(*update.pluginVersion);
  if (update.signedBy) status["signedBy"] = *update.signedBy;
  if (update.podName) status["podName"] = *update.podName;
  if (update.policyConfigured) status["policyConfigured"] = *update.policyConfigured;
  if (update.startTime) status["startTime"] = kube::formatRfc3339(*update.startTime);
  if (update.outcome) {
    status["completionTime"] = kube::formatRfc3339(update.outcome->completionTime);
    if (update.outcome->exitCode) status["exitCode"] = *update.outcome->exitCode;
    if (!update.outcome->terminationMessage.empty()) {
      status["result"] = resultText(update.outcome->terminationMessage);
    }
  }
  return status;
}

RunState runStateFromStatus(const json& status) {
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array()) {
    return RunState::Validating;
  }
  for (const auto& condition : status["conditions"]) {
    if (!condition.is_object() || kube::stringMember(condition, "type") != "Succeeded") continue;
    return runStateFromReason(kube::stringMember(condition, "reason"))
        .value_or(RunState::Validating);
  }
  return RunState::Validating;
}

}  // namespace ps::reconcile
