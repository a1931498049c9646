#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

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

// spec.podTemplate: where and how the Pod is scheduled (the subset Tekton's podTemplate offers).
// Nothing in it can weaken the sandbox: the Pod's security settings are the builder's alone.
struct PodTemplate {
  std::map<std::string, std::string> nodeSelector;
  nlohmann::json tolerations = nlohmann::json::array();  // checked: key, operator, value, effect
  std::optional<std::string> priorityClassName;
  std::vector<std::string> imagePullSecrets;
  std::optional<std::string> runtimeClassName;  // allowed only if the controller lists it
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
inline constexpr size_t kMaxNodeSelectorEntries = 32;
inline constexpr size_t kMaxTolerations = 16;
inline constexpr size_t kMaxImagePullSecrets = 8;

// Reads a PluginRun object (from the API or a YAML file). Rule "spec" with a message naming the
// field for: wrong apiVersion/kind, a missing or invalid name, no spec.plugin.configMap, more
// than one input, a non-positive timeout, a bad quantity, unknown fields, wrong types.
core::Result<PluginRun> parsePluginRun(const nlohmann::json& object);

// DNS-1123 subdomain (object names) and label (namespaces) as the API server checks them.
bool isDnsSubdomain(std::string_view name);
bool isDnsLabel(std::string_view name);

}  // namespace ps::reconcile
