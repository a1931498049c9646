#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace ps::reconcile {

// spec.podTemplate: where and how the Pod is scheduled (the subset Tekton's podTemplate offers).
// Nothing in it can weaken the sandbox: the Pod's security settings are the builder's alone.
struct PodTemplate {
  std::map<std::string, std::string> nodeSelector;
  nlohmann::json tolerations = nlohmann::json::array();  // checked: key, operator, value, effect
  nlohmann::json affinity = nlohmann::json::object();    // checked: node/pod(Anti)Affinity; {} none
  std::optional<std::string> priorityClassName;
  std::vector<std::string> imagePullSecrets;
  std::optional<std::string> runtimeClassName;  // allowed only if the controller lists it
};

// Bounds that keep a podTemplate (and the Pod made from it) small; the CRD states the same.
inline constexpr size_t kMaxNodeSelectorEntries = 32;
inline constexpr size_t kMaxTolerations = 16;
inline constexpr size_t kMaxImagePullSecrets = 8;
inline constexpr size_t kMaxAffinityTerms = 8;         // per list of terms
inline constexpr size_t kMaxSelectorRequirements = 8;  // matchExpressions, matchFields per term
inline constexpr size_t kMaxSelectorValues = 16;       // values per requirement
inline constexpr size_t kMaxMatchLabels = 16;
inline constexpr size_t kMaxAffinityNamespaces = 16;

// Reads a podTemplate object; `field` names it in rejections ("spec.podTemplate", or the flag
// --default-pod-template). Rule "spec"; unknown fields (hostNetwork, securityContext, ...) refused.
core::Result<PodTemplate> parsePodTemplate(const nlohmann::json& object, const std::string& field);

// The operator's defaults under a run's own template, field by field: each field the run sets
// replaces the default's whole (a run's nodeSelector is not merged key by key with the default's).
PodTemplate withDefaults(const std::optional<PodTemplate>& own, const PodTemplate& defaults);

}  // namespace ps::reconcile
