// plugin-controller reloads its policy while running: the policy lives in a directory laid out
// like a mounted ConfigMap and is swapped by symlink, as the kubelet does; the test watches the
// next PluginRun's outcome and the controller's /metrics.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cluster_environment.h"
#include "controller_process.h"

namespace ps::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kSourceDir = PS_SOURCE_DIR;
constexpr auto kWait = 60s;
const std::string kAllowExample = R"({"plugins":{"example":{"permissions":["read_files"]}}})";
const std::string kAllowOnlyTechdebt = R"({"plugins":{"techdebt":{"permissions":[]}}})";

// A mounted ConfigMap as the kubelet writes it: files in a timestamped directory, `..data` a
// symlink to it, each key a symlink through `..data`; publish() swaps versions atomically.
class ConfigMapVolume {
 public:
  explicit ConfigMapVolume(fs::path root) : root_(std::move(root)) {
    fs::create_directories(root_);
  }
  ~ConfigMapVolume() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void publish(const std::string& key, const std::string& bytes) {
    const std::string version = "..2026_11_28_02_00_00." + std::to_string(++generation_);
    fs::create_directory(root_ / version);
    std::ofstream(root_ / version / key, std::ios::binary) << bytes;
    const fs::path previous =
        fs::is_symlink(root_ / "..data") ? fs::read_symlink(root_ / "..data") : fs::path();
    fs::create_symlink(version, root_ / "..data_tmp");
    fs::rename(root_ / "..data_tmp", root_ / "..data");
    if (!fs::is_symlink(root_ / key)) fs::create_symlink(fs::path("..data") / key, root_ / key);
    if (!previous.empty()) fs::remove_all(root_ / previous);
  }
  std::string path(const std::string& key) const { return (root_ / key).string(); }

 private:
  fs::path root_;
  int generation_ = 0;
};

class TrustReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_.emplace(cluster().uniqueNamespace("reload"));
    policy_.emplace(fs::temp_directory_path() / (ns() + "-policy"));
    policy_->publish("policy.json", kAllowExample);
  }
  void TearDown() override {
    if (controller_ && HasFailure()) std::cerr << "controller log:\n" << controller_->log();
    controller_.reset();
  }

  const std::string& ns() const { return ns_->name(); }
  CommandResult kubectlNs(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"-n", ns()});
    return cluster().kubectl(args, input);
  }

  // Starts the controller with /metrics on a free port; tries another port if one was taken.
  ::testing::AssertionResult startController() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::string address = "127.0.0.1:" + std::to_string(freeLoopbackPort());
      metricsUrl_ = "http://" + address + "/metrics";
      controller_ = std::make_unique<ControllerProcess>(
          std::vector<std::string>{"--kubeconfig", cluster().kubeconfigPath(), "--namespace", ns(),
                                   "--metrics-bind-address", address, "--health-probe-bind-address",
                                   "0", "--log-format", "text", "--trust-reload-interval", "0.2"},
          std::vector<std::string>{
              "PLUGIN_POLICY_FILE=" + policy_->path("policy.json"),
              "PLUGIN_SIGNING_KEY=" + kSourceDir + "/plugins/keys/demo.pub.pem"},
          (fs::temp_directory_path() / (ns() + "-controller.log")).string());
      bool listening = false, refused = false;
      waitFor(
          [&] {
            listening = metric("last_reload_successful").has_value();
            refused = controller_->log().find("cannot listen") != std::string::npos;
            return listening || refused;
          },
          kWait, "/metrics to answer");
      if (listening) return ::testing::AssertionSuccess();
      if (!refused) break;
    }
    return ::testing::AssertionFailure() << "the controller never served " << metricsUrl_;
  }

  // plugin_sandbox_trust_<name> as served on /metrics; nullopt when it cannot be read.
  std::optional<double> metric(const std::string& name) const {
    auto result = runCommand({"curl", "-sS", "-m", "5", metricsUrl_});
    if (!result.ok()) return std::nullopt;
    const std::string prefix = "plugin_sandbox_trust_" + name + " ";
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
    }
    return std::nullopt;
  }
  ::testing::AssertionResult waitMetric(const std::string& name, double expected) {
    return waitFor([&] { return metric(name) == expected; }, kWait,
                   "plugin_sandbox_trust_" + name + " == " + std::to_string(expected));
  }

  void createExampleConfigMap() {
    const std::string dir = kSourceDir + "/plugins/example";
    ASSERT_TRUE(
        kubectlNs({"create", "configmap", "example", "--from-file=" + dir + "/manifest.json",
                   "--from-file=" + dir + "/plugin.py"})
            .ok());
  }
  void createRun(const std::string& name) {
    json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                {"kind", "PluginRun"},
                {"metadata", {{"name", name}}},
                {"spec", {{"plugin", {{"configMap", "example"}}}}}};
    ASSERT_TRUE(kubectlNs({"apply", "-f", "-"}, run.dump()).ok());
  }

  // "status/reason: message" of the run's Succeeded condition, "" when absent.
  std::string succeeded(const std::string& run) const {
    auto result = kubectlNs({"get", "pluginrun", run, "-o", "json"});
    json object = result.ok() ? json::parse(result.out, nullptr, false) : json();
    if (!object.is_object() || !object.contains("status")) return "";
    for (const json& entry :
         object.value("status", json::object()).value("conditions", json::array())) {
      if (entry.value("type", "") == "Succeeded") {
        return entry.value("status", "") + "/" + entry.value("reason", "") + ": " +
               entry.value("message", "");
      }
    }
    return "";
  }
  ::testing::AssertionResult waitSucceeded(const std::string& run, const std::string& prefix) {
    return waitFor([&] { return succeeded(run).rfind(prefix, 0) == 0; }, kWait,
                   run + " Succeeded condition starting with \"" + prefix + "\"");
  }

  std::optional<TestNamespace> ns_;
  std::optional<ConfigMapVolume> policy_;
  std::unique_ptr<ControllerProcess> controller_;
  std::string metricsUrl_;
};

