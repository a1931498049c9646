#include "kube/resource.h"

#include <cstdio>

namespace ps::kube {

GroupVersionResource configMapsResource() {
  return {"", "v1", "configmaps", true};
}
GroupVersionResource eventsResource() {
  return {"", "v1", "events", true};
}
GroupVersionResource leasesResource() {
  return {"coordination.k8s.io", "v1", "leases", true};
}
GroupVersionResource podsResource() {
  return {"", "v1", "pods", true};
}

std::string collectionPath(const GroupVersionResource& gvr, const std::string& ns) {
  std::string path =
      gvr.group.empty() ? "/api/" + gvr.version : "/apis/" + gvr.group + "/" + gvr.version;
  if (gvr.namespaced && !ns.empty()) path += "/namespaces/" + encodeQueryValue(ns);
  return path + "/" + gvr.resource;
}

std::string objectPath(const GroupVersionResource& gvr, const std::string& ns,
                       const std::string& name, const std::string& subresource) {
  std::string path = collectionPath(gvr, ns) + "/" + encodeQueryValue(name);
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

std::string encodeQueryValue(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

}  // namespace ps::kube
