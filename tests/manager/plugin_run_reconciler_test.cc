#include "manager/plugin_run_reconciler.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/digest.h"
#include "demo_trust.h"
#include "executor/pod_executor.h"
#include "fake_http_client.h"
#include "kube/rfc3339.h"
#include "kube/store.h"
#include "manager/cache_transforms.h"
#include "observe/metrics_registry.h"
#include "observe/runtime_metrics.h"

namespace ps::reconcile {
namespace {

using kube::testing::FakeHttpClient;
using nlohmann::json;

const std::string kRuns = "/apis/sandbox.plugins.dev/v1alpha1/namespaces/team-a/pluginruns/";
const std::string kPods = "/api/v1/namespaces/team-a/pods";
const std::string kPolicies = "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies";
const std::string kConfigMaps = "/api/v1/namespaces/team-a/configmaps/";
const std::string kEvents = "/api/v1/namespaces/team-a/events";

json pluginRun(const std::string& name, const std::string& uid = "u-1") {
  json run = json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"namespace": "team-a", "generation": 1, "resourceVersion": "7",
                 "creationTimestamp": "2026-11-27T21:00:00Z"},
    "spec": {"plugin": {"configMap": "techdebt"}, "timeoutSeconds": 120}})");
  run["metadata"]["name"] = name;
  run["metadata"]["uid"] = uid;
  return run;
}

std::string statusReason(const json& status) {
  for (const json& condition : status["conditions"]) {
    if (condition["type"] == "Succeeded") return condition["reason"];
  }
  return "";
}

std::vector<std::string> methodsAndPaths(const std::vector<kube::HttpRequest>& requests) {
  std::vector<std::string> lines;
  for (const auto& request : requests) lines.push_back(request.method + " " + request.path);
  return lines;
}

class PluginRunReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeHttpClient>();
    fake_ = fake.get();
    kube::ClientOptions options;
    options.qps = 0;
    client_ = std::make_unique<kube::KubeClient>(std::move(fake), options);
    trust_ = ps::testing::demoTrust();
    runGroup_.add(runs_);
    podGroup_.add(pods_);
    executor_ = std::make_unique<PodExecutor>(*client_, podGroup_);
    reconciler_ =
        std::make_unique<PluginRunReconciler>(*client_, runGroup_, *executor_, fixedTrust(trust_),
                                              ReconcilerOptions{}, [this] { return synced_; });
  }

  // The status the last PUT wrote, as the API server would store it in the cache.
  json lastStatusWritten(const std::string& run) {
    auto puts = fake_->requestsTo(kRuns + run + "/status");
    EXPECT_FALSE(puts.empty());
    if (puts.empty()) return json();
    return json::parse(puts.back().body)["status"];
  }
  void storeStatus(const std::string& run, const json& status) {
    json object = *runs_.get("team-a/" + run);
    object["status"] = status;
    object["metadata"]["resourceVersion"] =
        std::to_string(std::stoi(object["metadata"]["resourceVersion"].get<std::string>()) + 1);
    runs_.apply(std::move(object));
  }
  // The Pod the last POST created, as the informer would cache it.
  json createdPod() {
    auto posts = fake_->requestsTo(kPods);
    EXPECT_FALSE(posts.empty());
    json pod = json::parse(posts.back().body);
    pod["metadata"]["uid"] = "pod-uid-1";
    pod["metadata"]["resourceVersion"] = "100";
    return pod;
  }
  // Launches run "scan-1" and brings the cache up to date: status Running, its Pod cached.
  json launch() {
    runs_.apply(pluginRun("scan-1"));
    fake_->script("GET", kConfigMaps + "techdebt",
                  {200, ps::testing::demoConfigMap("techdebt").dump()});
    fake_->script("POST", kPolicies, {201, "{}"});
    fake_->script("POST", kPods, {201, "{}"});
    fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
    auto result = reconciler_->reconcile("team-a/scan-1");
    EXPECT_FALSE(result.error) << *result.error;
    storeStatus("scan-1", lastStatusWritten("scan-1"));
    json pod = createdPod();
    pods_.apply(json(pod));
    return pod;
  }

  // The reconciler again, with `options` (and the default "caches synced").
  void useOptions(ReconcilerOptions options) {
    reconciler_ = std::make_unique<PluginRunReconciler>(*client_, runGroup_, *executor_,
                                                        fixedTrust(trust_), std::move(options));
  }
  // From here on the reconciler reads plugin ConfigMaps from configMaps_ (as the manager's
  // informers cache them) while configMapsSynced_.
  void useConfigMapCache() {
    configMapGroup_.add(configMaps_);
    ReconcilerOptions options;
    options.configMaps = &configMapGroup_;
    options.configMapsSynced = [this] { return configMapsSynced_; };
    reconciler_ = std::make_unique<PluginRunReconciler>(
        *client_, runGroup_, *executor_, fixedTrust(trust_), options, [this] { return synced_; });
  }
  void cacheConfigMap(json configMap, const std::string& resourceVersion) {
    configMap["metadata"]["namespace"] = "team-a";
    configMap["metadata"]["resourceVersion"] = resourceVersion;
    trimConfigMap(configMap);
    configMaps_.apply(std::move(configMap));
  }
  // The --expect pin of `file` on the launcher's command line of the last Pod created.
  std::string pinnedDigest(const std::string& file) {
    const json args = createdPod()["spec"]["containers"][0]["args"];
    for (const json& arg : args) {
      const std::string text = arg.is_string() ? arg.get<std::string>() : "";
      if (text.rfind(file + "=", 0) == 0) return text.substr(file.size() + 1);
    }
    return "";
  }

  FakeHttpClient* fake_ = nullptr;
  std::unique_ptr<kube::KubeClient> client_;
  TrustSnapshot trust_;
  kube::Store runs_, pods_, configMaps_;
  kube::StoreGroup runGroup_, podGroup_, configMapGroup_;
  bool configMapsSynced_ = true;
  std::unique_ptr<PodExecutor> executor_;
  std::unique_ptr<PluginRunReconciler> reconciler_;
  bool synced_ = true;
};