TEST_F(TrustReloadTest, SwappedPolicyGovernsTheNextRunAndGarbageKeepsTheLastGood) {
  ASSERT_TRUE(startController());
  EXPECT_EQ(metric("last_reload_successful"), 1);
  createExampleConfigMap();
  createRun("allowed");
  ASSERT_TRUE(waitSucceeded("allowed", "Unknown/Running"));

  // Garbage while the allowing policy is in force: it stays in force, and /metrics says so.
  policy_->publish("policy.json", R"({"plugins": {"example": )");
  ASSERT_TRUE(waitMetric("last_reload_successful", 0));
  EXPECT_EQ(metric("reloads_failed_total"), 1);
  createRun("after-garbage");
  ASSERT_TRUE(waitSucceeded("after-garbage", "Unknown/Running"))
      << "the last good policy (allowing example) must still be in force";

  // A valid denying policy is loaded and decides the next run.
  policy_->publish("policy.json", kAllowOnlyTechdebt);
  ASSERT_TRUE(waitMetric("last_reload_successful", 1));
  createRun("denied");
  ASSERT_TRUE(waitSucceeded("denied", "False/Rejected"));
  EXPECT_NE(succeeded("denied").find("not listed in the policy"), std::string::npos)
      << succeeded("denied");

  // Garbage again: the denying policy, the last good one now, keeps deciding.
  policy_->publish("policy.json", "plugins: [");
  ASSERT_TRUE(waitMetric("last_reload_successful", 0));
  createRun("denied-after-garbage");
  ASSERT_TRUE(waitSucceeded("denied-after-garbage", "False/Rejected"));
  EXPECT_NE(succeeded("denied-after-garbage").find("not listed in the policy"), std::string::npos)
      << succeeded("denied-after-garbage");
  EXPECT_EQ(metric("reloads_total"), 3);
  EXPECT_EQ(metric("reloads_failed_total"), 2);

  const std::string log = controller_->log();
  EXPECT_NE(log.find("reloaded the policy and signing keys"), std::string::npos) << log;
  EXPECT_NE(log.find("the last good ones stay in force"), std::string::npos) << log;
}

TEST_F(TrustReloadTest, InvalidPolicyAtStartStillFailsClosed) {
  policy_->publish("policy.json", "{not json");
  // `timeout` ends a controller that wrongly started (status 124 then).
  auto result = runCommand(
      {"timeout", "60", "env", "PLUGIN_POLICY_FILE=" + policy_->path("policy.json"),
       PS_CONTROLLER_BINARY, "--kubeconfig", cluster().kubeconfigPath(), "--namespace", ns(),
       "--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--log-format", "text"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_NE(result.err.find("cannot load trust settings"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("rejected: policy"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace ps::testing
