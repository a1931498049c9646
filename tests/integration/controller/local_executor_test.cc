// plugin-controller --executor local against the real kube-apiserver and the real local kernel
// sandbox: the controller runs as a child process (as root, which the sandbox needs) watching one
// namespace, and runs accepted plugins on this host; nobody plays the kubelet.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cluster_environment.h"
#include "controller_process.h"

namespace ps::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kSourceDir = PS_SOURCE_DIR;
constexpr auto kWait = 90s;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether a process on this host has `marker` as an argument (the sandboxed python does).
bool processWithArgument(const std::string& marker) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    std::string cmdline = readFile(entry.path() / "cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find("plugin.py " + marker) != std::string::npos) return true;
  }
  return false;
}

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_.emplace(cluster().uniqueNamespace("local"));
    work_ = fs::temp_directory_path() / (ns() + "-local");
    fs::create_directories(work_);
    policyFile_ = work_ / "policy.json";
    std::ofstream(policyFile_) << R"({"plugins":{
      "example": {"permissions": ["read_files"]},
      "exit-three": {"permissions": []},
      "sleeper": {"permissions": []},
      "reader": {"permissions": ["read_files"]}}})";
  }
  void TearDown() override {
    if (controller_ && HasFailure()) std::cerr << "controller log:\n" << controller_->log();
    controller_.reset();
    std::error_code ignored;
    fs::remove_all(work_, ignored);
  }

  const std::string& ns() const { return ns_->name(); }
  CommandResult kubectlNs(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"-n", ns()});
    return cluster().kubectl(args, input);
  }

  void startController() {
    controller_ = std::make_unique<ControllerProcess>(
        std::vector<std::string>{"--kubeconfig", cluster().kubeconfigPath(), "--namespace", ns(),
                                 "--executor", "local", "--metrics-bind-address", "0",
                                 "--health-probe-bind-address", "0", "--log-format", "text"},
        std::vector<std::string>{"PLUGIN_POLICY_FILE=" + policyFile_.string(),
                                 "PLUGIN_SIGNING_KEY=" + kSourceDir + "/plugins/keys/demo.pub.pem"},
        (work_ / "controller.log").string());
  }

  // A plugin written here, signed with the demo key, as a ConfigMap named after its id.
  void createSignedPlugin(const std::string& id, const std::string& permissions,
                          const std::string& pluginPy) {
    const fs::path dir = work_ / id;
    fs::create_directories(dir);
    std::ofstream(dir / "manifest.json")
        << json{{"id", id}, {"version", "1.0.0"}, {"permissions", json::parse(permissions)}}.dump();
    std::ofstream(dir / "plugin.py") << pluginPy;
    const std::string sign = std::string(PS_PLUGINCTL_BINARY) + " sign " + dir.string() +
                             " --key " + kSourceDir + "/plugins/keys/demo-UNSAFE-private.pem" +
                             " > /dev/null";
    ASSERT_EQ(std::system(sign.c_str()), 0);
    createConfigMap(id, dir);
  }
  void createConfigMap(const std::string& name, const fs::path& dir) {
    json data = {{"manifest.json", readFile(dir / "manifest.json")},
                 {"plugin.py", readFile(dir / "plugin.py")}};
    apply({{"apiVersion", "v1"},
           {"kind", "ConfigMap"},
           {"metadata", {{"name", name}}},
           {"data", data}});
  }
  void apply(const json& object) {
    auto result = kubectlNs({"apply", "-f", "-"}, object.dump());
    ASSERT_TRUE(result.ok()) << result.err;
  }
  void createRun(const std::string& name, const std::string& configMap,
                 json extra = json::object()) {
    json spec = {{"plugin", {{"configMap", configMap}}}};
    spec.update(extra);
    apply({{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
           {"kind", "PluginRun"},
           {"metadata", {{"name", name}}},
           {"spec", spec}});
  }

  json status(const std::string& run) const {
    auto result = kubectlNs({"get", "pluginrun", run, "-o", "json"});
    json object = result.ok() ? json::parse(result.out, nullptr, false) : json();
    return object.is_object() && object.contains("status") ? object["status"] : json();
  }
  std::string succeeded(const std::string& run) const {
    json current = status(run);
    if (!current.is_object()) return "";
    for (const json& entry : current.value("conditions", json::array())) {
      if (entry.value("type", "") == "Succeeded") {
        return entry.value("status", "") + "/" + entry.value("reason", "");
      }
    }
    return "";
  }
  ::testing::AssertionResult waitSucceeded(const std::string& run, const std::string& expected) {
    auto result = waitFor([&] { return succeeded(run) == expected; }, kWait,
                          run + " Succeeded == " + expected);
    if (!result) result << "\nlast status: " << status(run).dump();
    return result;
  }

  std::optional<TestNamespace> ns_;
  fs::path work_;
  fs::path policyFile_;
  std::unique_ptr<ControllerProcess> controller_;
};

