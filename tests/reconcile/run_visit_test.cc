#include "reconcile/run_visit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/key_ring.h"
#include "core/policy.h"
#include "kube/rfc3339.h"
#include "reconcile/conditions.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace fs = std::filesystem;

const fs::path kPlugins = fs::path(PS_SOURCE_DIR) / "plugins";
const TimePoint kNow = *kube::parseRfc3339("2026-11-27T21:00:00Z");

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The signed techdebt plugin from the repository, as `kubectl create configmap --from-file`
// would store it.
json techdebtConfigMap() {
  json data = json::object();
  for (const char* name : {"manifest.json", "plugin.py"}) {
    data[name] = readFile(kPlugins / "techdebt" / name);
  }
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "techdebt"}}},
          {"data", data}};
}

json pluginRun() {
  return json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"name": "scan-1", "namespace": "team-a", "uid": "u-1", "generation": 1},
    "spec": {"plugin": {"configMap": "techdebt"}, "timeoutSeconds": 120,
             "ttlSecondsAfterFinished": 600}})");
}

class RunVisitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = core::Policy::load(kPlugins / "policy.json");
    ASSERT_TRUE(policy.ok()) << policy.rejection().line();
    policy_.emplace(std::move(*policy));
    auto keys = core::KeyRing::fromPemFile((kPlugins / "keys" / "demo.pub.pem").string());
    ASSERT_TRUE(keys.ok()) << keys.rejection().line();
    keys_.emplace(std::move(*keys));
    run_ = pluginRun();
    configMap_ = techdebtConfigMap();
  }

  VisitPlan visit(const json* pod = nullptr, TimePoint now = kNow) {
    VisitInputs inputs;
    inputs.run = &run_;
    inputs.pod = pod;
    inputs.configMap = configMap_.is_null() ? nullptr : &configMap_;
    inputs.trust = core::TrustConfig{&*policy_, &*keys_};
    inputs.settings = &settings_;
    inputs.now = now;
    VisitPlan plan = planVisit(inputs);
    if (plan.status) run_["status"] = *plan.status;  // as the API server would store it
    return plan;
  }

  std::optional<core::Policy> policy_;
  std::optional<core::KeyRing> keys_;
  ControllerSettings settings_;
  json run_, configMap_;
};

std::string conditionReason(const json& status) {
  for (const auto& condition : status["conditions"]) {
    if (condition["type"] == "Succeeded") return condition["reason"];
  }
  return "";
}

TEST_F(RunVisitTest, SignedAllowedPluginLaunchesAPodAndRecordsWhoSignedIt) {
  const VisitPlan plan = visit();
  EXPECT_EQ(plan.decision.next, RunState::Running);
  ASSERT_TRUE(plan.pod.has_value());
  ASSERT_TRUE(plan.networkPolicy.has_value());
  EXPECT_EQ((*plan.pod)["metadata"]["name"], plan.podName);
  EXPECT_EQ((*plan.pod)["spec"]["activeDeadlineSeconds"], 120 + settings_.deadlineGraceSeconds);
  ASSERT_TRUE(plan.status.has_value());
  const json& status = *plan.status;
  EXPECT_EQ(status["pluginID"], "techdebt");
  EXPECT_EQ(status["pluginVersion"], "1.2.0");
  EXPECT_EQ(status["signedBy"], keys_->keys().front().keyId());
  EXPECT_EQ(status["podName"], plan.podName);
  EXPECT_EQ(status["startTime"], "2026-11-27T21:00:00Z");
  EXPECT_EQ(status["policyConfigured"], true);
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_EQ(conditionReason(status), "Running");
  // The launcher is told every file the check read, manifest.json included.
  const json& args = (*plan.pod)["spec"]["containers"][0]["args"];
  std::vector<std::string> pinned;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--expect") {
      const std::string pin = args[i + 1].get<std::string>();
      pinned.push_back(pin.substr(0, pin.find('=')));
    }
  }
  EXPECT_EQ(pinned, (std::vector<std::string>{"manifest.json", "plugin.py"}));
}