TEST_F(PluginRunReconcilerTest, FirstVisitOfAnAcceptedRunCreatesPolicyPodStatusAndEvent) {
  launch();
  auto lines = methodsAndPaths(fake_->requests());
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "GET " + kConfigMaps + "techdebt");
  EXPECT_EQ(lines[1], "POST " + kPolicies);
  EXPECT_EQ(lines[2], "POST " + kPods);
  EXPECT_EQ(lines[3], "PUT " + kRuns + "scan-1/status");
  EXPECT_EQ(lines[4], "POST " + kEvents);
  const json status = lastStatusWritten("scan-1");
  EXPECT_EQ(statusReason(status), "Running");
  EXPECT_EQ(status["podName"], createdPod()["metadata"]["name"]);
  // The status PUT is conditional on the cached resourceVersion.
  EXPECT_EQ(json::parse(fake_->requestsTo(kRuns)[0].body)["metadata"]["resourceVersion"], "7");
}

json tamperedTechdebt() {
  json tampered = ps::testing::demoConfigMap("techdebt");
  tampered["data"]["plugin.py"] = tampered["data"]["plugin.py"].get<std::string>() + "\n# evil\n";
  return tampered;
}

TEST_F(PluginRunReconcilerTest, ALaunchReadsItsConfigMapFromTheCacheWithoutAGet) {
  useConfigMapCache();
  cacheConfigMap(ps::testing::demoConfigMap("techdebt"), "5");
  runs_.apply(pluginRun("scan-1"));
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  const std::vector<std::string> expected = {"POST " + kPolicies, "POST " + kPods,
                                             "PUT " + kRuns + "scan-1/status", "POST " + kEvents};
  EXPECT_EQ(methodsAndPaths(fake_->requests()), expected);
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "Running");
  const std::string plugin = ps::testing::demoConfigMap("techdebt")["data"]["plugin.py"];
  EXPECT_EQ(pinnedDigest("plugin.py"), core::sha256Digest(plugin));
}

