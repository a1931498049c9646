#include "manager/cache_transforms.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/key_ring.h"
#include "core/policy.h"
#include "kube/rfc3339.h"
#include "reconcile/pod_observation.h"
#include "reconcile/run_visit.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kPlugins = fs::path(PS_SOURCE_DIR) / "plugins";
const TimePoint kNow = *kube::parseRfc3339("2026-11-27T21:00:00Z");

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

json techdebtConfigMap() {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "techdebt"}}},
          {"data",
           {{"manifest.json", readFile(kPlugins / "techdebt" / "manifest.json")},
            {"plugin.py", readFile(kPlugins / "techdebt" / "plugin.py")}}}};
}

// A PluginRun as the API server returns it after `kubectl apply`: every optional spec field, and
// the metadata a visit never reads (annotations, finalizers, managedFields).
json serverRun() {
  return json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"name": "scan-1", "namespace": "team-a", "uid": "u-1", "generation": 1,
      "resourceVersion": "4711", "creationTimestamp": "2026-11-27T20:59:58Z",
      "labels": {"team": "a"}, "finalizers": ["example.com/keep"],
      "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"spec\":{}}"},
      "managedFields": [{"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {}}}]},
    "spec": {"plugin": {"configMap": "techdebt"}, "input": {"configMap": "repo"},
      "args": ["--limit", "20"], "timeoutSeconds": 120, "ttlSecondsAfterFinished": 600,
      "resources": {"limits": {"cpu": "250m", "memory": "128Mi"}}}})");
}

// The controller's Pod as the API server stores it, with what the kubelet reports in `status`.
json serverPod(const json& built, const json& status) {
  json pod = built;
  pod["metadata"]["uid"] = "pod-uid";
  pod["metadata"]["resourceVersion"] = "4800";
  pod["metadata"]["creationTimestamp"] = "2026-11-27T21:00:01Z";
  pod["metadata"]["managedFields"] = json::array({{{"manager", "plugin-controller"}}});
  pod["spec"]["nodeName"] = "node-1";
  pod["spec"]["tolerations"] = json::array({{{"key", "node.kubernetes.io/not-ready"}}});
  pod["status"] = status;
  pod["status"]["conditions"] = json::array({{{"type", "Ready"}, {"status", "False"}}});
  pod["status"]["podIP"] = "10.0.0.7";
  pod["status"]["qosClass"] = "Guaranteed";
  return pod;
}

json containerStatus(const json& state) {
  return {{"name", "plugin"},        {"image", "sandbox:dev"},
          {"imageID", "sha256:abc"}, {"containerID", "containerd://123"},
          {"ready", false},          {"restartCount", 0},
          {"started", false},        {"lastState", json::object()},
          {"state", state}};
}

// What the kubelet may report, one case per branch of observePod and the transition function.
std::vector<std::pair<std::string, json>> podStatuses() {
  const json terminated = {{"exitCode", 0},
                           {"reason", "Completed"},
                           {"message", "{\"todo\":3}\n"},
                           {"startedAt", "2026-11-27T21:00:02Z"},
                           {"finishedAt", "2026-11-27T21:00:04Z"}};
  json failed = terminated;
  failed["exitCode"] = 3;
  failed["reason"] = "Error";
  return {
      {"pending", {{"phase", "Pending"}}},
      {"waiting",
       {{"phase", "Pending"},
        {"containerStatuses",
         {containerStatus({{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "no"}}}})}}}},
      {"running",
       {{"phase", "Running"},
        {"startTime", "2026-11-27T21:00:02Z"},
        {"containerStatuses",
         {containerStatus({{"running", {{"startedAt", "2026-11-27T21:00:02Z"}}}})}}}},
      {"succeeded",
       {{"phase", "Succeeded"},
        {"startTime", "2026-11-27T21:00:02Z"},
        {"containerStatuses", {containerStatus({{"terminated", terminated}})}}}},
      {"failed",
       {{"phase", "Failed"},
        {"startTime", "2026-11-27T21:00:02Z"},
        {"containerStatuses", {containerStatus({{"terminated", failed}})}}}},
      {"deadline", {{"phase", "Failed"}, {"reason", "DeadlineExceeded"}, {"message", "too long"}}},
      {"evicted", {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", "low memory"}}},
  };
}

class CacheTransformsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = core::Policy::load(kPlugins / "policy.json");
    ASSERT_TRUE(policy.ok()) << policy.rejection().line();
    policy_.emplace(std::move(*policy));
    auto keys = core::KeyRing::fromPemFile((kPlugins / "keys" / "demo.pub.pem").string());
    ASSERT_TRUE(keys.ok()) << keys.rejection().line();
    keys_.emplace(std::move(*keys));
  }

  VisitPlan visit(const json& run, const json* pod, TimePoint now = kNow) {
    VisitInputs inputs;
    inputs.run = &run;
    inputs.pod = pod;
    inputs.configMap = &configMap_;
    inputs.trust = core::TrustConfig{&*policy_, &*keys_};
    inputs.settings = &settings_;
    inputs.now = now;
    return planVisit(inputs);
  }

  std::optional<core::Policy> policy_;
  std::optional<core::KeyRing> keys_;
  ControllerSettings settings_;
  json configMap_ = techdebtConfigMap();
};

json trimmedRun(json run) {
  trimPluginRun(run);
  return run;
}

json trimmedPod(json pod) {
  trimPod(pod);
  return pod;
}

void expectSamePlan(const VisitPlan& full, const VisitPlan& trimmed, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(full.decision.next, trimmed.decision.next);
  EXPECT_EQ(full.decision.message, trimmed.decision.message);
  EXPECT_TRUE(full.decision.requeueAfter == trimmed.decision.requeueAfter);
  EXPECT_EQ(full.podName, trimmed.podName);
  EXPECT_EQ(full.pod, trimmed.pod);
  EXPECT_EQ(full.networkPolicy, trimmed.networkPolicy);
  EXPECT_EQ(full.status, trimmed.status);
  ASSERT_EQ(full.events.size(), trimmed.events.size());
  for (std::size_t i = 0; i < full.events.size(); ++i) {
    EXPECT_EQ(full.events[i].reason, trimmed.events[i].reason);
    EXPECT_EQ(full.events[i].message, trimmed.events[i].message);
  }
}

TEST_F(CacheTransformsTest, FirstVisitPlansTheSameFromATrimmedRun) {
  const json run = serverRun();
  const VisitPlan full = visit(run, nullptr);
  ASSERT_TRUE(full.pod.has_value());  // the case must reach the launch, or it proves little
  expectSamePlan(full, visit(trimmedRun(run), nullptr), "first visit");
}

TEST_F(CacheTransformsTest, EveryPodStatePlansTheSameFromTrimmedRunAndPod) {
  json run = serverRun();
  const VisitPlan launch = visit(run, nullptr);
  ASSERT_TRUE(launch.pod && launch.status);
  for (const bool withStatus : {false, true}) {
    // Without status: the controller restarted and adopts the Pod; with: the usual next visit.
    if (withStatus) run["status"] = *launch.status;
    for (const auto& [name, status] : podStatuses()) {
      const json pod = serverPod(*launch.pod, status);
      const json trimmed = trimmedPod(pod);
      const auto later = kNow + std::chrono::seconds(5);
      expectSamePlan(visit(run, &pod, later), visit(trimmedRun(run), &trimmed, later),
                     name + (withStatus ? " (after launch)" : " (adopted)"));
      json deleting = pod;
      deleting["metadata"]["deletionTimestamp"] = "2026-11-27T21:00:05Z";
      const json trimmedDeleting = trimmedPod(deleting);
      expectSamePlan(visit(run, &deleting, later), visit(trimmedRun(run), &trimmedDeleting, later),
                     name + " (deleting)");
    }
  }
}

TEST_F(CacheTransformsTest, ThePodsOwnDeadlineStillDecidesTheBackstop) {
  json run = serverRun();
  const VisitPlan launch = visit(run, nullptr);
  ASSERT_TRUE(launch.pod && launch.status);
  run["status"] = *launch.status;
  json pod = serverPod(*launch.pod, podStatuses()[2].second);  // running
  // A Pod made under an older, stricter limit: 30 s plus the launcher's 10 s grace, not the
  // spec's 120 s. Only the cached deadline tells the visit that its backstop has passed.
  pod["spec"]["activeDeadlineSeconds"] = 40;
  const auto later = kNow + std::chrono::seconds(100);
  const VisitPlan full = visit(run, &pod, later);
  EXPECT_EQ(full.decision.next, RunState::TimedOut);
  const json trimmed = trimmedPod(pod);
  expectSamePlan(full, visit(trimmedRun(run), &trimmed, later), "deadline from the Pod");
}