TEST_F(RunVisitTest, FullLifecycleToSuccessAndTtl) {
  const VisitPlan launch = visit();
  json pod = *launch.pod;
  pod["status"] = json::parse(R"({"phase": "Running", "startTime": "2026-11-27T21:00:01Z"})");
  const VisitPlan running = visit(&pod, kNow + seconds{30});
  EXPECT_EQ(running.decision.next, RunState::Running);
  EXPECT_FALSE(running.status.has_value());
  EXPECT_EQ(running.decision.requeueAfter, seconds{120 - 30} + kDeadlineGrace);

  pod["status"] = json::parse(R"({"phase": "Succeeded", "containerStatuses": [{"name": "plugin",
      "state": {"terminated": {"exitCode": 0, "reason": "Completed", "message": "3 TODOs\n",
      "finishedAt": "2026-11-27T21:01:00Z"}}}]})");
  const VisitPlan done = visit(&pod, kNow + seconds{61});
  EXPECT_EQ(done.decision.next, RunState::Succeeded);
  ASSERT_TRUE(done.status.has_value());
  EXPECT_EQ((*done.status)["result"], "3 TODOs\n");
  EXPECT_EQ((*done.status)["exitCode"], 0);
  EXPECT_EQ((*done.status)["completionTime"], "2026-11-27T21:01:00Z");
  EXPECT_EQ((*done.status)["startTime"], "2026-11-27T21:00:00Z");  // kept from the launch
  EXPECT_EQ((*done.status)["pluginID"], "techdebt");

  EXPECT_FALSE(visit(&pod, kNow + seconds{300}).decision.deleteRun);
  const VisitPlan expired = visit(&pod, kNow + seconds{60 + 600});
  EXPECT_TRUE(expired.decision.deleteRun);
  EXPECT_TRUE(expired.decision.deletePod);
}

TEST_F(RunVisitTest, TerminalRunNeverGoesBackWhenItsPodIsDeleted) {
  json pod = *visit().pod;
  pod["status"] = {{"phase", "Failed"},
                   {"containerStatuses",
                    {{{"name", "plugin"}, {"state", {{"terminated", {{"exitCode", 2}}}}}}}}};
  EXPECT_EQ(visit(&pod).decision.next, RunState::Failed);
  EXPECT_EQ((*run_.find("status"))["exitCode"], 2);
  const json before = run_["status"];
  const VisitPlan after = visit(nullptr, kNow + seconds{5});  // Pod gone (Tekton #7895)
  EXPECT_EQ(after.decision.next, RunState::Failed);
  EXPECT_FALSE(after.pod.has_value());
  EXPECT_FALSE(after.status.has_value());
  EXPECT_EQ(run_["status"], before);
}

TEST_F(RunVisitTest, TamperedPluginIsRejectedWithoutAPod) {
  configMap_["data"]["plugin.py"] = "import os\nos.system('curl evil')\n";
  const VisitPlan plan = visit();
  EXPECT_EQ(plan.decision.next, RunState::Rejected);
  EXPECT_FALSE(plan.pod.has_value());
  EXPECT_FALSE(plan.networkPolicy.has_value());
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "Rejected");
  EXPECT_EQ(plan.events[0].message.rfind("rejected: ", 0), 0u) << plan.events[0].message;
  EXPECT_EQ(conditionReason(*plan.status), "Rejected");
}

TEST_F(RunVisitTest, ConfigMapKeysOutsideTheManifestAreRejected) {
  configMap_["data"]["extra.py"] = "print('not listed')\n";
  EXPECT_EQ(visit().decision.next, RunState::Rejected);
}

// Issue 14 item 5: a ~1 MiB plugin ConfigMap with thousands of keys has one clear outcome, the
// rule named (more files than a plugin directory may hold), no Pod, one Event.
TEST_F(RunVisitTest, AMegabyteConfigMapWithThousandsOfKeysIsRejectedByItsLayout) {
  for (int i = 0; i < 4000; ++i) {
    configMap_["data"]["file" + std::to_string(i) + ".py"] = std::string(250, 'x');
  }
  ASSERT_GE(configMap_.dump().size(), 1u << 20);
  const VisitPlan plan = visit();
  EXPECT_EQ(plan.decision.next, RunState::Rejected);
  EXPECT_FALSE(plan.pod.has_value());
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].message.rfind("rejected: layout: ", 0), 0u) << plan.events[0].message;
  EXPECT_LE(plan.events[0].message.size(), 1024u) << "the message names the limit, not the keys";
}