// The cache answers with whatever version it holds, whole: a tampered version is rejected by the
// trust check like a GET of it would be, and each run pins the digests of the version it read.
TEST_F(PluginRunReconcilerTest, ACachedConfigMapIsTrustCheckedVersionByVersion) {
  useConfigMapCache();
  cacheConfigMap(ps::testing::demoConfigMap("techdebt"), "5");
  runs_.apply(pluginRun("scan-1"));
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  fake_->script("PUT", kRuns + "scan-2/status", {200, "{}"});
  ASSERT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  ASSERT_EQ(fake_->requestsTo(kPods).size(), 1u);

  cacheConfigMap(tamperedTechdebt(), "6");  // the watch brings the changed bytes
  runs_.apply(pluginRun("scan-2", "u-2"));
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-2").error);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);  // no Pod for the tampered version
  EXPECT_EQ(statusReason(lastStatusWritten("scan-2")), "Rejected");
  EXPECT_TRUE(fake_->requestsTo(kConfigMaps + "techdebt").empty());
}

// A cache that lags behind a change serves the older, signed bytes: the run is accepted for
// exactly those, and its Pod pins their digests, which the launcher checks against the files the
// kubelet mounts (the newer ones), so the lag can never run bytes nobody verified.
TEST_F(PluginRunReconcilerTest, AStaleCachedConfigMapPinsTheBytesItWasCheckedFor) {
  useConfigMapCache();
  cacheConfigMap(ps::testing::demoConfigMap("techdebt"), "5");
  runs_.apply(pluginRun("scan-1"));
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  ASSERT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  const std::string tampered = tamperedTechdebt()["data"]["plugin.py"];
  EXPECT_NE(pinnedDigest("plugin.py"), core::sha256Digest(tampered));
  EXPECT_EQ(pinnedDigest("plugin.py"),
            core::sha256Digest(
                ps::testing::demoConfigMap("techdebt")["data"]["plugin.py"].get<std::string>()));
}

TEST_F(PluginRunReconcilerTest, AConfigMapMissingFromTheCacheIsReadLive) {
  useConfigMapCache();  // synced, but the ConfigMap was created a moment ago
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  EXPECT_EQ(fake_->requestsTo(kConfigMaps + "techdebt").size(), 1u);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);
}

TEST_F(PluginRunReconcilerTest, AConfigMapWhoseContentTheCacheDroppedIsReadLive) {
  useConfigMapCache();
  json notAPlugin = ps::testing::demoConfigMap("techdebt");
  notAPlugin["data"].erase("manifest.json");
  cacheConfigMap(notAPlugin, "5");
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt", {200, notAPlugin.dump()});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  EXPECT_EQ(fake_->requestsTo(kConfigMaps + "techdebt").size(), 1u);
  EXPECT_TRUE(fake_->requestsTo(kPods).empty());
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "Rejected");
}

TEST_F(PluginRunReconcilerTest, AConfigMapCacheNotSyncedYetIsNotRead) {
  useConfigMapCache();
  configMapsSynced_ = false;
  cacheConfigMap(tamperedTechdebt(), "5");
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  EXPECT_EQ(fake_->requestsTo(kConfigMaps + "techdebt").size(), 1u);
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "Running");
}

