// The Pod executor alone, over the scripted transport and a Pod cache the test fills: the
// deny-all NetworkPolicy made once per namespace, the Pod created (or adopted when it exists),
// admission refusals kept for the next visit (transient ones counted), reads from the cache with
// a live GET only for a Running run, and the clean-up that deletes a gone run's Pods by UID.
#include "executor/pod_executor.h"

#include <gtest/gtest.h>

#include "api/plugin_run.h"
#include "fake_http_client.h"

namespace ps::reconcile {
namespace {

using kube::testing::FakeHttpClient;
using nlohmann::json;

const std::string kPods = "/api/v1/namespaces/team-a/pods";
const std::string kPolicies = "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies";
const std::string kRuns = "/apis/sandbox.plugins.dev/v1alpha1/namespaces/team-a/pluginruns/";

json run(const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", "team-a"}, {"uid", name + "-uid"}}}};
}

// A Pod owned by run `owner` (whose UID is `ownerUid`).
json pod(const std::string& name, const std::string& owner, const std::string& ownerUid) {
  return {
      {"metadata",
       {{"name", name},
        {"namespace", "team-a"},
        {"uid", name + "-uid"},
        {"resourceVersion", "1"},
        {"ownerReferences",
         {{{"apiVersion", kApiVersion}, {"kind", kKind}, {"name", owner}, {"uid", ownerUid}}}}}}};
}

VisitPlan launchPlan(const std::string& podName) {
  VisitPlan plan;
  plan.pod = pod(podName, "scan", "scan-uid");
  plan.networkPolicy = json{{"metadata", {{"name", "plugin-sandbox-deny-all"}}}};
  plan.podName = podName;
  return plan;
}

std::vector<std::string> methodsAndPaths(const std::vector<kube::HttpRequest>& requests) {
  std::vector<std::string> lines;
  for (const auto& request : requests) lines.push_back(request.method + " " + request.path);
  return lines;
}

class PodExecutorTest : public ::testing::Test {
 protected:
  PodExecutorTest() {
    auto fake = std::make_unique<FakeHttpClient>();
    fake_ = fake.get();
    kube::ClientOptions options;
    options.qps = 0;
    client_ = std::make_unique<kube::KubeClient>(std::move(fake), options);
    podGroup_.add(pods_);
    executor_ = std::make_unique<PodExecutor>(*client_, podGroup_);
  }

