// plugin-controller end to end against the real kube-apiserver: the controller runs as a child
// process watching one namespace; the test plays the kubelet by patching Pod status.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cluster_environment.h"
#include "controller_process.h"

namespace ps::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kSourceDir = PS_SOURCE_DIR;
constexpr auto kWait = 60s;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PluginControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_.emplace(cluster().uniqueNamespace("ctl"));
    ASSERT_TRUE(
        kubectl({"label", "namespace", ns(), "pod-security.kubernetes.io/enforce=restricted"})
            .ok());
    policyFile_ = std::filesystem::temp_directory_path() / (ns() + "-policy.json");
    std::ofstream(policyFile_) << R"({"plugins":{"example":{"permissions":["read_files"]}}})";
  }
  void TearDown() override {
    if (controller_ && HasFailure()) std::cerr << "controller log:\n" << controller_->log();
    controller_.reset();
    std::filesystem::remove(policyFile_);
  }

  const std::string& ns() const { return ns_->name(); }
  CommandResult kubectl(std::vector<std::string> args, const std::string& input = "") const {
    return cluster().kubectl(args, input);
  }
  CommandResult kubectlNs(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"-n", ns()});
    return cluster().kubectl(args, input);
  }

  void startController(const std::vector<std::string>& extraArgs = {}) {
    std::vector<std::string> args{"--kubeconfig",
                                  cluster().kubeconfigPath(),
                                  "--namespace",
                                  watched_.empty() ? ns() : watched_,
                                  "--metrics-bind-address",
                                  "0",
                                  "--health-probe-bind-address",
                                  "0",
                                  "--log-format",
                                  "text"};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    controller_ = std::make_unique<ControllerProcess>(
        args,
        std::vector<std::string>{"PLUGIN_POLICY_FILE=" + policyFile_.string(),
                                 "PLUGIN_SIGNING_KEY=" + kSourceDir + "/plugins/keys/demo.pub.pem"},
        (std::filesystem::temp_directory_path() / (ns() + "-controller.log")).string());
  }

  // The plugin's files as flat ConfigMap keys, `plugin.py` replaced when `pluginPy` is given.
  void createPluginConfigMap(const std::string& name, const std::string& plugin,
                             const std::string& pluginPy = "") {
    const std::string dir = kSourceDir + "/plugins/" + plugin;
    json data = {{"manifest.json", readFile(dir + "/manifest.json")},
                 {"plugin.py", pluginPy.empty() ? readFile(dir + "/plugin.py") : pluginPy}};
    json configMap = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", {{"name", name}}},
                      {"data", data}};
    ASSERT_TRUE(kubectlNs({"apply", "-f", "-"}, configMap.dump()).ok());
  }

  // Most tests start so: the controller (with `extraArgs`) and the example plugin's ConfigMap.
  void startWithExamplePlugin(const std::vector<std::string>& extraArgs = {}) {
    startController(extraArgs);
    createPluginConfigMap("example", "example");
  }

  // A run of the example plugin, awaited until the controller has made its Pod (Running).
  ::testing::AssertionResult startExampleRun(const std::string& name) {
    createRun(name, "example");
    return waitCondition(name, "Succeeded", "Unknown/Running");
  }

  // A run of the example plugin and the name of the Pod the controller made for it ("" if none).
  std::string exampleRunPod(const std::string& name) {
    createRun(name, "example");
    return waitPodName();
  }

  // Events on `run` with `reason`, as the API server has them.
  json eventsFor(const std::string& run, const std::string& reason) const {
    auto result = kubectlNs({"get", "events", "--field-selector",
                             "involvedObject.name=" + run + ",reason=" + reason, "-o", "json"});
    json list = result.ok() ? json::parse(result.out, nullptr, false) : json();
    return list.is_object() && list.contains("items") ? list["items"] : json::array();
  }

  void createRun(const std::string& name, const std::string& configMap) {
    createRunWith(name, {{"plugin", {{"configMap", configMap}}}});
  }
  void createRunWith(const std::string& name, const json& spec) {
    json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                {"kind", "PluginRun"},
                {"metadata", {{"name", name}}},
                {"spec", spec}};
    ASSERT_TRUE(kubectlNs({"apply", "-f", "-"}, run.dump()).ok());
  }

  json get(const std::string& kind, const std::string& name) const {
    auto result = kubectlNs({"get", kind, name, "-o", "json"});
    return result.ok() ? json::parse(result.out, nullptr, false) : json();
  }

  json pods() const {
    auto result = kubectlNs({"get", "pods", "-l", "sandbox.plugins.dev/pluginrun", "-o", "json"});
    json list = result.ok() ? json::parse(result.out, nullptr, false) : json();
    return list.is_object() && list.contains("items") ? list["items"] : json::array();
  }

  // "status/reason" of a condition, "" when absent.
  std::string condition(const std::string& run, const std::string& type) const {
    json object = get("pluginrun", run);
    if (!object.is_object()) return "";
    for (const json& entry :
         object.value("status", json::object()).value("conditions", json::array())) {
      if (entry.value("type", "") == type) {
        return entry.value("status", "") + "/" + entry.value("reason", "");
      }
    }
    return "";
  }

  ::testing::AssertionResult waitCondition(const std::string& run, const std::string& type,
                                           const std::string& expected) {
    return waitFor([&] { return condition(run, type) == expected; }, kWait,
                   run + " condition " + type + " == " + expected);
  }

  std::string podOf(const std::string& run) const {
    return get("pluginrun", run).value("status", json::object()).value("podName", "");
  }

  std::string waitPodName() {
    std::string name;
    EXPECT_TRUE(waitFor(
        [&] {
          json items = pods();
          if (items.empty()) return false;
          name = items[0]["metadata"]["name"].get<std::string>();
          return true;
        },
        kWait, "a sandbox Pod to be created"));
    return name;
  }

  // The kubelet's part: the plugin container running, then (optionally) terminated.
  void patchPod(const std::string& pod, const json& state, const std::string& phase) {
    json status = {{"phase", phase},
                   {"startTime", "2026-01-01T00:00:00Z"},
                   {"containerStatuses",
                    {{{"name", "plugin"},
                      {"ready", phase == "Running"},
                      {"restartCount", 0},
                      {"image", "sandbox"},
                      {"imageID", ""},
                      {"state", state}}}}};
    auto result = kubectlNs({"patch", "pod", pod, "--subresource=status", "--type=merge", "-p",
                             json{{"status", status}}.dump()});
    ASSERT_TRUE(result.ok()) << result.err;
  }
  void runPod(const std::string& pod) {
    patchPod(pod, {{"running", {{"startedAt", "2026-01-01T00:00:01Z"}}}}, "Running");
  }
  void patchPodPhase(const std::string& pod, const json& status) {
    auto result = kubectlNs({"patch", "pod", pod, "--subresource=status", "--type=merge", "-p",
                             json{{"status", status}}.dump()});
    ASSERT_TRUE(result.ok()) << result.err;
  }
  // The container terminated with `exitCode` (the TTLs count from `finishedAt`).
  void finishPod(const std::string& pod, int exitCode, const std::string& message,
                 const std::string& startedAt = "2026-01-01T00:00:01Z",
                 const std::string& finishedAt = "2026-01-01T00:00:02Z") {
    patchPod(pod,
             {{"terminated",
               {{"exitCode", exitCode},
                {"reason", exitCode == 0 ? "Completed" : "Error"},
                {"message", message},
                {"startedAt", startedAt},
                {"finishedAt", finishedAt}}}},
             exitCode == 0 ? "Succeeded" : "Failed");
  }

  std::optional<TestNamespace> ns_;
  std::filesystem::path policyFile_;
  std::unique_ptr<ControllerProcess> controller_;
  std::string watched_;  // --namespace; empty = this test's namespace only
};