TEST_F(PluginRunReconcilerTest, NetworkPolicyIsCreatedOncePerNamespace) {
  launch();
  runs_.apply(pluginRun("scan-2", "u-2"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-2/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-2");
  EXPECT_FALSE(result.error);
  EXPECT_EQ(fake_->requestsTo(kPolicies).size(), 1u);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 2u);
}

TEST_F(PluginRunReconcilerTest, AnExistingNetworkPolicyCountsAsEnsured) {
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies,
                {409, R"({"kind":"Status","reason":"AlreadyExists","code":409})"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);
}

TEST_F(PluginRunReconcilerTest, ARunningRunWithItsPodCachedMakesNoRequest) {
  json pod = launch();
  const size_t before = fake_->requests().size();
  pod["status"] = {{"phase", "Running"}, {"startTime", "2026-11-27T21:00:01Z"}};
  pod["metadata"]["resourceVersion"] = "101";
  pods_.apply(std::move(pod));
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_GT(result.retryAfter.count(), 0);
  EXPECT_EQ(fake_->requests().size(), before);
}

TEST_F(PluginRunReconcilerTest, AFinishedPodWritesTheResultAndNothingElse) {
  json pod = launch();
  const size_t before = fake_->requests().size();
  pod["status"] = {
      {"phase", "Succeeded"},
      {"containerStatuses",
       {{{"name", "plugin"},
         {"state",
          {{"terminated",
            {{"exitCode", 0}, {"reason", "Completed"}, {"message", "42 TODOs\n"}}}}}}}}};
  pod["metadata"]["resourceVersion"] = "101";
  pods_.apply(std::move(pod));
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  const json status = lastStatusWritten("scan-1");
  EXPECT_EQ(statusReason(status), "Succeeded");
  EXPECT_EQ(status["result"], "42 TODOs\n");
  EXPECT_EQ(status["exitCode"], 0);
  auto lines = methodsAndPaths(fake_->requests());
  ASSERT_EQ(lines.size(), before + 2);  // the status and its Event: no GET, no create
  EXPECT_EQ(lines[before], "PUT " + kRuns + "scan-1/status");
  EXPECT_EQ(lines[before + 1], "POST " + kEvents);
}

// kubectl patch prun scan-1 --type=merge -p '{"spec":{"status":"Cancelled"}}', as the cache
// then holds it: the spec changed, so did the generation.
void cancelInCache(kube::Store& runs, const std::string& name) {
  json object = *runs.get("team-a/" + name);
  object["spec"]["status"] = "Cancelled";
  object["metadata"]["generation"] = 2;
  object["metadata"]["resourceVersion"] = "50";
  runs.apply(std::move(object));
}

TEST_F(PluginRunReconcilerTest, APackedFinishedRunIsVisitedLikeTheWholeOne) {
  json pod = launch();
  pod["status"] = {{"phase", "Succeeded"},
                   {"containerStatuses",
                    {{{"name", "plugin"},
                      {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}}}};
  pod["metadata"]["resourceVersion"] = "101";
  pods_.apply(std::move(pod));
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  ASSERT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  storeStatus("scan-1", lastStatusWritten("scan-1"));
  json packed = *runs_.get("team-a/scan-1");
  trimAndPackPluginRun(packed);
  ASSERT_TRUE(isPackedRun(packed));
  runs_.remove(packed);
  runs_.apply(std::move(packed));
  ASSERT_TRUE(isPackedRun(*runs_.get("team-a/scan-1")));
  // Terminal is terminal: no request. Read as gone, it would GET the run to clean up its Pod.
  const size_t before = fake_->requests().size();
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_EQ(fake_->requests().size(), before)
      << ::testing::PrintToString(methodsAndPaths(fake_->requests()));
}

TEST_F(PluginRunReconcilerTest, APackedFinishedRunTakesNoSlot) {
  ReconcilerOptions options;
  options.maxRunning = 1;
  useOptions(options);
  json finished = pluginRun("old", "u-0");
  finished["metadata"]["creationTimestamp"] = "2026-11-27T20:00:00Z";  // first in line if waiting
  finished["status"] = {
      {"conditions", {{{"type", "Succeeded"}, {"status", "True"}, {"reason", "Succeeded"}}}}};
  trimAndPackPluginRun(finished);
  ASSERT_TRUE(isPackedRun(finished));
  runs_.apply(std::move(finished));
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "Running");
}

TEST_F(PluginRunReconcilerTest, ACancelledRunningRunDeletesItsPodAndEndsCancelled) {
  const json pod = launch();
  const std::string podPath = kPods + "/" + pod["metadata"]["name"].get<std::string>();
  cancelInCache(runs_, "scan-1");
  const size_t before = fake_->requests().size();
  fake_->script("DELETE", podPath, {200, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  auto lines = methodsAndPaths(fake_->requests());
  ASSERT_EQ(lines.size(), before + 3) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[before], "DELETE " + podPath);
  EXPECT_EQ(lines[before + 1], "PUT " + kRuns + "scan-1/status");
  EXPECT_EQ(lines[before + 2], "POST " + kEvents);
  const json status = lastStatusWritten("scan-1");
  EXPECT_EQ(statusReason(status), "Cancelled");
  EXPECT_EQ(status["observedGeneration"], 2);
  EXPECT_TRUE(status.contains("completionTime"));
  const json event = json::parse(fake_->requestsTo(kEvents).back().body);
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["reason"], "Cancelled");
}

TEST_F(PluginRunReconcilerTest, ACancelOfAFinishedRunOnlyAcknowledgesItsGeneration) {
  launch();
  json finished = lastStatusWritten("scan-1");
  finished["conditions"] = json::array({{{"type", "Succeeded"},
                                         {"status", "True"},
                                         {"reason", "Succeeded"},
                                         {"message", "plugin exited with status 0"},
                                         {"lastTransitionTime", "2026-11-27T21:00:05Z"}}});
  finished["completionTime"] = "2026-11-27T21:00:05Z";
  storeStatus("scan-1", finished);
  cancelInCache(runs_, "scan-1");
  pods_.remove(createdPod());
  const size_t before = fake_->requests().size();
  fake_->script("PATCH", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  auto lines = methodsAndPaths(fake_->requests());
  ASSERT_EQ(lines.size(), before + 1) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[before], "PATCH " + kRuns + "scan-1/status");
  EXPECT_EQ(json::parse(fake_->requests().back().body),
            json::parse(R"({"status":{"observedGeneration":2}})"));
  // Acknowledged: the next visit does nothing at all.
  json acknowledged = *runs_.get("team-a/scan-1");
  acknowledged["status"]["observedGeneration"] = 2;
  acknowledged["metadata"]["resourceVersion"] = "51";
  runs_.apply(std::move(acknowledged));
  result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error) << *result.error;
  EXPECT_EQ(fake_->requests().size(), before + 1)
      << ::testing::PrintToString(methodsAndPaths(fake_->requests()));
}

