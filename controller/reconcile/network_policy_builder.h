#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ps::reconcile {

inline constexpr const char* kNetworkPolicyName = "plugin-sandbox-deny-all";

// The namespace's deny-all ingress+egress NetworkPolicy. It selects every sandbox Pod (those
// with the pluginrun label) unless the Pod is labelled network=granted, so a Pod whose network
// label is missing or mistyped is isolated, not open. One per namespace, shared by all runs;
// it only works where the CNI enforces NetworkPolicy.
nlohmann::json buildNetworkPolicy(const std::string& namespaceName);

}  // namespace ps::reconcile