// The Succeeded condition's message, "" when absent.
std::string messageOf(const json& run) {
  for (const json& entry : run.value("status", json::object()).value("conditions", json::array())) {
    if (entry.value("type", "") == "Succeeded") return entry.value("message", "");
  }
  return "";
}

TEST_F(PluginControllerTest, SignedAllowedPluginRunsToSuccessWithItsResult) {
  startWithExamplePlugin();
  ASSERT_TRUE(startExampleRun("good"));
  const std::string pod = waitPodName();
  ASSERT_FALSE(pod.empty());
  EXPECT_EQ(get("pod", pod)["spec"]["securityContext"]["runAsNonRoot"], true);
  EXPECT_TRUE(get("networkpolicy", "plugin-sandbox-deny-all").is_object());
  runPod(pod);
  finishPod(pod, 0, "{\"todo\": 3}\n");
  ASSERT_TRUE(waitCondition("good", "Succeeded", "True/Succeeded"));
  json status = get("pluginrun", "good")["status"];
  EXPECT_EQ(status.value("exitCode", -1), 0);
  EXPECT_NE(status.value("result", "").find("\"todo\": 3"), std::string::npos) << status.dump();
  EXPECT_EQ(status.value("podName", ""), pod);
  EXPECT_EQ(condition("good", "Ready"), "True/Succeeded");
  EXPECT_EQ(condition("good", "Stalled"), "False/Succeeded");
}

TEST_F(PluginControllerTest, DeniedAndTamperedPluginsAreRejectedWithoutPods) {
  startController();
  createPluginConfigMap("techdebt", "techdebt");  // signed, but this policy does not list it
  createPluginConfigMap("tampered", "example", "print('not the signed code')\n");
  createRun("denied", "techdebt");
  createRun("tampered", "tampered");
  for (const std::string run : {"denied", "tampered"}) {
    ASSERT_TRUE(waitCondition(run, "Succeeded", "False/Rejected"));
    EXPECT_EQ(condition(run, "Stalled"), "True/Rejected");
  }
  EXPECT_NE(get("pluginrun", "denied")["status"]["conditions"].dump().find("policy"),
            std::string::npos);
  EXPECT_NE(get("pluginrun", "tampered")["status"]["conditions"].dump().find("digest"),
            std::string::npos);
  EXPECT_TRUE(waitFor(
      [&] {
        auto events = kubectlNs({"get", "events", "-o", "json"});
        return events.ok() && events.out.find("\"Rejected\"") != std::string::npos &&
               events.out.find("denied") != std::string::npos &&
               events.out.find("tampered") != std::string::npos;
      },
      kWait, "Rejected Events on both runs"));
  EXPECT_TRUE(pods().empty());
}