TEST_F(PluginRunReconcilerTest, APerNamespaceCapQueuesTheRunNamingTheCap) {
  ReconcilerOptions options;
  options.maxRunningPerNamespace = 1;
  useOptions(options);
  launch();  // scan-1 Running in team-a
  json second = pluginRun("scan-2", "u-2");
  second["metadata"]["creationTimestamp"] = "2026-11-27T21:00:10Z";
  runs_.apply(std::move(second));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("PUT", kRuns + "scan-2/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-2");
  EXPECT_FALSE(result.error);
  const json status = lastStatusWritten("scan-2");
  EXPECT_EQ(statusReason(status), "Queued");
  std::string message;
  for (const json& condition : status["conditions"]) {
    if (condition["type"] == "Succeeded") message = condition["message"];
  }
  EXPECT_EQ(message,
            "waiting for a free slot (--max-running-per-namespace=1: namespace team-a is full)");
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);  // only scan-1's
}

TEST_F(PluginRunReconcilerTest, AFinishedRunIsCountedByReasonOnceWithItsDuration) {
  observe::MetricsRegistry registry;
  observe::RunMetrics runMetrics(registry, {"Succeeded", "Failed"});
  ReconcilerOptions options;
  options.runMetrics = &runMetrics;
  useOptions(options);
  json pod = launch();  // created 2026-11-27T21:00:00Z
  pod["status"] = {
      {"phase", "Failed"},
      {"containerStatuses",
       {{{"name", "plugin"},
         {"state",
          {{"terminated",
            {{"exitCode", 3}, {"reason", "Error"}, {"finishedAt", "2026-11-27T21:01:30Z"}}}}}}}}};
  pod["metadata"]["resourceVersion"] = "101";
  pods_.apply(std::move(pod));
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  storeStatus("scan-1", lastStatusWritten("scan-1"));
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);  // terminal: not counted again
  const std::string text = registry.serializeText();
  EXPECT_NE(text.find("plugin_sandbox_runs_finished_total{reason=\"Failed\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("plugin_sandbox_runs_finished_total{reason=\"Succeeded\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("plugin_sandbox_run_duration_seconds_sum{reason=\"Failed\"} 90\n"),
            std::string::npos);  // creation to the container's finishedAt
}

TEST_F(PluginRunReconcilerTest, ARunningRunWhosePodIsGoneIsCheckedLiveThenFailsAsPodDeleted) {
  launch();
  pods_.remove(createdPod());
  fake_->script("GET", kPods, {404, R"({"kind":"Status","reason":"NotFound","code":404})"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_EQ(fake_->requestsTo(kPods + "/").size(), 1u);  // the live GET
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "PodDeleted");
}

TEST_F(PluginRunReconcilerTest, ARejectedPluginGetsAStatusAndAnEventButNoPod) {
  runs_.apply(pluginRun("scan-1"));
  json tampered = ps::testing::demoConfigMap("techdebt");
  tampered["data"]["plugin.py"] = tampered["data"]["plugin.py"].get<std::string>() + "\n# evil\n";
  fake_->script("GET", kConfigMaps + "techdebt", {200, tampered.dump()});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(fake_->requestsTo(kPods).empty());
  EXPECT_TRUE(fake_->requestsTo(kPolicies).empty());
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "Rejected");
  ASSERT_EQ(fake_->requestsTo(kEvents).size(), 1u);
  EXPECT_NE(fake_->requestsTo(kEvents)[0].body.find("Rejected"), std::string::npos);
}

TEST_F(PluginRunReconcilerTest, AMissingConfigMapKeepsTheRunValidating) {
  json run = pluginRun("scan-1");
  run["metadata"]["creationTimestamp"] = kube::formatRfc3339(std::chrono::system_clock::now());
  runs_.apply(std::move(run));
  fake_->script("GET", kConfigMaps + "techdebt",
                {404, R"({"kind":"Status","reason":"NotFound","code":404})"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(fake_->requestsTo(kPods).empty());
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "Validating");
  EXPECT_GT(result.retryAfter.count(), 0);
  // The user hears of it at once: a Warning Event naming the ConfigMap.
  ASSERT_EQ(fake_->requestsTo(kEvents).size(), 1u);
  const std::string event = fake_->requestsTo(kEvents)[0].body;
  EXPECT_NE(event.find("PluginNotFound"), std::string::npos) << event;
  EXPECT_NE(event.find("Warning"), std::string::npos) << event;
  EXPECT_NE(event.find("techdebt"), std::string::npos) << event;
}

TEST_F(PluginRunReconcilerTest, AConfigMapMissingPastTheGracePeriodFailsTheRunPluginNotFound) {
  runs_.apply(pluginRun("scan-1"));  // created days ago
  fake_->script("GET", kConfigMaps + "techdebt",
                {404, R"({"kind":"Status","reason":"NotFound","code":404})"});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(fake_->requestsTo(kPods).empty());
  const json status = lastStatusWritten("scan-1");
  EXPECT_EQ(statusReason(status), "PluginNotFound");
  EXPECT_NE(status.dump().find("techdebt"), std::string::npos);
}

TEST_F(PluginRunReconcilerTest, AConflictOnStatusRequeuesWithoutEvents) {
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("PUT", kRuns + "scan-1/status",
                {409, R"({"kind":"Status","reason":"Conflict","code":409})"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(result.retry);
  EXPECT_TRUE(fake_->requestsTo(kEvents).empty());
}

TEST_F(PluginRunReconcilerTest, ARefusedPodCreateBecomesPodAdmissionFailedOnTheNextVisit) {
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {403, R"({"kind":"Status","reason":"Forbidden","code":403,
                          "message":"violates PodSecurity \"restricted:latest\""})"});
  auto first = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(first.error);
  EXPECT_TRUE(first.retry);
  EXPECT_TRUE(fake_->requestsTo(kRuns).empty());  // nothing written yet

  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto second = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(second.error);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);  // never a second create
  const json status = lastStatusWritten("scan-1");
  EXPECT_EQ(statusReason(status), "PodAdmissionFailed");
  EXPECT_NE(status.dump().find("violates PodSecurity"), std::string::npos);
}

TEST_F(PluginRunReconcilerTest, AFullQuotaWaitsQueuedInsteadOfFailingTheRun) {
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {403, R"({"kind":"Status","reason":"Forbidden","code":403,
      "message":"pods \"p\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1"})"});
  auto first = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(first.error);
  EXPECT_TRUE(first.retry);

  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  auto second = reconciler_->reconcile("team-a/scan-1");  // within the 1 s backoff
  EXPECT_FALSE(second.error);
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);
  const json status = lastStatusWritten("scan-1");
  EXPECT_EQ(statusReason(status), "Queued");
  EXPECT_NE(status.dump().find("exceeded quota"), std::string::npos);
  EXPECT_GT(second.retryAfter.count(), 0);
}

