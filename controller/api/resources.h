#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kube/resource.h"

namespace ps::reconcile {

// The API resources the controller works on.
kube::GroupVersionResource pluginRunsResource();
kube::GroupVersionResource networkPoliciesResource();

// The work-queue key ("namespace/name") of the PluginRun owning a sandbox Pod, from its owner
// reference; nullopt for a Pod no PluginRun owns.
std::optional<std::string> runKeyForPod(const nlohmann::json& pod);

}  // namespace ps::reconcile
