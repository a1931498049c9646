// Pod Security Standards, `restricted` profile (the checks of Kubernetes' pod-security-admission
// that a Pod spec can fail), applied to a rendered Pod spec. Offline: the chart tests use it on
// `helm template` output; the server tests confirm the same specs with the real admission.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace ps::testing {

// Every rule the Pod spec breaks, each naming the rule and the field; empty when it passes.
std::vector<std::string> restrictedViolations(const YAML::Node& podSpec);

}  // namespace ps::testing
