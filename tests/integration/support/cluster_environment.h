// The shared GoogleTest environment of the integration tests: a real etcd + kube-apiserver
// (tests/cluster/cluster.sh) brought up once per test binary, the CRDs of crds/ applied and
// Established, and small helpers to talk to it.
//
// Usage: link `ps_test_cluster_main` (registers the environment and provides main), then
//   auto ns = ps::testing::cluster().uniqueNamespace("crd");       // deleted when `ns` goes away
//   auto r = ps::testing::cluster().kubectl({"-n", ns.name(), "get", "pluginruns"});
//   EXPECT_TRUE(ps::testing::waitFor([&] { ... }, 30s, "the PluginRun to be Succeeded"));
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ps::testing {

struct CommandResult {
  int exitCode = -1;  // the program's status; 128+N when killed by signal N; -1 when not started
  std::string out;
  std::string err;

  bool ok() const { return exitCode == 0; }
};

// A loopback port nobody listens on right now (the kernel's pick for port 0), e.g. for a
// controller's /metrics; 0 when none could be had.
int freeLoopbackPort();

// The value of NAME in `cluster.sh env`'s NAME=VALUE lines ("" when absent).
std::string envValue(const std::string& envOutput, const std::string& name);

// Runs argv[0] (looked up on PATH) with no shell, feeding `stdinText`, capturing both outputs.
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText = "");

// Polls `predicate` until it holds or `timeout` passes. The failure message names what was awaited
// and for how long, so a red test says what never happened.
::testing::AssertionResult waitFor(const std::function<bool()>& predicate,
                                   std::chrono::milliseconds timeout,
                                   const std::string& description);

class ClusterEnvironment;

// A namespace made for one test; deleted (without waiting) when this object is destroyed.
class TestNamespace {
 public:
  TestNamespace(std::string name, const ClusterEnvironment& cluster);
  TestNamespace(TestNamespace&& other) noexcept;
  TestNamespace& operator=(TestNamespace&&) = delete;
  TestNamespace(const TestNamespace&) = delete;
  TestNamespace& operator=(const TestNamespace&) = delete;
  ~TestNamespace();

  const std::string& name() const { return name_; }

 private:
  std::string name_;  // empty once moved from
  const ClusterEnvironment* cluster_;
};

class ClusterEnvironment : public ::testing::Environment {
 public:
  // Brings the control plane up (`cluster.sh up`: builds it on first use) and applies crds/.
  void SetUp() override;

  // Admin kubeconfig (client certificate of group system:masters).
  const std::string& kubeconfigPath() const { return kubeconfig_; }
  // e.g. https://127.0.0.1:41234
  const std::string& serverUrl() const { return serverUrl_; }
  // build/cluster: logs, pid files, pki/ (ca.crt, admin.crt, admin.key).
  const std::string& stateDir() const { return stateDir_; }

  // kubectl with this cluster's kubeconfig; no shell involved.
  CommandResult kubectl(const std::vector<std::string>& args,
                        const std::string& stdinText = "") const;

  // tests/cluster/cluster.sh <command>: e.g. "kill-apiserver", "up", "compact".
  CommandResult clusterScript(const std::string& command) const;

  // Creates a fresh namespace `<prefix>-<random>`; fails the current test if it cannot. With the
  // controller manager running it also waits for the `default` ServiceAccount Pods need.
  TestNamespace uniqueNamespace(const std::string& prefix) const;

  // Whether kube-controller-manager runs (garbage collection, namespace deletion, ServiceAccounts).
  bool hasControllerManager() const { return hasControllerManager_; }

 private:
  bool hasControllerManager_ = false;
  std::string kubectlPath_;
  std::string kubeconfig_;
  std::string serverUrl_;
  std::string stateDir_;
};

// The environment registered by ps_test_cluster_main (aborts the test if none was registered).
ClusterEnvironment& cluster();

// For binaries with their own main(): registers and returns the environment.
ClusterEnvironment* registerClusterEnvironment();

}  // namespace ps::testing