TEST_F(PluginRunReconcilerTest, A422OnPodCreateIsAnAdmissionFailureToo) {
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods,
                {422, R"({"kind":"Status","reason":"Invalid","code":422,"message":"bad"})"});
  (void)reconciler_->reconcile("team-a/scan-1");
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  EXPECT_EQ(statusReason(lastStatusWritten("scan-1")), "PodAdmissionFailed");
}

TEST_F(PluginRunReconcilerTest, AServerErrorOnPodCreateIsRetriedNotReported) {
  runs_.apply(pluginRun("scan-1"));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {500, R"({"kind":"Status","code":500})"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_TRUE(result.error.has_value());
  EXPECT_TRUE(fake_->requestsTo(kRuns).empty());
}

// Item 4 of issue 6: deleting a run removes its Pod even where no garbage collector runs.
TEST_F(PluginRunReconcilerTest, AGoneRunHasItsPodDeletedWithAUidPrecondition) {
  json pod = launch();
  runs_.remove(*runs_.get("team-a/scan-1"));
  fake_->script("GET", kRuns + "scan-1",
                {404, R"({"kind":"Status","reason":"NotFound","code":404})"});
  fake_->script("DELETE", kPods + "/", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  auto deletes = fake_->requestsTo(kPods + "/" + pod["metadata"]["name"].get<std::string>());
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].method, "DELETE");
  EXPECT_EQ(json::parse(deletes[0].body)["preconditions"]["uid"], "pod-uid-1");
}