TEST_F(PluginControllerTest, FailedPluginShowsItsExitCode) {
  startWithExamplePlugin();
  const std::string pod = exampleRunPod("fails");
  ASSERT_FALSE(pod.empty());
  runPod(pod);
  finishPod(pod, 3, "boom\n");
  ASSERT_TRUE(waitCondition("fails", "Succeeded", "False/Failed"));
  EXPECT_EQ(get("pluginrun", "fails").value("status", json::object()).value("exitCode", -1), 3);
  EXPECT_EQ(condition("fails", "Stalled"), "True/Failed");
}

TEST_F(PluginControllerTest, DeletedPodFailsTheRun) {
  startWithExamplePlugin();
  const std::string pod = exampleRunPod("orphaned");
  ASSERT_FALSE(pod.empty());
  runPod(pod);
  ASSERT_TRUE(kubectlNs({"delete", "pod", pod, "--grace-period=0", "--force"}).ok());
  ASSERT_TRUE(waitCondition("orphaned", "Succeeded", "False/PodDeleted"));
  EXPECT_EQ(condition("orphaned", "Stalled"), "True/PodDeleted");
}

TEST_F(PluginControllerTest, RestartMidRunMakesNoSecondPod) {
  startWithExamplePlugin();
  const std::string pod = exampleRunPod("restart");
  ASSERT_FALSE(pod.empty());
  EXPECT_EQ(controller_->stop(), 0);
  startController();
  runPod(pod);
  finishPod(pod, 0, "done\n");
  ASSERT_TRUE(waitCondition("restart", "Succeeded", "True/Succeeded"));
  EXPECT_EQ(pods().size(), 1u);
}

TEST_F(PluginControllerTest, DeadlineExceededGivesTimedOut) {
  startWithExamplePlugin();
  const std::string pod = exampleRunPod("slow");
  ASSERT_FALSE(pod.empty());
  runPod(pod);
  // What the kubelet reports when activeDeadlineSeconds passes.
  patchPodPhase(pod,
                {{"phase", "Failed"},
                 {"reason", "DeadlineExceeded"},
                 {"message", "Pod was active on the node longer than the specified deadline"}});
  ASSERT_TRUE(waitCondition("slow", "Succeeded", "False/TimedOut"));
  EXPECT_EQ(condition("slow", "Stalled"), "True/TimedOut");
}

TEST_F(PluginControllerTest, MaxRunningQueuesAndReleasesInCreationOrder) {
  startWithExamplePlugin({"--max-running", "1"});
  ASSERT_TRUE(startExampleRun("first"));
  createRun("second", "example");
  ASSERT_TRUE(waitCondition("second", "Succeeded", "Unknown/Queued"));
  EXPECT_EQ(pods().size(), 1u);
  const std::string firstPod = podOf("first");
  ASSERT_FALSE(firstPod.empty());
  runPod(firstPod);
  finishPod(firstPod, 0, "one\n");
  ASSERT_TRUE(waitCondition("first", "Succeeded", "True/Succeeded"));
  ASSERT_TRUE(waitCondition("second", "Succeeded", "Unknown/Running"));
  EXPECT_EQ(pods().size(), 2u);
}

TEST_F(PluginControllerTest, WatchesEveryListedNamespaceAndNoOther) {
  TestNamespace second = cluster().uniqueNamespace("ctl-b");
  TestNamespace unwatched = cluster().uniqueNamespace("ctl-c");
  watched_ = ns() + "," + second.name();
  startController();
  for (const TestNamespace* other : {&second, &unwatched}) {
    const std::string dir = kSourceDir + "/plugins/example";
    ASSERT_TRUE(
        kubectl({"-n", other->name(), "create", "configmap", "example",
                 "--from-file=" + dir + "/manifest.json", "--from-file=" + dir + "/plugin.py"})
            .ok());
    json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                {"kind", "PluginRun"},
                {"metadata", {{"name", "there"}, {"namespace", other->name()}}},
                {"spec", {{"plugin", {{"configMap", "example"}}}}}};
    ASSERT_TRUE(kubectl({"apply", "-f", "-"}, run.dump()).ok());
  }
  createPluginConfigMap("example", "example");
  createRun("here", "example");

  ASSERT_TRUE(waitCondition("here", "Succeeded", "Unknown/Running"));
  auto statusIn = [&](const std::string& where) {
    auto result = kubectl({"-n", where, "get", "pluginrun", "there", "-o",
                           "jsonpath={.status.conditions[?(@.type==\"Succeeded\")].reason}"});
    return result.ok() ? result.out : "(error) " + result.err;
  };
  ASSERT_TRUE(waitFor([&] { return statusIn(second.name()) == "Running"; }, kWait,
                      "the run in the second watched namespace to start"));
  EXPECT_EQ(statusIn(unwatched.name()), "") << "a namespace not listed is left alone";
  auto podsIn = [&](const std::string& where) {
    return kubectl(
               {"-n", where, "get", "pods", "-l", "sandbox.plugins.dev/pluginrun", "-o", "name"})
        .out;
  };
  EXPECT_FALSE(podsIn(second.name()).empty());
  EXPECT_TRUE(podsIn(unwatched.name()).empty());
}

}  // namespace
}  // namespace ps::testing

