#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "cluster_environment.h"
#include "kube/api_client.h"
#include "kube/cpprest_http_client.h"
#include "kube/kube_config.h"

namespace ps::kube::integration {

// A KubeClient for the test cluster's admin kubeconfig: real TLS (cluster CA, client certificate).
inline std::unique_ptr<KubeClient> adminClient(
    std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto config = loadKubeconfig(ps::testing::cluster().kubeconfigPath());
  if (!config) {
    ADD_FAILURE() << "kubeconfig: " << config.error().describe();
    return nullptr;
  }
  ClientOptions options;
  options.qps = 0;  // tests and the bench measure the server, not our limiter
  return std::make_unique<KubeClient>(makeCpprestHttpClient(config.value(), timeout), options);
}

inline nlohmann::json configMap(const std::string& name, const std::string& ns,
                                const nlohmann::json& data = nlohmann::json::object(),
                                const nlohmann::json& labels = nlohmann::json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"data", data}};
}

}  // namespace ps::kube::integration
