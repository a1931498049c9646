#include "reconcile/pod_observation.h"

#include <limits>

#include "core/number_parse.h"
#include "kube/json_member.h"
#include "kube/rfc3339.h"
#include "reconcile/pod_builder.h"

namespace ps::reconcile {
namespace {

using kube::member;
using kube::stringMember;
using nlohmann::json;

const json& nullJson() {
  static const json kNull;
  return kNull;
}

std::optional<TimePoint> time(const json& value) {
  return value.is_string() ? kube::parseRfc3339(value.get<std::string>()) : std::nullopt;
}

PodPhase phaseFrom(const std::string& phase) {
  if (phase == "Pending" || phase.empty()) return PodPhase::Pending;
  if (phase == "Running") return PodPhase::Running;
  if (phase == "Succeeded") return PodPhase::Succeeded;
  if (phase == "Failed") return PodPhase::Failed;
  return PodPhase::Unknown;
}

// The plugin container's status; the first container when none carries our name.
const json& pluginContainerStatus(const json& status) {
  const json& statuses = member(status, "containerStatuses");
  if (!statuses.is_array() || statuses.empty()) return nullJson();
  for (const auto& entry : statuses) {
    if (stringMember(entry, "name") == kContainerName) return entry;
  }
  return statuses.front();
}

std::optional<PodObservation::Terminated> terminatedFrom(const json& containerStatus) {
  const json& terminated = member(member(containerStatus, "state"), "terminated");
  if (!terminated.is_object()) return std::nullopt;
  PodObservation::Terminated result;
  const json& exitCode = member(terminated, "exitCode");
  if (exitCode.is_number_integer()) {
    const auto value = core::jsonInteger(exitCode, std::numeric_limits<int32_t>::min(),
                                         std::numeric_limits<int32_t>::max());
    result.exitCode = value ? static_cast<int32_t>(*value) : -1;
  }
  result.reason = stringMember(terminated, "reason");
  result.message = stringMember(terminated, "message");
  result.finishedAt = time(member(terminated, "finishedAt"));
  return result;
}

std::optional<PodObservation::Waiting> waitingFrom(const json& containerStatus) {
  const json& waiting = member(member(containerStatus, "state"), "waiting");
  if (!waiting.is_object()) return std::nullopt;
  return PodObservation::Waiting{stringMember(waiting, "reason"), stringMember(waiting, "message")};
}

}  // namespace

PodObservation observePod(const json& pod) {
  PodObservation observation;
  const json& status = member(pod, "status");
  observation.phase = phaseFrom(stringMember(status, "phase"));
  observation.reason = stringMember(status, "reason");
  observation.message = stringMember(status, "message");
  observation.deleting = member(member(pod, "metadata"), "deletionTimestamp").is_string();
  observation.startedAt = time(member(status, "startTime"));
  observation.terminated = terminatedFrom(pluginContainerStatus(status));
  observation.waiting = waitingFrom(pluginContainerStatus(status));
  return observation;
}

}  // namespace ps::reconcile
