// The e2e environment and its helpers: images imported, chart installed, namespaces per case.
#include "e2e_fixture.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "node_fixture.h"

#ifndef PS_SOURCE_DIR
#error "PS_SOURCE_DIR must name the repository root"
#endif
#ifndef PS_BINARY_DIR
#error "PS_BINARY_DIR must name the build tree"
#endif
#ifndef PS_PLUGINCTL
#error "PS_PLUGINCTL must name the pluginctl binary"
#endif

namespace ps::testing::e2e {
namespace {

namespace fs = std::filesystem;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string suffix() {
  static const std::string value = [] {
    std::random_device device;
    std::uniform_int_distribution<int> digit(0, 35);
    std::string s;
    for (int i = 0; i < 5; ++i) s += "0123456789abcdefghijklmnopqrstuvwxyz"[digit(device)];
    return s;
  }();
  return value;
}

std::string describe(const std::string& what, const CommandResult& result) {
  return what + " exited " + std::to_string(result.exitCode) + "\nstdout: " + result.out +
         "\nstderr: " + result.err;
}

// The test plugins' ids and the permissions the policy grants them, added next to
// plugins/policy.json's own entries.
const std::map<std::string, std::vector<std::string>> kTestPlugins = {
    {"e2e-exit3", {"read_files"}},   {"e2e-files", {"read_files"}},
    {"e2e-sleeper", {"read_files"}}, {"e2e-hog", {"read_files"}},
    {"e2e-fork", {"read_files"}},    {"e2e-changed", {"read_files"}},
    {"e2e-net-denied", {}},          {"e2e-net-granted", {"network"}},
    {"e2e-adopt", {"read_files"}},   {"e2e-handover", {"read_files"}}};

std::string policyJson() {
  json policy = json::parse(readFile(sourceDir() + "/plugins/policy.json"));
  const json signers = policy["plugins"]["example"]["signers"];
  for (const auto& [id, permissions] : kTestPlugins) {
    policy["plugins"][id] = {{"permissions", permissions}, {"signers", signers}};
  }
  return policy.dump();
}

std::string sha256Of(const std::string& path) {
  const CommandResult sum = runCommand({"sha256sum", path});
  return sum.ok() ? sum.out.substr(0, 64) : "";
}

class E2eEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::string images = sourceDir() + "/build/images";
    for (const char* archive : {"controller.tar", "sandbox.tar"}) {
      ASSERT_TRUE(fs::exists(images + "/" + archive))
          << images << "/" << archive << " is missing: run `make images` first";
    }
    const CommandResult imported =
        node::clusterScript({"import-images", images + "/controller.tar", images + "/sandbox.tar"});
    ASSERT_TRUE(imported.ok()) << describe("cluster.sh import-images", imported);

    for (const auto& key : caseKeys()) {
      const std::string name = caseNamespace(key);
      const json ns = {{"apiVersion", "v1"},
                       {"kind", "Namespace"},
                       {"metadata",
                        {{"name", name},
                         {"labels",
                          {{"pod-security.kubernetes.io/enforce", "restricted"},
                           {"pod-security.kubernetes.io/enforce-version", "latest"},
                           {"app.kubernetes.io/part-of", "plugin-sandbox-e2e"}}}}}};
      const CommandResult created = cluster().kubectl({"apply", "-f", "-"}, ns.dump());
      ASSERT_TRUE(created.ok()) << describe("kubectl apply namespace " + name, created);
    }
    for (const auto& key : caseKeys()) {
      const std::string name = caseNamespace(key);
      ASSERT_TRUE(waitFor(
          [&] {
            return cluster().kubectl({"get", "serviceaccount", "default", "-n", name}).ok();
          },
          std::chrono::seconds(60), "ServiceAccount " + name + "/default"));
    }

    const CommandResult installed = installChart();
    ASSERT_TRUE(installed.ok()) << describe("helm upgrade --install", installed);
    const CommandResult ready =
        cluster().kubectl({"-n", kReleaseNamespace, "wait", "deployment", "-l",
                           "app.kubernetes.io/instance=" + std::string(kRelease),
                           "--for=condition=Available", "--timeout=120s"});
    ASSERT_TRUE(ready.ok()) << describe("kubectl wait deployment Available", ready);
  }

  void TearDown() override {
    for (const auto& key : caseKeys()) {
      cluster().kubectl(
          {"delete", "namespace", caseNamespace(key), "--wait=false", "--ignore-not-found"});
    }
  }
};

}  // namespace

std::string sourceDir() {
  return PS_SOURCE_DIR;
}

const std::vector<std::string>& caseKeys() {
  static const std::vector<std::string> keys = {"techdebt", "exit3",    "files",    "sleeper",
                                                "hog",      "fork",     "changed",  "net",
                                                "adopt",    "handover", "uninstall"};
  return keys;
}

std::string caseNamespace(const std::string& key) {
  return "e2e-" + key + "-" + suffix();
}