namespace ps::testing {
namespace {

// Issue 15: the failures that matter in real clusters speak at once (status, Warning Event) and
// end in a terminal reason after a bounded grace, or wait and retry when they go away by
// themselves.
class FailuresSpeakTest : public PluginControllerTest {
 protected:
  ::testing::AssertionResult waitMessage(const std::string& run, const std::string& part) {
    return waitFor([&] { return messageOf(get("pluginrun", run)).find(part) != std::string::npos; },
                   kWait, run + "'s message to say " + part);
  }
  ::testing::AssertionResult waitWarning(const std::string& run, const std::string& reason) {
    return waitFor(
        [&] {
          for (const json& event : eventsFor(run, reason)) {
            if (event.value("type", "") == "Warning") return true;
          }
          return false;
        },
        kWait, "a Warning Event " + reason + " on " + run);
  }
};

TEST_F(FailuresSpeakTest, ATypoInThePluginConfigMapWarnsThenFailsPluginNotFound) {
  startController({"--missing-plugin-grace", "6"});
  createRun("typo", "techdbet");
  ASSERT_TRUE(waitCondition("typo", "Succeeded", "Unknown/Validating"));
  ASSERT_TRUE(waitMessage("typo", "\"techdbet\" not found"));
  ASSERT_TRUE(waitWarning("typo", "PluginNotFound"));
  ASSERT_TRUE(waitCondition("typo", "Succeeded", "False/PluginNotFound"));
  EXPECT_NE(messageOf(get("pluginrun", "typo")).find("within 6 s"), std::string::npos)
      << get("pluginrun", "typo").dump();
  EXPECT_EQ(condition("typo", "Stalled"), "True/PluginNotFound");
  EXPECT_TRUE(pods().empty());
}

TEST_F(FailuresSpeakTest, AConfigMapThatArrivesWithinTheGraceRunsTheRun) {
  startController({"--missing-plugin-grace", "60"});
  createRun("early", "example");
  ASSERT_TRUE(waitWarning("early", "PluginNotFound"));
  createPluginConfigMap("example", "example");
  ASSERT_TRUE(waitCondition("early", "Succeeded", "Unknown/Running"));
}

// An image no registry has: where the test node runs, its kubelet really fails the pull (from
// loopback port 1, refused at once); without a node the test reports the same as the kubelet.
TEST_F(FailuresSpeakTest, AnImagePullFailureSpeaksAtOnceThenFailsImagePullFailed) {
  const std::string image = "localhost:1/plugin-sandbox/absent:v9";
  startWithExamplePlugin({"--image-pull-grace", "8", "--sandbox-image", image});
  ASSERT_TRUE(startExampleRun("pull"));
  const std::string pod = waitPodName();
  ASSERT_FALSE(pod.empty());
  if (get("pod", pod)["spec"].value("nodeName", "").empty()) {
    patchPod(pod,
             {{"waiting",
               {{"reason", "ImagePullBackOff"},
                {"message", "Back-off pulling image \"" + image + "\""}}}},
             "Pending");
  }
  ASSERT_TRUE(waitMessage("pull", "absent:v9"));
  ASSERT_TRUE(waitWarning("pull", "ImagePullBackOff"));
  ASSERT_TRUE(waitCondition("pull", "Succeeded", "False/ImagePullFailed"))
      << get("pluginrun", "pull").dump();
  EXPECT_NE(messageOf(get("pluginrun", "pull")).find("within 8 s"), std::string::npos);
  EXPECT_TRUE(waitFor([&] { return pods().empty(); }, kWait, "the Pod to be deleted"));
}

// A pull that keeps failing flips the container between ErrImagePull and ImagePullBackOff, and
// each flip is a new status message with its Warning. The recorder aggregates (issue 14 item 5):
// one Event per distinct message, its count raised, however often the kubelet flips. The Pod is
// held unschedulable so that a real node's kubelet never touches it.
TEST_F(FailuresSpeakTest, APullThatKeepsFailingLeavesOneCountedEventPerMessage) {
  startWithExamplePlugin({"--image-pull-grace", "600"});
  createRunWith("flaps",
                {{"plugin", {{"configMap", "example"}}},
                 {"podTemplate", {{"nodeSelector", {{"plugin-sandbox.test/none", "x"}}}}}});
  ASSERT_TRUE(waitCondition("flaps", "Succeeded", "Unknown/Running"));
  const std::string pod = podOf("flaps");
  ASSERT_FALSE(pod.empty());
  constexpr int kFlips = 4;
  for (int flip = 0; flip < kFlips; ++flip) {
    for (const std::string reason : {"ErrImagePull", "ImagePullBackOff"}) {
      patchPod(pod, {{"waiting", {{"reason", reason}, {"message", "pull failed"}}}}, "Pending");
      ASSERT_TRUE(waitMessage("flaps", reason + ": pull failed"));
    }
  }
  auto counted = [&] {
    int total = 0;
    for (const json& event : eventsFor("flaps", "ImagePullBackOff")) {
      total += event.value("count", 1);
    }
    return total;
  };
  EXPECT_TRUE(waitFor([&] { return counted() == 2 * kFlips; }, kWait,
                      "the Events to count every one of the 8 Warnings"))
      << eventsFor("flaps", "ImagePullBackOff").dump();
  EXPECT_EQ(eventsFor("flaps", "ImagePullBackOff").size(), 2u)
      << "one Event per message, not one per Warning";
}

TEST_F(FailuresSpeakTest, AFullResourceQuotaQueuesTheRunUntilThereIsRoom) {
  json quota = {{"apiVersion", "v1"},
                {"kind", "ResourceQuota"},
                {"metadata", {{"name", "no-pods"}}},
                {"spec", {{"hard", {{"pods", "0"}}}}}};
  ASSERT_TRUE(kubectlNs({"apply", "-f", "-"}, quota.dump()).ok());
  startWithExamplePlugin();
  createRun("quota", "example");
  ASSERT_TRUE(waitCondition("quota", "Succeeded", "Unknown/Queued"));
  ASSERT_TRUE(waitMessage("quota", "quota"));
  ASSERT_TRUE(waitWarning("quota", "PodCreateRetrying"));
  EXPECT_TRUE(pods().empty());
  EXPECT_NE(condition("quota", "Succeeded"), "False/PodAdmissionFailed");
  quota["spec"]["hard"]["pods"] = "5";
  ASSERT_TRUE(kubectlNs({"apply", "-f", "-"}, quota.dump()).ok());
  ASSERT_TRUE(waitCondition("quota", "Succeeded", "Unknown/Running"));
  EXPECT_EQ(pods().size(), 1u);
}

}  // namespace
}  // namespace ps::testing

