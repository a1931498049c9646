// The e2e environment: on the test node, the images of build/images imported, the chart
// (charts/plugin-sandbox) installed with them, plugins/policy.json extended by the test plugins,
// plugins/keys/demo.pub.pem as the signing key, and the controller Deployment Ready. The controller
// watches only the namespaces made here (watchNamespaces), one per case, each enforcing Pod
// Security `restricted`, so controllers of other integration tests on the same API server are not
// disturbed.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster_environment.h"

namespace ps::testing::e2e {

using nlohmann::json;

inline constexpr const char* kRelease = "plugin-sandbox";
inline constexpr const char* kReleaseNamespace = "plugin-sandbox-system";

// The cases' namespace names (short keys such as "techdebt"); each made by the environment.
const std::vector<std::string>& caseKeys();

void registerE2eEnvironment();

// The namespace made for `key` (one of caseKeys()).
std::string caseNamespace(const std::string& key);

// tests/cluster/cluster.sh env's HELM, with the cluster's kubeconfig.
CommandResult helm(const std::vector<std::string>& args);

// The chart installed as the suite installs it (upgrade --install ... --wait); `extraSets` are
// more `--set` values (e.g. "replicaCount=2").
CommandResult installChart(const std::vector<std::string>& extraSets = {});

// A plugin directory made under the build tree with `pluginPy` and signed by
// `pluginctl sign --key plugins/keys/demo-UNSAFE-private.pem`; returns the directory. The policy
// must know `id` (kTestPlugins in e2e_fixture.cc).
std::string signedTestPlugin(const std::string& id, const std::string& pluginPy,
                             const std::vector<std::string>& permissions = {"read_files"});

// A ConfigMap `name` in `ns` with the files of plugin directory `dir` (manifest.json, plugin.py).
void applyPluginConfigMap(const std::string& ns, const std::string& name, const std::string& dir);

// A PluginRun `name` in `ns` for ConfigMap `configMap`; `spec` is merged into its spec.
void applyRun(const std::string& ns, const std::string& name, const std::string& configMap,
              const json& spec = json::object());

// The case `key`'s plugin `e2e-<key>` (signed `pluginPy`) in ConfigMap `key`, run once as
// PluginRun `<key>-1` with `spec` merged in; waits for it to finish and returns the run.
json runPlugin(const std::string& key, const std::string& pluginPy, const json& spec,
               std::chrono::seconds timeout);

json getRun(const std::string& ns, const std::string& name);

// The Succeeded condition ({} when absent).
json succeededCondition(const json& run);

// Waits until the Succeeded condition is True or False; returns the last run seen.
json waitForFinished(const std::string& ns, const std::string& name, std::chrono::seconds timeout);

// `kubectl logs -l sandbox.plugins.dev/pluginrun=NAME` in `ns`.
CommandResult runLogs(const std::string& ns, const std::string& name);

std::string sourceDir();

}  // namespace ps::testing::e2e
