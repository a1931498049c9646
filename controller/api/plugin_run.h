#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/pod_template.h"
#include "api/spec_fields.h"
#include "core/result.h"
#include "kube/quantity.h"

namespace ps::reconcile {

inline constexpr const char* kApiGroup = "sandbox.plugins.dev";
inline constexpr const char* kApiVersion = "sandbox.plugins.dev/v1alpha1";
inline constexpr const char* kKind = "PluginRun";

struct InputSource {
  enum class Kind { ConfigMap, PersistentVolumeClaim };
  Kind kind = Kind::ConfigMap;
  std::string name;
};

// A PluginRun, checked: every field has the type and range DESIGN.md gives it.
struct PluginRun {
  std::string name;
  std::string namespaceName = "default";
  std::string uid;  // empty for a file not yet applied (pluginctl render)
  int64_t generation = 0;
  std::string pluginConfigMap;
  std::optional<InputSource> input;
  std::vector<std::string> args;
  std::optional<int64_t> timeoutSeconds;
  std::optional<kube::Quantity> cpuLimit;
  std::optional<kube::Quantity> memoryLimit;
  std::optional<int64_t> ttlSecondsAfterFinished;
  std::optional<int64_t> ttlSecondsAfterFailure;  // replaces the one above for a failed run
  bool cancelRequested = false;                   // spec.status: Cancelled
  std::optional<PodTemplate> podTemplate;
};

// The one value of spec.status, and the one change the CRD allows to a spec (Tekton's cancel).
inline constexpr const char* kCancelledSpecStatus = "Cancelled";

// Bounds that keep a run's spec (and the Pod made from it) small; the CRD states the same.
inline constexpr size_t kMaxArgs = 64;
inline constexpr size_t kMaxArgBytes = 4096;
inline constexpr int64_t kMaxTimeoutSeconds = 86400;    // one day
inline constexpr int64_t kMaxTtlSeconds = 365 * 86400;  // one year

// Reads a PluginRun object (from the API or a YAML file). Rule "spec" with a message naming the
// field for: wrong apiVersion/kind, a missing or invalid name, no spec.plugin.configMap, more
// than one input, a non-positive timeout, a bad quantity, unknown fields, wrong types.
core::Result<PluginRun> parsePluginRun(const nlohmann::json& object);

// What the API server accepts as a custom resource's metadata.name, a DNS-1123 subdomain: at most
// 253 characters of [a-z0-9-.], each dot-separated part starting and ending alphanumeric. Unlike
// a DNS label, a part may be longer than 63 (the Pod's name is made to fit: pod_naming.h).
bool isObjectName(std::string_view name);

}  // namespace ps::reconcile
