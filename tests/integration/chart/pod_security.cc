#include "pod_security.h"

#include <algorithm>

namespace ps::testing {
namespace {

// node[key], or an undefined node when there is none (yaml-cpp throws on a missing node's keys).
YAML::Node child(const YAML::Node& node, const std::string& key) {
  if (node && node.IsMap() && node[key]) return node[key];
  return YAML::Node(YAML::NodeType::Undefined);
}

// The container's value of `field` in its securityContext, else the Pod's.
YAML::Node effective(const YAML::Node& pod, const YAML::Node& container, const std::string& field) {
  const YAML::Node own = child(child(container, "securityContext"), field);
  return own ? own : child(child(pod, "securityContext"), field);
}

bool isTrue(const YAML::Node& node) {
  return node && node.IsScalar() && node.as<std::string>() == "true";
}

void checkPod(const YAML::Node& pod, std::vector<std::string>& problems) {
  for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
    if (isTrue(child(pod, host))) problems.push_back(std::string("host namespaces: ") + host);
  }
  static const std::vector<std::string> kAllowedVolumes{
      "configMap", "csi",   "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
      "projected", "secret"};
  for (const YAML::Node& volume : child(pod, "volumes")) {
    for (const auto& entry : volume) {
      const std::string key = entry.first.as<std::string>();
      if (key == "name") continue;
      if (std::find(kAllowedVolumes.begin(), kAllowedVolumes.end(), key) == kAllowedVolumes.end()) {
        problems.push_back("restricted volume types: " + volume["name"].as<std::string>() + " is " +
                           key);
      }
    }
  }
}

void checkContainer(const YAML::Node& pod, const YAML::Node& container,
                    std::vector<std::string>& problems) {
  const std::string name = container["name"].as<std::string>();
  const YAML::Node security = child(container, "securityContext");
  if (isTrue(child(security, "privileged"))) problems.push_back("privileged: " + name);
  const YAML::Node escalation = child(security, "allowPrivilegeEscalation");
  if (!escalation || escalation.as<std::string>() != "false") {
    problems.push_back("allowPrivilegeEscalation != false: " + name);
  }
  if (!isTrue(effective(pod, container, "runAsNonRoot"))) {
    problems.push_back("runAsNonRoot != true: " + name);
  }
  const YAML::Node user = effective(pod, container, "runAsUser");
  if (user && user.as<std::string>() == "0") problems.push_back("runAsUser=0: " + name);
  const YAML::Node seccomp = effective(pod, container, "seccompProfile");
  const YAML::Node seccompTypeNode = child(seccomp, "type");
  const std::string seccompType = seccompTypeNode ? seccompTypeNode.as<std::string>() : "";
  if (seccompType != "RuntimeDefault" && seccompType != "Localhost") {
    problems.push_back("seccompProfile not RuntimeDefault or Localhost: " + name);
  }
  const YAML::Node capabilities = child(security, "capabilities");
  const YAML::Node dropNode = child(capabilities, "drop");
  const auto drop = dropNode ? dropNode.as<std::vector<std::string>>() : std::vector<std::string>{};
  if (std::find(drop.begin(), drop.end(), "ALL") == drop.end()) {
    problems.push_back("capabilities.drop lacks ALL: " + name);
  }
  if (const YAML::Node add = child(capabilities, "add")) {
    for (const std::string& added : add.as<std::vector<std::string>>()) {
      if (added != "NET_BIND_SERVICE")
        problems.push_back("capabilities.add " + added + ": " + name);
    }
  }
  for (const YAML::Node& port : child(container, "ports")) {
    const YAML::Node hostPort = child(port, "hostPort");
    if (hostPort && hostPort.as<int>() != 0) problems.push_back("hostPort: " + name);
  }
}

}  // namespace

std::vector<std::string> restrictedViolations(const YAML::Node& podSpec) {
  std::vector<std::string> problems;
  checkPod(podSpec, problems);
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    for (const YAML::Node& container : child(podSpec, list))
      checkContainer(podSpec, container, problems);
  }
  return problems;
}

}  // namespace ps::testing
