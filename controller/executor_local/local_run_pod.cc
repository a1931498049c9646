#include "executor_local/local_run_pod.h"

#include "kube/rfc3339.h"
#include "reconcile/pod_builder.h"
#include "sandbox/termination_message.h"

namespace ps::reconcile {

using nlohmann::json;

namespace {

// The copy of the template's metadata a kubelet-made Pod would carry; nothing else of the spec
// matters to observePod except the deadline planVisit reads the clamped timeout from.
json templateMetadata(const json& podTemplate) {
  json metadata = json::object();
  if (!podTemplate.contains("metadata")) return metadata;
  for (const char* key : {"name", "namespace", "labels", "annotations", "ownerReferences"}) {
    if (podTemplate["metadata"].contains(key)) metadata[key] = podTemplate["metadata"][key];
  }
  return metadata;
}

std::string terminatedReason(const sandbox::RunResult& result) {
  if (result.memoryLimitHit) return "OOMKilled";
  if (result.outcome == sandbox::SandboxOutcome::kSetupFailed) return kSandboxSetupFailedReason;
  return result.exitCode == 0 ? "Completed" : "Error";
}

}  // namespace

json pendingLocalPod(const json& podTemplate, const std::string& uid, TimePoint created) {
  json metadata = templateMetadata(podTemplate);
  metadata["uid"] = uid;
  metadata["creationTimestamp"] = kube::formatRfc3339(created);
  json spec = json::object();
  const json deadline = podTemplate.value("/spec/activeDeadlineSeconds"_json_pointer, json());
  if (deadline.is_number_integer()) spec["activeDeadlineSeconds"] = deadline;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", metadata},
          {"spec", spec},
          {"status", {{"phase", "Pending"}}}};
}

void markLocalPodRunning(json& pod, TimePoint started) {
  pod["status"]["phase"] = "Running";
  pod["status"]["startTime"] = kube::formatRfc3339(started);
  pod["status"]["containerStatuses"] = {
      {{"name", kContainerName},
       {"state", {{"running", {{"startedAt", kube::formatRfc3339(started)}}}}}}};
}

void markLocalPodFinished(json& pod, const sandbox::RunResult& result, TimePoint finished) {
  const std::string startedAt =
      pod["status"].value("startTime", kube::formatRfc3339(finished - result.duration));
  // A sandbox that never started has no output; its own error is what a reader needs instead.
  const std::string message = result.outcome == sandbox::SandboxOutcome::kSetupFailed
                                  ? "the sandbox could not be set up: " + result.setupError
                                  : sandbox::terminationMessage(result.output);
  json terminated = {{"exitCode", result.exitCode},
                     {"reason", terminatedReason(result)},
                     {"message", message},
                     {"startedAt", startedAt},
                     {"finishedAt", kube::formatRfc3339(finished)}};
  pod["status"]["phase"] = result.exitCode == 0 ? "Succeeded" : "Failed";
  pod["status"]["startTime"] = startedAt;
  pod["status"]["containerStatuses"] = {
      {{"name", kContainerName}, {"state", {{"terminated", terminated}}}}};
}

void markLocalPodFailed(json& pod, const std::string& reason, const std::string& message) {
  pod["status"]["phase"] = "Failed";
  pod["status"]["reason"] = reason;
  pod["status"]["message"] = message;
}

json lostLocalPod(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"status",
           {{"phase", "Failed"},
            {"reason", kSandboxLostReason},
            {"message",
             "the local sandbox of this run was lost: the controller restarted while the plugin "
             "ran (its sandbox died with the old process)"}}}};
}

}  // namespace ps::reconcile