TEST_F(CacheTransformsTest, FinishedRunKeepsOnlyWhatLaterVisitsRead) {
  json run = serverRun();
  const VisitPlan launch = visit(run, nullptr);
  ASSERT_TRUE(launch.pod && launch.status);
  run["status"] = *launch.status;
  const json pod = serverPod(*launch.pod, podStatuses()[3].second);  // succeeded
  const VisitPlan done = visit(run, &pod, kNow + std::chrono::seconds(5));
  ASSERT_TRUE(done.status.has_value());
  run["status"] = *done.status;
  ASSERT_TRUE(run["status"].contains("result"));
  const json trimmed = trimmedRun(run);
  EXPECT_EQ(trimmed["spec"], run["spec"]);
  EXPECT_FALSE(trimmed["status"].contains("result")) << "never written again, not needed";
  EXPECT_EQ(trimmed["status"]["conditions"].size(), 1u);
  EXPECT_EQ(trimmed["status"]["conditions"][0],
            (json{{"type", "Succeeded"}, {"status", "True"}, {"reason", "Succeeded"}}));
  EXPECT_EQ(trimmed["status"]["completionTime"], run["status"]["completionTime"]);
  EXPECT_EQ(trimmed["status"]["podName"], run["status"]["podName"]);
  EXPECT_EQ(trimmedRun(trimmed), trimmed);
  // Later visits decide the same from the trimmed copy: before the TTL (requeue), after it
  // (delete the run), and with its Pod somehow still running (delete the Pod).
  for (const int after : {5, 60, 3600}) {
    const auto later = kNow + std::chrono::seconds(after);
    expectSamePlan(visit(run, &pod, later), visit(trimmed, &pod, later),
                   "finished, +" + std::to_string(after) + " s");
    EXPECT_FALSE(visit(trimmed, &pod, later).status.has_value()) << "terminal is terminal";
  }
  const json running = serverPod(*launch.pod, podStatuses()[2].second);
  const VisitPlan stray = visit(trimmed, &running, kNow + std::chrono::seconds(5));
  EXPECT_TRUE(stray.decision.deletePod);
  expectSamePlan(visit(run, &running, kNow + std::chrono::seconds(5)), stray, "stray Pod");
}

TEST_F(CacheTransformsTest, AFinishedRunIsPackedAndUnpacksToItsTrimmedCopy) {
  json run = serverRun();
  const VisitPlan launch = visit(run, nullptr);
  ASSERT_TRUE(launch.pod && launch.status);
  run["status"] = *launch.status;
  json running = run;
  trimAndPackPluginRun(running);
  EXPECT_FALSE(isPackedRun(running)) << "a running run's status is rewritten from the cache";
  EXPECT_EQ(running, trimmedRun(run));
  const json pod = serverPod(*launch.pod, podStatuses()[3].second);  // succeeded
  const VisitPlan done = visit(run, &pod, kNow + std::chrono::seconds(5));
  ASSERT_TRUE(done.status.has_value());
  run["status"] = *done.status;
  json packed = run;
  trimAndPackPluginRun(packed);
  ASSERT_TRUE(isPackedRun(packed));
  EXPECT_EQ(kube::objectKey(packed), kube::objectKey(run));
  EXPECT_EQ(kube::resourceVersionOf(packed), kube::resourceVersionOf(run));
  EXPECT_FALSE(packed.contains("status"));
  const kube::ObjectPtr unpacked = unpackedRun(std::make_shared<const json>(packed));
  ASSERT_TRUE(unpacked);
  EXPECT_EQ(*unpacked, trimmedRun(run));
  const auto notPacked = std::make_shared<const json>(trimmedRun(run));
  EXPECT_EQ(unpackedRun(notPacked), notPacked);
}

TEST(PackedRunTest, BytesThatDoNotUnpackGiveNoRun) {
  json broken = {{"metadata", {{"name", "x"}, {"namespace", "y"}}},
                 {kPackedRun, json::binary({0xc1, 0xff})}};
  EXPECT_EQ(unpackedRun(std::make_shared<const json>(broken)), nullptr);
  broken[kPackedRun] = "not bytes";
  EXPECT_EQ(unpackedRun(std::make_shared<const json>(broken)), nullptr);
}

TEST_F(CacheTransformsTest, KeepsWhatTheCacheQueueAndEventsNeed) {
  const json run = serverRun();
  const json trimmed = trimmedRun(run);
  for (const char* key : {"apiVersion", "kind"}) EXPECT_EQ(trimmed[key], run[key]) << key;
  for (const char* key : {"name", "namespace", "uid", "resourceVersion", "generation",
                          "creationTimestamp", "labels"}) {
    EXPECT_EQ(trimmed["metadata"][key], run["metadata"][key]) << key;
  }
  const json pod = serverPod(*visit(run, nullptr).pod, {{"phase", "Pending"}});
  const json trimmedP = trimmedPod(pod);
  for (const char* key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                          "labels", "ownerReferences"}) {
    EXPECT_EQ(trimmedP["metadata"][key], pod["metadata"][key]) << key;
  }
  ASSERT_TRUE(trimmedP["metadata"]["ownerReferences"].is_array());
  EXPECT_EQ(trimmedP["metadata"]["ownerReferences"][0]["name"], "scan-1");
}

