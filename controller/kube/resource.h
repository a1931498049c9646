#pragma once

#include <string>

namespace ps::kube {

// Names any API resource: core ("" group, /api/v1) or grouped (/apis/<group>/<version>).
struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;  // plural, e.g. "configmaps"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// Well-known resources used by the runtime itself.
GroupVersionResource configMapsResource();
GroupVersionResource eventsResource();
GroupVersionResource leasesResource();
GroupVersionResource podsResource();

// "/api/v1/namespaces/ns/configmaps"; cluster-wide when `ns` is empty.
std::string collectionPath(const GroupVersionResource& gvr, const std::string& ns);
// collectionPath + "/name" (+ "/subresource").
std::string objectPath(const GroupVersionResource& gvr, const std::string& ns,
                       const std::string& name, const std::string& subresource = "");
// Percent-encodes a query parameter value (label selectors contain '=', ',', '!').
std::string encodeQueryValue(const std::string& value);

}  // namespace ps::kube
