#include "reconcile/network_policy_builder.h"

#include "api/pod_naming.h"

namespace ps::reconcile {

nlohmann::json buildNetworkPolicy(const std::string& namespaceName) {
  using nlohmann::json;
  const json selector = {
      {"matchExpressions",
       {{{"key", kRunLabel}, {"operator", "Exists"}},
        {{"key", kNetworkLabel}, {"operator", "NotIn"}, {"values", {kNetworkGranted}}}}}};
  // No ingress or egress rules with both policy types: nothing in, nothing out (DNS included).
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "NetworkPolicy"},
          {"metadata",
           {{"name", kNetworkPolicyName},
            {"namespace", namespaceName},
            {"labels", {{kManagedByLabel, kManagedBy}}}}},
          {"spec", {{"podSelector", selector}, {"policyTypes", {"Ingress", "Egress"}}}}};
}

}  // namespace ps::reconcile