namespace ps::testing {
namespace {

// Issue 15, runs people can cancel and schedule: spec.status: Cancelled, the failure TTL, the
// per-namespace cap, run metrics.
// The controller authenticated by a ServiceAccount token in a file its kubeconfig names
// (tokenFile; in a cluster the kubelet rotates the projected token file the same way). The token
// is bound to a Secret; deleting it revokes the token for real (the server answers 401); a new
// token renamed over the file carries the controller on: a run created afterwards is reconciled
// to the end, without a restart.
class TokenRotationTest : public PluginControllerTest {
 protected:
  void SetUp() override {
    PluginControllerTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() / (ns() + "-token");
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(kubectlNs({"create", "serviceaccount", "controller"}).ok());
    // Everything, but only in this namespace (the controller watches only it).
    ASSERT_TRUE(kubectlNs({"create", "rolebinding", "controller", "--clusterrole=cluster-admin",
                           "--serviceaccount=" + ns() + ":controller"})
                    .ok());
  }
  void TearDown() override {
    PluginControllerTest::TearDown();
    std::filesystem::remove_all(dir_);
  }

  std::string boundToken(const std::string& secret) {
    EXPECT_TRUE(kubectlNs({"create", "secret", "generic", secret}).ok());
    const CommandResult token =
        kubectlNs({"create", "token", "controller", "--bound-object-kind", "Secret",
                   "--bound-object-name", secret, "--duration", "1h"});
    EXPECT_TRUE(token.ok()) << token.err;
    std::string text = token.out;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
  void writeTokenFile(const std::string& token) {
    std::ofstream(dir_ / "token.new") << token;
    std::filesystem::rename(dir_ / "token.new", dir_ / "token");
  }
  // A kubeconfig whose user is `user` (YAML lines under `user:`).
  std::string kubeconfig(const std::string& name, const std::string& user) {
    const auto path = dir_ / name;
    std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
                        << "    server: " << cluster().serverUrl() << "\n"
                        << "    certificate-authority: " << cluster().stateDir()
                        << "/pki/ca.crt\nusers:\n- name: sa\n  user:\n    " << user << "\n"
                        << "contexts:\n- name: sa\n  context: {cluster: test, user: sa}\n"
                        << "current-context: sa\n";
    return path.string();
  }
  CommandResult as(const std::string& kubeconfigPath, std::vector<std::string> args) const {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", kubeconfigPath, "-n", ns()});
    return runCommand(args);
  }
  void runToSuccess(const std::string& run) {
    createRun(run, "example");
    ASSERT_TRUE(waitCondition(run, "Succeeded", "Unknown/Running"));
    const std::string pod = podOf(run);
    ASSERT_FALSE(pod.empty());
    runPod(pod);
    finishPod(pod, 0, "{\"todo\": 1}\n");
    ASSERT_TRUE(waitCondition(run, "Succeeded", "True/Succeeded"));
  }

  std::filesystem::path dir_;
};

TEST_F(TokenRotationTest, ControllerCarriesOnWhenItsTokenIsRevokedAndTheFileRotated) {
  const std::string first = boundToken("bind-1");
  writeTokenFile(first);
  const std::string viaFile =
      kubeconfig("controller.kubeconfig", "tokenFile: " + (dir_ / "token").string());
  const std::string onlyFirst = kubeconfig("first.kubeconfig", "token: " + first);
  ASSERT_TRUE(waitFor(
      [&] {
        return as(viaFile, {"get", "pluginruns"}).ok();
      },
      kWait, "the ServiceAccount to be allowed to list PluginRuns"));
  createPluginConfigMap("example", "example");
  startController({"--kubeconfig", viaFile});
  ASSERT_NO_FATAL_FAILURE(runToSuccess("before"));

  ASSERT_TRUE(kubectlNs({"delete", "secret", "bind-1"}).ok());
  ASSERT_TRUE(waitFor(
      [&] {
        const CommandResult refused = as(onlyFirst, {"get", "pluginruns"});
        return !refused.ok() && refused.err.find("Unauthorized") != std::string::npos;
      },
      kWait, "the API server to refuse the token bound to the deleted Secret"));
  writeTokenFile(boundToken("bind-2"));

  ASSERT_NO_FATAL_FAILURE(runToSuccess("after"));
  EXPECT_TRUE(controller_->running());
  EXPECT_EQ(condition("before", "Succeeded"), "True/Succeeded");
}

class RunControlTest : public PluginControllerTest {
 protected:
  void cancel(const std::string& run) {
    auto result = kubectlNs(
        {"patch", "pluginrun", run, "--type=merge", "-p", R"({"spec":{"status":"Cancelled"}})"});
    ASSERT_TRUE(result.ok()) << result.err;
  }
  // finishPod, finished now: the TTLs count from the container's finishedAt.
  void finishPodNow(const std::string& pod, int exitCode, const std::string& message) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    finishPod(pod, exitCode, message, stamp, stamp);
  }
};

TEST_F(RunControlTest, CancellingARunningRunDeletesItsPodAndEndsItCancelled) {
  startWithExamplePlugin();
  ASSERT_TRUE(startExampleRun("stop-me"));
  const std::string pod = waitPodName();
  ASSERT_FALSE(pod.empty());
  runPod(pod);
  cancel("stop-me");
  ASSERT_TRUE(waitCondition("stop-me", "Succeeded", "False/Cancelled"));
  EXPECT_TRUE(waitFor([&] { return pods().empty(); }, kWait, "the Pod to be deleted"));
  EXPECT_TRUE(waitFor(
      [&] {
        for (const json& event : eventsFor("stop-me", "Cancelled")) {
          if (event.value("type", "") == "Normal") return true;
        }
        return false;
      },
      kWait, "a Normal Event Cancelled"));
  const json run = get("pluginrun", "stop-me");
  EXPECT_TRUE(run["status"].contains("completionTime")) << run.dump();
  EXPECT_EQ(run["status"].value("observedGeneration", 0), run["metadata"].value("generation", -1));
}

TEST_F(RunControlTest, CancellingAQueuedRunNeverMakesAPod) {
  startWithExamplePlugin({"--max-running", "1"});
  ASSERT_TRUE(startExampleRun("first"));
  createRun("second", "example");
  ASSERT_TRUE(waitCondition("second", "Succeeded", "Unknown/Queued"));
  cancel("second");
  ASSERT_TRUE(waitCondition("second", "Succeeded", "False/Cancelled"));
  EXPECT_EQ(pods().size(), 1u);
}

TEST_F(RunControlTest, CancellingAFinishedRunChangesNothingButTheObservedGeneration) {
  startWithExamplePlugin();
  ASSERT_TRUE(startExampleRun("done"));
  const std::string pod = waitPodName();
  runPod(pod);
  finishPod(pod, 0, "all good\n");
  ASSERT_TRUE(waitCondition("done", "Succeeded", "True/Succeeded"));
  cancel("done");
  // kstatus reads generation != observedGeneration as in progress: it must catch up.
  ASSERT_TRUE(waitFor(
      [&] { return get("pluginrun", "done")["status"].value("observedGeneration", 0) == 2; }, kWait,
      "observedGeneration 2"));
  EXPECT_EQ(condition("done", "Succeeded"), "True/Succeeded");
  EXPECT_EQ(get("pluginrun", "done")["status"].value("result", ""), "all good\n");
  EXPECT_TRUE(eventsFor("done", "Cancelled").empty());
}

TEST_F(RunControlTest, APerNamespaceCapQueuesOnlyTheFullNamespace) {
  TestNamespace other = cluster().uniqueNamespace("ctl-o");
  watched_ = ns() + "," + other.name();
  startWithExamplePlugin({"--max-running-per-namespace", "1"});
  ASSERT_TRUE(startExampleRun("first"));
  createRun("second", "example");
  ASSERT_TRUE(waitCondition("second", "Succeeded", "Unknown/Queued"));
  EXPECT_NE(messageOf(get("pluginrun", "second")).find("--max-running-per-namespace=1"),
            std::string::npos)
      << get("pluginrun", "second").dump();
  // Another namespace is not held back by this one's cap.
  const std::string dir = kSourceDir + "/plugins/example";
  ASSERT_TRUE(
      kubectl({"-n", other.name(), "create", "configmap", "example",
               "--from-file=" + dir + "/manifest.json", "--from-file=" + dir + "/plugin.py"})
          .ok());
  json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
              {"kind", "PluginRun"},
              {"metadata", {{"name", "elsewhere"}, {"namespace", other.name()}}},
              {"spec", {{"plugin", {{"configMap", "example"}}}}}};
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, run.dump()).ok());
  EXPECT_TRUE(waitFor(
      [&] {
        return kubectl({"-n", other.name(), "get", "pluginrun", "elsewhere", "-o",
                        "jsonpath={.status.conditions[?(@.type==\"Succeeded\")].reason}"})
                   .out == "Running";
      },
      kWait, "the run in the other namespace to start"));
  const std::string firstPod = podOf("first");
  runPod(firstPod);
  finishPod(firstPod, 0, "one\n");
  ASSERT_TRUE(waitCondition("second", "Succeeded", "Unknown/Running"));
}