void registerE2eEnvironment() {
  ::testing::AddGlobalTestEnvironment(new E2eEnvironment);
}

CommandResult helm(const std::vector<std::string>& args) {
  static const std::string helmPath = envValue(node::clusterScript({"env"}).out, "HELM");
  std::vector<std::string> argv{"env", "KUBECONFIG=" + cluster().kubeconfigPath(), helmPath};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv);
}

CommandResult installChart(const std::vector<std::string>& extraSets) {
  json watched = json::array();
  for (const auto& key : caseKeys()) watched.push_back(caseNamespace(key));
  // A new controller archive under the same tag must restart the Deployment.
  const std::string digest = sha256Of(sourceDir() + "/build/images/controller.tar");
  std::vector<std::string> args{
      "upgrade",
      "--set",
      "crds.enabled=false",
      "--install",
      kRelease,
      sourceDir() + "/charts/plugin-sandbox",
      "--namespace",
      kReleaseNamespace,
      "--create-namespace",
      "--set-json",
      "policy=" + policyJson(),
      "--set-file",
      "signing.publicKeys=" + sourceDir() + "/plugins/keys/demo.pub.pem",
      "--set-json",
      "watchNamespaces=" + watched.dump(),
      "--set",
      "controller.leaderElect=true",
      "--set-string",
      "podAnnotations.e2e\\.plugins\\.dev/controller-archive=" + digest.substr(0, 16),
      "--wait",
      "--timeout",
      "180s"};
  for (const auto& set : extraSets) {
    args.push_back("--set");
    args.push_back(set);
  }
  return helm(args);
}

std::string signedTestPlugin(const std::string& id, const std::string& pluginPy,
                             const std::vector<std::string>& permissions) {
  const std::string dir = std::string(PS_BINARY_DIR) + "/e2e-plugins/" + id;
  fs::create_directories(dir);
  writeFile(dir + "/plugin.py", pluginPy);
  const json manifest = {{"id", id},
                         {"version", "1.0.0"},
                         {"description", "e2e test plugin " + id},
                         {"permissions", permissions},
                         {"files", json::object()}};
  writeFile(dir + "/manifest.json", manifest.dump(2) + "\n");
  const CommandResult signedDir = runCommand(
      {PS_PLUGINCTL, "sign", dir, "--key", sourceDir() + "/plugins/keys/demo-UNSAFE-private.pem"});
  EXPECT_TRUE(signedDir.ok()) << describe("pluginctl sign " + dir, signedDir);
  return dir;
}

void applyPluginConfigMap(const std::string& ns, const std::string& name, const std::string& dir) {
  const json configMap = {{"apiVersion", "v1"},
                          {"kind", "ConfigMap"},
                          {"metadata", {{"name", name}}},
                          {"data",
                           {{"manifest.json", readFile(dir + "/manifest.json")},
                            {"plugin.py", readFile(dir + "/plugin.py")}}}};
  node::applyObject(ns, configMap);
}

void applyRun(const std::string& ns, const std::string& name, const std::string& configMap,
              const json& spec) {
  json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
              {"kind", "PluginRun"},
              {"metadata", {{"name", name}}},
              {"spec", {{"plugin", {{"configMap", configMap}}}}}};
  run["spec"].update(spec);
  node::applyObject(ns, run);
}

json runPlugin(const std::string& key, const std::string& pluginPy, const json& spec,
               std::chrono::seconds timeout) {
  const std::string ns = caseNamespace(key);
  applyPluginConfigMap(ns, key, signedTestPlugin("e2e-" + key, pluginPy));
  applyRun(ns, key + "-1", key, spec);
  return waitForFinished(ns, key + "-1", timeout);
}

json getRun(const std::string& ns, const std::string& name) {
  const CommandResult got = cluster().kubectl({"-n", ns, "get", "pluginrun", name, "-o", "json"});
  if (!got.ok()) return nullptr;
  return json::parse(got.out, nullptr, false);
}

json succeededCondition(const json& run) {
  if (!run.is_object() || !run.contains("status")) return json::object();
  for (const json& condition : run["status"].value("conditions", json::array())) {
    if (condition.value("type", "") == "Succeeded") return condition;
  }
  return json::object();
}

json waitForFinished(const std::string& ns, const std::string& name, std::chrono::seconds timeout) {
  json last;
  const bool finished = waitFor(
      [&] {
        last = getRun(ns, name);
        const std::string status = succeededCondition(last).value("status", "");
        return status == "True" || status == "False";
      },
      timeout, "PluginRun " + ns + "/" + name + " to finish");
  EXPECT_TRUE(finished) << (last.is_object() ? last.value("status", json::object()).dump()
                                             : std::string("(no run)"));
  return last;
}

CommandResult runLogs(const std::string& ns, const std::string& name) {
  return cluster().kubectl(
      {"-n", ns, "logs", "-l", "sandbox.plugins.dev/pluginrun=" + name, "--tail=-1"});
}

}  // namespace ps::testing::e2e
