#include "api/resources.h"

#include "api/plugin_run.h"
#include "kube/json_member.h"

namespace ps::reconcile {

using kube::member;
using kube::stringMember;
using nlohmann::json;

kube::GroupVersionResource pluginRunsResource() {
  return {kApiGroup, "v1alpha1", "pluginruns", true};
}

kube::GroupVersionResource networkPoliciesResource() {
  return {"networking.k8s.io", "v1", "networkpolicies", true};
}

std::optional<std::string> runKeyForPod(const json& pod) {
  const json& metadata = member(pod, "metadata");
  const json& owners = member(metadata, "ownerReferences");
  if (!owners.is_array()) return std::nullopt;
  for (const json& owner : owners) {
    if (stringMember(owner, "kind") == kKind && stringMember(owner, "apiVersion") == kApiVersion) {
      const std::string name = stringMember(owner, "name");
      if (name.empty()) return std::nullopt;
      return stringMember(metadata, "namespace") + "/" + name;
    }
  }
  return std::nullopt;
}

}  // namespace ps::reconcile