TEST_F(CacheTransformsTest, DropsWhatNoVisitReads) {
  const json run = serverRun();
  const json trimmed = trimmedRun(run);
  for (const char* key : {"annotations", "managedFields", "finalizers"}) {
    EXPECT_FALSE(trimmed["metadata"].contains(key)) << key;
  }
  const json pod = serverPod(*visit(run, nullptr).pod, podStatuses()[3].second);
  const json trimmedP = trimmedPod(pod);
  EXPECT_EQ(trimmedP["spec"],
            json({{"activeDeadlineSeconds", pod["spec"]["activeDeadlineSeconds"]}}));
  EXPECT_FALSE(trimmedP["status"].contains("conditions"));
  EXPECT_FALSE(trimmedP["status"].contains("podIP"));
  EXPECT_EQ(trimmedP["status"]["containerStatuses"][0],
            json({{"name", "plugin"}, {"state", pod["status"]["containerStatuses"][0]["state"]}}));
  EXPECT_LT(trimmedP.dump().size() * 3, pod.dump().size());
}

TEST_F(CacheTransformsTest, TrimmingTwiceChangesNothing) {
  const json run = trimmedRun(serverRun());
  EXPECT_EQ(trimmedRun(run), run);
  const json pod = trimmedPod(serverPod(*visit(serverRun(), nullptr).pod, podStatuses()[4].second));
  EXPECT_EQ(trimmedPod(pod), pod);
}

TEST(CacheTransformsHostileTest, ForeignShapesNeitherThrowNorSurviveAsForeign) {
  const std::vector<json> inputs = {
      json(),
      json::array({1, 2}),
      json("pod"),
      json(42),
      json::parse(R"({"metadata": "x", "spec": 5, "status": [1]})"),
      json::parse(R"({"metadata": null, "status": {"containerStatuses": "x"}})"),
      json::parse(R"({"status": {"containerStatuses": [1, "a", null, {"name": 7}]}})"),
      json::parse(R"({"spec": {"activeDeadlineSeconds": "soon"}, "status": {"phase": 3}})")};
  for (const json& input : inputs) {
    SCOPED_TRACE(input.dump());
    json run = input;
    EXPECT_NO_THROW(trimPluginRun(run));
    EXPECT_TRUE(run.is_object());
    EXPECT_TRUE(run["metadata"].is_object());
    json pod = input;
    EXPECT_NO_THROW(trimPod(pod));
    EXPECT_TRUE(pod.is_object());
    EXPECT_TRUE(pod["metadata"].is_object());
    EXPECT_NO_THROW(observePod(pod));
  }
}

TEST(TrimConfigMap, APluginConfigMapKeepsItsBytesWithTheirResourceVersion) {
  json configMap = techdebtConfigMap();
  configMap["metadata"]["namespace"] = "team-a";
  configMap["metadata"]["resourceVersion"] = "42";
  configMap["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  configMap["metadata"]["annotations"] = {{"big", std::string(4096, 'x')}};
  configMap["binaryData"] = {{"blob.bin", "AAEC"}};
  const json original = configMap;
  trimConfigMap(configMap);
  EXPECT_FALSE(contentDropped(configMap));
  EXPECT_EQ(configMap["data"], original["data"]);
  EXPECT_EQ(configMap["binaryData"], original["binaryData"]);
  EXPECT_EQ(configMap["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(configMap["metadata"]["name"], "techdebt");
  EXPECT_FALSE(configMap["metadata"].contains("managedFields"));
  EXPECT_FALSE(configMap["metadata"].contains("annotations"));
}

TEST(TrimConfigMap, AManifestInBinaryDataMakesAPluginConfigMapToo) {
  json configMap = {{"metadata", {{"name", "b"}}}, {"binaryData", {{"manifest.json", "e30="}}}};
  trimConfigMap(configMap);
  EXPECT_FALSE(contentDropped(configMap));
  EXPECT_EQ(configMap["binaryData"]["manifest.json"], "e30=");
}

TEST(TrimConfigMap, AnyOtherConfigMapKeepsOnlyItsMetadataAndIsMarked) {
  json configMap = {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", "kube-root-ca.crt"}, {"resourceVersion", "9"}}},
                    {"data", {{"ca.crt", std::string(2048, 'c')}}}};
  trimConfigMap(configMap);
  EXPECT_TRUE(contentDropped(configMap));
  EXPECT_FALSE(configMap.contains("data"));
  EXPECT_EQ(configMap["metadata"]["resourceVersion"], "9");
  json notAnObject = json::array();
  trimConfigMap(notAnObject);
  EXPECT_TRUE(contentDropped(notAnObject));
}

}  // namespace
}  // namespace ps::reconcile
