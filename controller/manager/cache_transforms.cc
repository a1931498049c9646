#include "manager/cache_transforms.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "reconcile/conditions.h"
#include "reconcile/run_state.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

// `object` reduced to the members named in `keep` (absent ones stay absent); a non-object
// becomes an empty object, so later reads find nothing instead of a foreign shape.
json only(const json& object, std::initializer_list<const char*> keep) {
  json kept = json::object();
  if (!object.is_object()) return kept;
  for (const char* key : keep) {
    const auto found = object.find(key);
    if (found != object.end()) kept[key] = *found;
  }
  return kept;
}

json member(json& object, const char* key) {
  if (!object.is_object()) return json();
  const auto found = object.find(key);
  return found == object.end() ? json() : std::move(*found);
}

json trimmedMetadata(const json& metadata) {
  return only(metadata, {"name", "namespace", "uid", "resourceVersion", "generation",
                         "creationTimestamp", "deletionTimestamp", "labels", "ownerReferences"});
}

// Each container status as observePod reads it: its name and state (running/terminated/waiting).
json trimmedContainerStatuses(const json& statuses) {
  if (!statuses.is_array()) return statuses;
  json kept = json::array();
  for (const json& entry : statuses) kept.push_back(only(entry, {"name", "state"}));
  return kept;
}

}  // namespace

// A finished run's status as later visits read it: terminal is terminal, so no visit writes it
// again (the result, messages and other conditions stay on the server) and only what decides the
// state, the TTL and the backstop remains: most cached runs are finished ones.
json finishedStatus(const json& status) {
  json kept = only(status, {"startTime", "completionTime", "podName", "observedGeneration"});
  for (const json& condition : status.value("conditions", json::array())) {
    if (condition.is_object() && condition.value("type", "") == "Succeeded") {
      kept["conditions"] = json::array({only(condition, {"type", "status", "reason"})});
    }
  }
  return kept;
}

void trimPluginRun(json& run) {
  json trimmed = only(run, {"apiVersion", "kind", "spec", "status"});
  trimmed["metadata"] = trimmedMetadata(member(run, "metadata"));
  const json& status = trimmed.contains("status") ? trimmed["status"] : json();
  if (isTerminal(runStateFromStatus(status))) trimmed["status"] = finishedStatus(status);
  run = std::move(trimmed);
}

void trimAndPackPluginRun(json& run) {
  trimPluginRun(run);
  if (!isTerminal(runStateFromStatus(run.contains("status") ? run["status"] : json()))) return;
  const json& metadata = run["metadata"];
  json packed = {{"metadata", only(metadata, {"name", "namespace", "resourceVersion"})}};
  std::vector<std::uint8_t> bytes = json::to_msgpack(run);
  bytes.shrink_to_fit();
  packed[kPackedRun] = json::binary(std::move(bytes));
  run = std::move(packed);
}

bool isPackedRun(const json& run) {
  return run.is_object() && run.contains(kPackedRun);
}

kube::ObjectPtr unpackedRun(const kube::ObjectPtr& run) {
  if (!run || !isPackedRun(*run)) return run;
  const json& packed = (*run)[kPackedRun];
  if (!packed.is_binary()) return nullptr;
  json unpacked = json::from_msgpack(packed.get_binary(), true, false);
  if (unpacked.is_discarded() || !unpacked.is_object()) return nullptr;
  return std::make_shared<const json>(std::move(unpacked));
}

void trimPod(json& pod) {
  json trimmed = only(pod, {"apiVersion", "kind"});
  trimmed["metadata"] = trimmedMetadata(member(pod, "metadata"));
  const json spec = only(member(pod, "spec"), {"activeDeadlineSeconds"});
  if (!spec.empty()) trimmed["spec"] = spec;
  json status = member(pod, "status");
  if (status.is_object()) {
    json kept = only(status, {"phase", "reason", "message", "startTime"});
    if (status.contains("containerStatuses")) {
      kept["containerStatuses"] = trimmedContainerStatuses(status["containerStatuses"]);
    }
    trimmed["status"] = std::move(kept);
  }
  pod = std::move(trimmed);
}

namespace {

bool hasManifest(const json& configMap, const char* map) {
  const auto found = configMap.find(map);
  return found != configMap.end() && found->is_object() && found->contains("manifest.json");
}

}  // namespace

void trimConfigMap(json& configMap) {
  json trimmed = only(configMap, {"apiVersion", "kind"});
  trimmed["metadata"] = trimmedMetadata(member(configMap, "metadata"));
  const bool plugin = configMap.is_object() &&
                      (hasManifest(configMap, "data") || hasManifest(configMap, "binaryData"));
  if (plugin) {
    for (const char* map : {"data", "binaryData"}) {
      json content = member(configMap, map);
      if (!content.is_null()) trimmed[map] = std::move(content);
    }
  } else {
    trimmed[kContentDropped] = true;
  }
  configMap = std::move(trimmed);
}

bool contentDropped(const json& configMap) {
  return !configMap.is_object() || configMap.contains(kContentDropped);
}

}  // namespace ps::reconcile