  FakeHttpClient* fake_ = nullptr;
  std::unique_ptr<kube::KubeClient> client_;
  kube::Store pods_;
  kube::StoreGroup podGroup_;
  std::unique_ptr<PodExecutor> executor_;
};

TEST_F(PodExecutorTest, TheNetworkPolicyIsEnsuredOncePerNamespaceThenEachPodCreated) {
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {201, "{}"});
  fake_->script("POST", kPods, {409, R"({"kind":"Status","code":409,"reason":"AlreadyExists"})"});
  EXPECT_FALSE(executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a")).endsVisit());
  EXPECT_FALSE(executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a")).endsVisit())
      << "AlreadyExists: the Pod a visit before made is adopted";
  EXPECT_EQ(methodsAndPaths(fake_->requests()),
            (std::vector<std::string>{"POST " + kPolicies, "POST " + kPods, "POST " + kPods}));
}

TEST_F(PodExecutorTest, AnExistingNetworkPolicyCountsAsEnsured) {
  fake_->script("POST", kPolicies,
                {409, R"({"kind":"Status","code":409,"reason":"AlreadyExists"})"});
  fake_->script("POST", kPods, {201, "{}"});
  EXPECT_FALSE(executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a")).endsVisit());
  EXPECT_EQ(fake_->requestsTo(kPods).size(), 1u);
}

TEST_F(PodExecutorTest, AFailedNetworkPolicyEndsTheVisitWithoutAPod) {
  fake_->script("POST", kPolicies, {500, R"({"kind":"Status","code":500,"message":"etcd"})"});
  const kube::VisitStep step = executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a"));
  ASSERT_TRUE(step.endsVisit());
  ASSERT_TRUE(step.result().error);
  EXPECT_NE(step.result().error->find("ensure NetworkPolicy"), std::string::npos);
  EXPECT_TRUE(fake_->requestsTo(kPods).empty());
}

TEST_F(PodExecutorTest, AdmissionRefusalsAreKeptForTheNextVisitAndCountedWhenTransient) {
  const std::string quota =
      R"({"kind":"Status","code":403,"message":"pods \"x\" is forbidden: exceeded quota: q"})";
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods, {403, quota});
  fake_->script("POST", kPods, {403, quota});
  for (int visit = 0; visit < 2; ++visit) {
    const kube::VisitStep step =
        executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a"));
    ASSERT_TRUE(step.endsVisit());
    EXPECT_TRUE(step.result().retry) << "a refusal is a requeue, not an error";
  }
  auto refusal = executor_->launchRefusal("team-a/scan");
  ASSERT_TRUE(refusal);
  EXPECT_TRUE(refusal->transient);
  EXPECT_EQ(refusal->attempts, 2);
  EXPECT_NE(refusal->message.find("exceeded quota"), std::string::npos);
  executor_->forgetRefusal("team-a/scan");
  EXPECT_FALSE(executor_->launchRefusal("team-a/scan"));
}

TEST_F(PodExecutorTest, APolicyRefusalIsNotTransientAndACreateClearsIt) {
  fake_->script("POST", kPolicies, {201, "{}"});
  fake_->script("POST", kPods,
                {403, R"({"kind":"Status","code":403,"message":"violates PodSecurity"})"});
  fake_->script("POST", kPods, {201, "{}"});
  executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a"));
  auto refusal = executor_->launchRefusal("team-a/scan");
  ASSERT_TRUE(refusal);
  EXPECT_FALSE(refusal->transient);
  EXPECT_EQ(refusal->attempts, 1);
  executor_->launch("team-a/scan", run("scan"), launchPlan("scan-a"));
  EXPECT_FALSE(executor_->launchRefusal("team-a/scan"));
}

TEST_F(PodExecutorTest, ObserveReadsTheCacheAndGoesLiveOnlyForARunningRun) {
  pods_.apply(pod("cached", "scan", "scan-uid"));
  auto cached = executor_->observe(run("scan"), RunState::Running, "cached");
  ASSERT_TRUE(cached.ok());
  ASSERT_TRUE(cached.value());
  EXPECT_EQ((*cached.value())["metadata"]["name"], "cached");
  auto queued = executor_->observe(run("scan"), RunState::Queued, "missing");
  ASSERT_TRUE(queued.ok());
  EXPECT_FALSE(queued.value());
  EXPECT_TRUE(fake_->requests().empty()) << "no live GET for a run that is not Running";

  fake_->script("GET", kPods + "/slow-watch", {200, pod("slow-watch", "scan", "scan-uid").dump()});
  fake_->script("GET", kPods + "/gone", {404, R"({"kind":"Status","code":404})"});
  auto live = executor_->observe(run("scan"), RunState::Running, "slow-watch");
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(live.value()) << "a slow watch never fails a healthy run";
  auto gone = executor_->observe(run("scan"), RunState::Running, "gone");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone.value());
}

TEST_F(PodExecutorTest, RemoveTakesAMissingPodAsRemoved) {
  fake_->script("DELETE", kPods + "/scan-a", {404, R"({"kind":"Status","code":404})"});
  EXPECT_TRUE(executor_->remove("team-a", "scan-a"));
  fake_->script("DELETE", kPods + "/scan-a", {500, R"({"kind":"Status","code":500})"});
  EXPECT_FALSE(executor_->remove("team-a", "scan-a"));
}

TEST_F(PodExecutorTest, CleanUpDeletesAGoneRunsPodsByUidAndSparesAReCreatedRunsOwn) {
  pods_.apply(pod("old-pod", "scan", "old-uid"));
  pods_.apply(pod("new-pod", "scan", "new-uid"));
  pods_.apply(pod("other", "unrelated", "u-uid"));
  // The run was re-created under the same name: its UID is new-uid.
  fake_->script("GET", kRuns + "scan",
                {200, json{{"metadata", {{"name", "scan"}, {"uid", "new-uid"}}}}.dump()});
  fake_->script("DELETE", kPods + "/old-pod", {200, "{}"});
  EXPECT_TRUE(executor_->cleanUpAfter("team-a/scan"));
  const auto deletes = fake_->requestsTo(kPods);
  ASSERT_EQ(deletes.size(), 1u) << ::testing::PrintToString(methodsAndPaths(fake_->requests()));
  EXPECT_EQ(deletes[0].method, "DELETE");
  EXPECT_EQ(deletes[0].path, kPods + "/old-pod");
  EXPECT_NE(deletes[0].body.find("old-pod-uid"), std::string::npos) << "conditional on the UID";
}

}  // namespace
}  // namespace ps::reconcile