TEST_F(PluginRunReconcilerTest, NothingIsDeletedBeforeTheCachesSynced) {
  json pod = launch();
  runs_.remove(*runs_.get("team-a/scan-1"));
  synced_ = false;
  const size_t before = fake_->requests().size();
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  EXPECT_GT(result.retryAfter.count(), 0);  // looked at again once synced
  EXPECT_EQ(fake_->requests().size(), before);
}

TEST_F(PluginRunReconcilerTest, APodOfARunThatStillExistsLiveIsKept) {
  launch();
  runs_.remove(*runs_.get("team-a/scan-1"));  // the cache lags behind the server
  fake_->script("GET", kRuns + "scan-1", {200, pluginRun("scan-1").dump()});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  for (const auto& request : fake_->requests()) EXPECT_NE(request.method, "DELETE");
}

TEST_F(PluginRunReconcilerTest, APodOfAnEarlierRunUnderTheSameNameIsDeleted) {
  launch();
  runs_.remove(*runs_.get("team-a/scan-1"));
  fake_->script("GET", kRuns + "scan-1", {200, pluginRun("scan-1", "u-other").dump()});
  fake_->script("DELETE", kPods + "/", {200, "{}"});
  auto result = reconciler_->reconcile("team-a/scan-1");
  EXPECT_FALSE(result.error);
  size_t deletes = 0;
  for (const auto& request : fake_->requests()) deletes += request.method == "DELETE" ? 1 : 0;
  EXPECT_EQ(deletes, 1u);
}

TEST_F(PluginRunReconcilerTest, AGoneRunWithoutPodsMakesNoRequest) {
  auto result = reconciler_->reconcile("team-a/never-existed");
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(fake_->requests().empty());
}

}  // namespace
}  // namespace ps::reconcile