TEST_F(RunControlTest, MetricsCountRunsByReasonAndRequestsAsControllerRuntimeLabelsThem) {
  const std::string port = std::to_string(freeLoopbackPort());
  startWithExamplePlugin({"--metrics-bind-address", "127.0.0.1:" + port});
  ASSERT_TRUE(startExampleRun("counted"));
  auto scrape = [&] {
    auto result =
        runCommand({"curl", "-sf", "--max-time", "10", "http://127.0.0.1:" + port + "/metrics"});
    return result.ok() ? result.out : "";
  };
  EXPECT_TRUE(waitFor(
      [&] { return scrape().find("\nplugin_sandbox_runs_running 1\n") != std::string::npos; },
      kWait, "plugin_sandbox_runs_running 1"));
  const std::string pod = podOf("counted");
  runPod(pod);
  finishPod(pod, 0, "ok\n");
  ASSERT_TRUE(waitCondition("counted", "Succeeded", "True/Succeeded"));
  std::string text;
  EXPECT_TRUE(waitFor(
      [&] {
        text = scrape();
        return text.find("\nplugin_sandbox_runs_finished_total{reason=\"Succeeded\"} 1\n") !=
               std::string::npos;
      },
      kWait, "plugin_sandbox_runs_finished_total{reason=\"Succeeded\"} 1"))
      << text;
  EXPECT_NE(text.find("\nplugin_sandbox_runs_running 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("plugin_sandbox_run_duration_seconds_count{reason=\"Succeeded\"} 1"),
            std::string::npos);
  // The Pod's create: code, host (the kubeconfig's server), method.
  const std::string created = "rest_client_requests_total{code=\"201\",host=\"";
  const auto at = text.find(created);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_NE(text.find("method=\"POST\"}", at), std::string::npos) << text.substr(at, 200);
}

TEST_F(RunControlTest, PodTemplateSchedulesThePodAndARuntimeClassMustBeAllowed) {
  startWithExamplePlugin({"--allowed-runtime-classes", "gvisor"});
  const json affinity = json::parse(R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchExpressions":[{"key":"kubernetes.io/os","operator":"In","values":["linux"]}]}]}},
      "podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":50,
        "podAffinityTerm":{"topologyKey":"kubernetes.io/hostname","labelSelector":{
          "matchExpressions":[{"key":"sandbox.plugins.dev/pluginrun","operator":"Exists"}]}}}]}})");
  createRunWith("placed", {{"plugin", {{"configMap", "example"}}},
                           {"podTemplate",
                            {{"nodeSelector", {{"pool", "plugins"}}},
                             {"affinity", affinity},
                             {"tolerations", {{{"key", "plugins"}, {"operator", "Exists"}}}}}}});
  createRunWith("weaker", {{"plugin", {{"configMap", "example"}}},
                           {"podTemplate", {{"runtimeClassName", "runc"}}}});
  ASSERT_TRUE(waitCondition("placed", "Succeeded", "Unknown/Running"));
  const json pod = get("pod", podOf("placed"));
  EXPECT_EQ(pod["spec"]["nodeSelector"], json({{"pool", "plugins"}})) << pod.dump();
  EXPECT_EQ(pod["spec"]["tolerations"][0]["key"], "plugins");
  EXPECT_EQ(pod["spec"]["affinity"], affinity) << pod.dump();
  ASSERT_TRUE(waitCondition("weaker", "Succeeded", "False/Rejected"));
  EXPECT_NE(messageOf(get("pluginrun", "weaker")).find("rejected: runtimeClass:"),
            std::string::npos)
      << get("pluginrun", "weaker").dump();
  EXPECT_EQ(pods().size(), 1u);
}