// The same megabyte in one key: the signed digest of plugin.py no longer matches.
TEST_F(RunVisitTest, AMegabytePluginFileIsRejectedByItsDigest) {
  configMap_["data"]["plugin.py"] = std::string(1 << 20, '#');
  const VisitPlan plan = visit();
  EXPECT_EQ(plan.decision.next, RunState::Rejected);
  EXPECT_FALSE(plan.pod.has_value());
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].message.rfind("rejected: digest: ", 0), 0u) << plan.events[0].message;
}

TEST_F(RunVisitTest, MissingConfigMapWaitsThenProceeds) {
  const json configMap = configMap_;
  configMap_ = json();
  const VisitPlan waiting = visit();
  EXPECT_EQ(waiting.decision.next, RunState::Validating);
  EXPECT_NE(waiting.decision.message.find("\"techdebt\" not found"), std::string::npos);
  EXPECT_EQ(conditionReason(*waiting.status), "Validating");
  configMap_ = configMap;
  EXPECT_EQ(visit().decision.next, RunState::Running);
}

TEST_F(RunVisitTest, InvalidSpecIsRejected) {
  run_["spec"]["timeoutSeconds"] = 0;
  const VisitPlan plan = visit();
  EXPECT_EQ(plan.decision.next, RunState::Rejected);
  EXPECT_NE(plan.decision.message.find("rejected: spec: spec.timeoutSeconds"), std::string::npos);
}

TEST_F(RunVisitTest, AdoptsAPodLeftByARestartedController) {
  VisitPlan first = visit();
  json pod = *first.pod;
  run_.erase("status");  // the controller died before writing status
  pod["status"] = {{"phase", "Running"}};
  pod["metadata"]["creationTimestamp"] = "2026-11-27T20:59:00Z";
  const VisitPlan again = visit(&pod);
  EXPECT_EQ((*again.status)["startTime"], "2026-11-27T20:59:00Z");
  EXPECT_EQ(again.decision.next, RunState::Running);
  EXPECT_FALSE(again.pod.has_value());
  EXPECT_FALSE(again.decision.createPod);
  EXPECT_EQ((*again.status)["podName"], first.podName);
}

TEST_F(RunVisitTest, NoPolicyIsRecordedAndAnnounced) {
  VisitInputs inputs;
  inputs.run = &run_;
  inputs.configMap = &configMap_;
  inputs.trust = core::TrustConfig{nullptr, &*keys_};
  inputs.settings = &settings_;
  inputs.now = kNow;
  const VisitPlan plan = planVisit(inputs);
  EXPECT_EQ(plan.decision.next, RunState::Running);
  EXPECT_EQ((*plan.status)["policyConfigured"], false);
  bool announced = false;
  for (const auto& event : plan.events) announced |= event.reason == "NoPolicyConfigured";
  EXPECT_TRUE(announced);
}

TEST_F(RunVisitTest, QueuedWhenNoSlotIsFree) {
  VisitInputs inputs;
  inputs.run = &run_;
  inputs.configMap = &configMap_;
  inputs.trust = core::TrustConfig{&*policy_, &*keys_};
  inputs.settings = &settings_;
  inputs.capacityAvailable = false;
  inputs.now = kNow;
  const VisitPlan plan = planVisit(inputs);
  EXPECT_EQ(plan.decision.next, RunState::Queued);
  EXPECT_FALSE(plan.pod.has_value());
  EXPECT_EQ(conditionReason(*plan.status), "Queued");
}

TEST_F(RunVisitTest, PolicyLimitsAreAnnouncedWhenTheyLowerTheRun) {
  run_["spec"]["timeoutSeconds"] = 3000;  // policy allows techdebt 300 s
  const VisitPlan plan = visit();
  ASSERT_TRUE(plan.pod.has_value());
  EXPECT_EQ((*plan.pod)["spec"]["activeDeadlineSeconds"], 300 + settings_.deadlineGraceSeconds);
  bool announced = false;
  for (const auto& event : plan.events) {
    announced |= event.reason == "LimitsLowered" &&
                 event.message == "timeoutSeconds 3000 lowered to 300 (policy limit)";
  }
  EXPECT_TRUE(announced);
}

}  // namespace
}  // namespace ps::reconcile