TEST_F(LocalExecutorTest, ASignedAllowedPluginSucceedsWithItsRealOutput) {
  startController();
  createConfigMap("example", kSourceDir + "/plugins/example");
  createRun("good", "example");
  ASSERT_TRUE(waitSucceeded("good", "True/Succeeded"));
  json current = status("good");
  EXPECT_EQ(current.value("exitCode", -1), 0);
  EXPECT_NE(current.value("result", "").find("Hello from the example plugin"), std::string::npos)
      << current.dump();
  EXPECT_EQ(current.value("pluginID", ""), "example");
  EXPECT_TRUE(current.contains("startTime"));
  EXPECT_TRUE(current.contains("completionTime"));
  // No Pod and no NetworkPolicy in local mode.
  EXPECT_EQ(kubectlNs({"get", "pods", "-o", "name"}).out, "");
  EXPECT_EQ(kubectlNs({"get", "networkpolicies", "-o", "name"}).out, "");
}

TEST_F(LocalExecutorTest, APluginExitingThreeFailsWithExitCodeThree) {
  startController();
  createSignedPlugin("exit-three", "[]", "import sys\nprint('giving up')\nsys.exit(3)\n");
  createRun("three", "exit-three");
  ASSERT_TRUE(waitSucceeded("three", "False/Failed"));
  json current = status("three");
  EXPECT_EQ(current.value("exitCode", -1), 3);
  EXPECT_NE(current.value("result", "").find("giving up"), std::string::npos);
}

TEST_F(LocalExecutorTest, APluginSleepingPastItsTimeoutTimesOut) {
  startController();
  createSignedPlugin("sleeper", "[]", "import time\ntime.sleep(120)\n");
  createRun("slow", "sleeper", {{"timeoutSeconds", 2}});
  ASSERT_TRUE(waitSucceeded("slow", "False/TimedOut"));
  EXPECT_EQ(status("slow").value("exitCode", -1), 124);
}

TEST_F(LocalExecutorTest, ARejectedPluginNeverRuns) {
  startController();
  // Signed, but the policy does not list it.
  createSignedPlugin("stranger", "[]", "print('should never run')\n");
  createRun("denied", "stranger");
  ASSERT_TRUE(waitSucceeded("denied", "False/Rejected"));
  json current = status("denied");
  EXPECT_FALSE(current.contains("exitCode")) << current.dump();
  EXPECT_FALSE(current.contains("startTime")) << current.dump();
}

TEST_F(LocalExecutorTest, AReadFilesPluginReadsItsInputConfigMap) {
  startController();
  createSignedPlugin("reader", R"(["read_files"])",
                     "import os\nfor name in sorted(os.listdir('/input')):\n"
                     "    print(name, open('/input/' + name).read().strip())\n");
  apply({{"apiVersion", "v1"},
         {"kind", "ConfigMap"},
         {"metadata", {{"name", "repo"}}},
         {"data", {{"notes.txt", "TODO: three things"}}}});
  createRun("read", "reader", {{"input", {{"configMap", "repo"}}}});
  ASSERT_TRUE(waitSucceeded("read", "True/Succeeded"));
  EXPECT_NE(status("read").value("result", "").find("notes.txt TODO: three things"),
            std::string::npos)
      << status("read").dump();
}

