#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controller_child.h"
#include "kube/http_client.h"

namespace ps::bench {

struct SessionOptions {
  std::string binary;  // plugin-controller
  std::string kubeconfig;
  std::string ns;  // --namespace
  int workers = 2;
  std::string policyFile;  // PLUGIN_POLICY_FILE
  std::string keyFile;     // PLUGIN_SIGNING_KEY
  std::string logFile;
  std::vector<std::string> extraEnv;   // NAME=value, added to the two above
  std::vector<std::string> extraArgs;  // e.g. --kube-api-qps 200
};

// One plugin-controller watching one namespace, its metrics and probes on a free local port.
class ControllerSession {
 public:
  explicit ControllerSession(const SessionOptions& options);

  // Until /readyz answers 200 (both caches synced); false if it exits or takes over `seconds`.
  bool waitReady(int seconds);
  // Its /metrics text; empty when it cannot be read.
  std::string metrics();
  // Until it has finished at least `reconciles` visits and its queue is empty.
  bool waitIdle(double reconciles, int seconds);
  ControllerChild& process() { return child_; }

 private:
  int port_;
  ControllerChild child_;
  kube::HttpClientPtr http_;
};

}  // namespace ps::bench