// --default-pod-template: a run without a podTemplate gets the defaults; a run's own field
// replaces the default's (its nodeSelector), the others stay (tolerations, affinity); the
// operator's runtimeClassName needs no --allowed-runtime-classes entry.
TEST_F(RunControlTest, DefaultPodTemplateFillsWhatARunLeavesOut) {
  const json defaults = json::parse(R"({"nodeSelector":{"pool":"shared"},
      "tolerations":[{"key":"plugins","operator":"Exists","effect":"NoSchedule"}],
      "affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":10,"preference":{"matchExpressions":[{"key":"spot","operator":"DoesNotExist"}]}}]}},
      "imagePullSecrets":[{"name":"mirror"}]})");
  startController({"--default-pod-template", defaults.dump()});
  createPluginConfigMap("example", "example");
  createRunWith("plain", {{"plugin", {{"configMap", "example"}}}});
  createRunWith("own", {{"plugin", {{"configMap", "example"}}},
                        {"podTemplate", {{"nodeSelector", {{"pool", "mine"}}}}}});
  ASSERT_TRUE(waitCondition("plain", "Succeeded", "Unknown/Running"));
  ASSERT_TRUE(waitCondition("own", "Succeeded", "Unknown/Running"));
  const json plain = get("pod", podOf("plain"))["spec"];
  EXPECT_EQ(plain["nodeSelector"], defaults["nodeSelector"]) << plain.dump();
  // (The DefaultTolerationSeconds admission plugin appends its own two after ours.)
  EXPECT_EQ(plain["tolerations"][0], defaults["tolerations"][0]);
  EXPECT_EQ(plain["affinity"], defaults["affinity"]);
  EXPECT_EQ(plain["imagePullSecrets"], defaults["imagePullSecrets"]);
  const json own = get("pod", podOf("own"))["spec"];
  EXPECT_EQ(own["nodeSelector"], json({{"pool", "mine"}})) << own.dump();
  EXPECT_EQ(own["tolerations"][0], defaults["tolerations"][0]);
  EXPECT_EQ(own["affinity"], defaults["affinity"]);
}