TEST_F(LocalExecutorTest, DeletingTheRunMidRunKillsTheSandbox) {
  startController();
  createSignedPlugin("sleeper", "[]", "import time\ntime.sleep(300)\n");
  const std::string marker = "marker-" + ns();
  createRun("doomed", "sleeper", {{"args", {marker}}, {"timeoutSeconds", 300}});
  ASSERT_TRUE(waitSucceeded("doomed", "Unknown/Running"));
  ASSERT_TRUE(waitFor([&] { return processWithArgument(marker); }, kWait,
                      "the sandboxed plugin process to exist"));
  ASSERT_TRUE(kubectlNs({"delete", "pluginrun", "doomed", "--wait=false"}).ok());
  EXPECT_TRUE(waitFor([&] { return !processWithArgument(marker); }, kWait,
                      "the sandboxed plugin process to be killed"));
}

// spec.status: Cancelled stops the sandbox and ends the run Cancelled; the run itself stays.
TEST_F(LocalExecutorTest, CancellingARunKillsTheSandboxAndEndsItCancelled) {
  startController();
  createSignedPlugin("sleeper", "[]", "import time\ntime.sleep(300)\n");
  const std::string marker = "cancel-" + ns();
  createRun("stopped", "sleeper", {{"args", {marker}}, {"timeoutSeconds", 300}});
  ASSERT_TRUE(waitSucceeded("stopped", "Unknown/Running"));
  ASSERT_TRUE(waitFor([&] { return processWithArgument(marker); }, kWait,
                      "the sandboxed plugin process to exist"));
  ASSERT_TRUE(kubectlNs({"patch", "pluginrun", "stopped", "--type=merge", "-p",
                         R"({"spec":{"status":"Cancelled"}})"})
                  .ok());
  ASSERT_TRUE(waitSucceeded("stopped", "False/Cancelled"));
  EXPECT_TRUE(waitFor([&] { return !processWithArgument(marker); }, kWait,
                      "the sandboxed plugin process to be killed"));
  EXPECT_TRUE(status("stopped").contains("completionTime"));
}

TEST_F(LocalExecutorTest, RunsBeyondTheSandboxThreadsWaitAsQueued) {
  // Without --max-running the local executor runs one sandbox per CPU; the rest must show as
  // Queued (their deadline not counting), not as Running behind a busy thread.
  const unsigned slots = std::max(1u, std::thread::hardware_concurrency());
  startController();
  createSignedPlugin("sleeper", "[]", "import time\ntime.sleep(300)\n");
  for (unsigned i = 0; i <= slots; ++i) {
    createRun("nap-" + std::to_string(i), "sleeper", {{"timeoutSeconds", 300}});
  }
  auto count = [&](const std::string& state) {
    unsigned n = 0;
    for (unsigned i = 0; i <= slots; ++i) n += succeeded("nap-" + std::to_string(i)) == state;
    return n;
  };
  ASSERT_TRUE(waitFor([&] { return count("Unknown/Running") == slots; }, kWait,
                      std::to_string(slots) + " runs running"));
  EXPECT_TRUE(waitFor([&] { return count("Unknown/Queued") == 1; }, kWait, "one run queued"));
  EXPECT_EQ(count("Unknown/Running"), slots);
  ASSERT_TRUE(kubectlNs({"delete", "pluginruns", "--all", "--wait=false"}).ok());
}

TEST_F(LocalExecutorTest, ARestartMidRunFailsTheRunAsLostInsteadOfHanging) {
  startController();
  createSignedPlugin("sleeper", "[]", "import time\ntime.sleep(300)\n");
  const std::string marker = "restart-" + ns();
  createRun("orphan", "sleeper", {{"args", {marker}}, {"timeoutSeconds", 300}});
  ASSERT_TRUE(waitSucceeded("orphan", "Unknown/Running"));
  ASSERT_TRUE(waitFor([&] { return processWithArgument(marker); }, kWait,
                      "the sandboxed plugin process to exist"));
  controller_->stop();
  EXPECT_TRUE(waitFor([&] { return !processWithArgument(marker); }, kWait,
                      "the sandbox to die with its controller"));
  startController();
  ASSERT_TRUE(waitSucceeded("orphan", "False/Failed"));
  json current = status("orphan");
  std::string message;
  for (const json& entry : current["conditions"]) {
    if (entry["type"] == "Succeeded") message = entry.value("message", "");
  }
  EXPECT_NE(message.find("sandbox of this run was lost"), std::string::npos) << message;
}

}  // namespace
}  // namespace ps::testing