// A bad --default-pod-template stops the controller at start-up: exit 2, one line naming it.
TEST_F(RunControlTest, ABadDefaultPodTemplateExitsTwoWithOneLine) {
  startController({"--default-pod-template", R"({"hostNetwork":true})"});
  ASSERT_TRUE(waitFor([&] { return controller_->exitStatus().has_value(); }, kWait,
                      "the controller to exit"));
  EXPECT_EQ(controller_->exitStatus(), 2) << controller_->log();
  const std::string log = controller_->log();
  EXPECT_NE(log.find("--default-pod-template.hostNetwork: unknown field"), std::string::npos)
      << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

TEST_F(RunControlTest, AFailedRunGoesAfterItsFailureTtlASucceededOneStays) {
  startWithExamplePlugin();
  const json ttl = {{"plugin", {{"configMap", "example"}}},
                    {"ttlSecondsAfterFinished", 3600},
                    {"ttlSecondsAfterFailure", 1}};
  createRunWith("fails", ttl);
  createRunWith("passes", ttl);
  ASSERT_TRUE(waitCondition("fails", "Succeeded", "Unknown/Running"));
  ASSERT_TRUE(waitCondition("passes", "Succeeded", "Unknown/Running"));
  const std::string failing = podOf("fails");
  const std::string passing = podOf("passes");
  ASSERT_FALSE(failing.empty());
  ASSERT_FALSE(passing.empty());
  finishPodNow(failing, 3, "");
  finishPodNow(passing, 0, "ok\n");
  ASSERT_TRUE(waitCondition("passes", "Succeeded", "True/Succeeded"));
  EXPECT_TRUE(waitFor([&] { return !get("pluginrun", "fails").is_object(); }, kWait,
                      "the failed run to be deleted after 1 s"));
  EXPECT_EQ(condition("passes", "Succeeded"), "True/Succeeded") << "3600 s: still there";
}

// A name at the 253-character limit (issue 14 item 5): the Pod's name stays a DNS label of at
// most 63 characters, the run label a valid label value, and the run completes.
TEST_F(RunControlTest, ARunNamedAtThe253CharacterLimitRunsInAValidPod) {
  // Each dot-separated part at most 63, as our spec check requires (the API server does not).
  const std::string name = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                           std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(name.size(), 253u);
  startWithExamplePlugin();
  ASSERT_TRUE(startExampleRun(name));
  const std::string podName = podOf(name);
  ASSERT_FALSE(podName.empty());
  EXPECT_LE(podName.size(), 63u);
  EXPECT_EQ(podName.rfind(std::string(52, 'a') + "-", 0), 0u) << podName;
  const json pod = get("pod", podName);
  EXPECT_EQ(pod["metadata"]["labels"].value("sandbox.plugins.dev/pluginrun", ""), podName)
      << "the name does not fit a label value: the Pod's name stands for it";
  runPod(podName);
  finishPod(podName, 0, "long\n");
  ASSERT_TRUE(waitCondition(name, "Succeeded", "True/Succeeded"));
  EXPECT_EQ(pods().size(), 1u);
}

}  // namespace
}  // namespace ps::testing
