#include "executor_local/local_executor.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "demo_trust.h"
#include "executor_local/local_run_pod.h"
#include "fake_http_client.h"
#include "kube/store.h"
#include "manager/plugin_run_reconciler.h"

namespace ps::reconcile {
namespace {

using kube::testing::FakeHttpClient;
using nlohmann::json;
using ps::testing::readFile;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kRuns = "/apis/sandbox.plugins.dev/v1alpha1/namespaces/team-a/pluginruns/";
const std::string kConfigMaps = "/api/v1/namespaces/team-a/configmaps/";

json pluginRun(const json& spec) {
  json run = json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"name": "scan-1", "namespace": "team-a", "uid": "u-1", "generation": 1,
                 "resourceVersion": "7", "creationTimestamp": "2026-11-27T21:00:00Z"}})");
  run["spec"] = spec;
  return run;
}

json defaultSpec() {
  return {{"plugin", {{"configMap", "techdebt"}}}, {"timeoutSeconds", 120}, {"args", {"--x"}}};
}

std::string conditionOf(const json& status, const std::string& field) {
  for (const json& condition : status["conditions"]) {
    if (condition["type"] == "Succeeded") return condition[field];
  }
  return "";
}

sandbox::RunResult exited(int code, std::string output) {
  sandbox::RunResult result;
  result.outcome = sandbox::SandboxOutcome::kExited;
  result.exitCode = code;
  result.output.stdoutTail = std::move(output);
  result.duration = 5ms;
  return result;
}

// Stands in for LocalSandbox: records each request and answers with `answer`.
struct FakeSandbox {
  std::mutex mutex;
  std::vector<sandbox::SandboxRequest> requests;
  std::vector<std::string> pluginFiles;      // names in the plugin copy, seen while it existed
  std::map<std::string, std::string> input;  // /input as the plugin would have seen it
  std::function<sandbox::RunResult(const sandbox::SandboxRequest&)> answer =
      [](const sandbox::SandboxRequest&) { return exited(0, "42 TODOs\n"); };

  SandboxRunner runner() {
    return [this](const sandbox::SandboxRequest& request) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        requests.push_back(request);
        for (const auto& entry : fs::directory_iterator(request.pluginDir)) {
          pluginFiles.push_back(entry.path().filename().string());
        }
        if (request.inputDir) {
          for (const auto& entry : fs::directory_iterator(*request.inputDir)) {
            input[entry.path().filename().string()] = readFile(entry.path());
          }
        }
      }
      return answer(request);
    };
  }
};

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeHttpClient>();
    fake_ = fake.get();
    kube::ClientOptions options;
    options.qps = 0;
    client_ = std::make_unique<kube::KubeClient>(std::move(fake), options);
    trust_ = ps::testing::demoTrust();
    char pattern[] = "/tmp/local-executor-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    runGroup_.add(runs_);
  }
  void TearDown() override {
    reconciler_.reset();
    executor_.reset();
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }

  void start(size_t slots = 2) {
    LocalExecutorOptions options;
    options.slots = slots;
    options.base = base_;
    executor_ = std::make_unique<LocalExecutor>(*client_, sandbox_.runner(), options,
                                                [this](const std::string& key) {
                                                  std::lock_guard<std::mutex> lock(mutex_);
                                                  changed_.push_back(key);
                                                });
    reconciler_ = std::make_unique<PluginRunReconciler>(*client_, runGroup_, *executor_,
                                                        fixedTrust(trust_), ReconcilerOptions{});
  }

  // One visit; returns the status it wrote (null when none) and stores it as the API would.
  json visit() {
    fake_->script("PUT", kRuns + "scan-1/status", {200, "{}"});
    const size_t before = fake_->requestsTo(kRuns + "scan-1/status").size();
    auto result = reconciler_->reconcile("team-a/scan-1");
    EXPECT_FALSE(result.error) << *result.error;
    auto puts = fake_->requestsTo(kRuns + "scan-1/status");
    if (puts.size() == before) return json();
    json status = json::parse(puts.back().body)["status"];
    json object = *runs_.get("team-a/scan-1");
    object["status"] = status;
    object["metadata"]["resourceVersion"] =
        std::to_string(std::stoi(object["metadata"]["resourceVersion"].get<std::string>()) + 1);
    runs_.apply(std::move(object));
    return status;
  }

  // Launches the run and waits until the executor reports its sandbox finished.
  json launchAndFinish(const json& spec = defaultSpec()) {
    runs_.apply(pluginRun(spec));
    fake_->script("GET", kConfigMaps + "techdebt",
                  {200, ps::testing::demoConfigMap("techdebt").dump()});
    json launched = visit();
    EXPECT_EQ(conditionOf(launched, "reason"), "Running");
    EXPECT_TRUE(waitForPhase({"Succeeded", "Failed"}));
    return visit();
  }

  json observed() {
    const json run = *runs_.get("team-a/scan-1");
    const std::string podName = run["status"].value("podName", "");
    auto pod = executor_->observe(run, RunState::Running, podName);
    return pod.ok() && *pod ? **pod : json();
  }

  bool waitForPhase(const std::set<std::string>& phases) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      json pod = observed();
      if (pod.is_object() && phases.count(pod["status"].value("phase", "")) > 0) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  FakeHttpClient* fake_ = nullptr;
  std::unique_ptr<kube::KubeClient> client_;
  TrustSnapshot trust_;
  fs::path base_;
  kube::Store runs_;
  kube::StoreGroup runGroup_;
  FakeSandbox sandbox_;
  std::mutex mutex_;
  std::vector<std::string> changed_;
  std::unique_ptr<LocalExecutor> executor_;
  std::unique_ptr<PluginRunReconciler> reconciler_;
};

TEST_F(LocalExecutorTest, AnAcceptedRunSucceedsWithItsOutputAsResult) {
  start();
  json status = launchAndFinish();
  EXPECT_EQ(conditionOf(status, "reason"), "Succeeded");
  EXPECT_EQ(status["result"], "42 TODOs\n");
  EXPECT_EQ(status["exitCode"], 0);
  EXPECT_TRUE(status.contains("completionTime"));
  // The sandbox got exactly the verified files, the run's args and the clamped limits.
  ASSERT_EQ(sandbox_.requests.size(), 1u);
  const auto& request = sandbox_.requests[0];
  EXPECT_EQ(request.args, std::vector<std::string>{"--x"});
  EXPECT_FALSE(request.network);
  EXPECT_EQ(request.limits.wallTime, 120s);
  EXPECT_EQ(request.limits.memoryBytes, 256ull << 20);  // the controller default
  EXPECT_FALSE(request.inputDir.has_value());
  EXPECT_EQ(request.sinks.stdoutFd, -1);
  std::sort(sandbox_.pluginFiles.begin(), sandbox_.pluginFiles.end());
  EXPECT_EQ(sandbox_.pluginFiles, (std::vector<std::string>{"manifest.json", "plugin.py"}));
  // Each change of the sandbox visited the run again.
  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_GE(changed_.size(), 2u);
  for (const auto& key : changed_) EXPECT_EQ(key, "team-a/scan-1");
}

TEST_F(LocalExecutorTest, ANonZeroExitFailsTheRunWithThatCode) {
  sandbox_.answer = [](const sandbox::SandboxRequest&) { return exited(3, "partial\n"); };
  start();
  json status = launchAndFinish();
  EXPECT_EQ(conditionOf(status, "reason"), "Failed");
  EXPECT_EQ(status["exitCode"], 3);
  EXPECT_EQ(status["result"], "partial\n");
}

TEST_F(LocalExecutorTest, TheSandboxTimeLimitIsTimedOutLikeTheLaunchersExit124) {
  sandbox_.answer = [](const sandbox::SandboxRequest&) {
    sandbox::RunResult result = exited(ps::kExitTimedOut, "");
    result.outcome = sandbox::SandboxOutcome::kTimedOut;
    return result;
  };
  start();
  json status = launchAndFinish();
  EXPECT_EQ(conditionOf(status, "reason"), "TimedOut");
  EXPECT_NE(conditionOf(status, "message").find("120 s"), std::string::npos);
}

TEST_F(LocalExecutorTest, TheMemoryLimitShowsAsOutOfMemory) {
  sandbox_.answer = [](const sandbox::SandboxRequest&) {
    sandbox::RunResult result = exited(137, "");
    result.outcome = sandbox::SandboxOutcome::kSignaled;
    result.memoryLimitHit = true;
    return result;
  };
  start();
  json status = launchAndFinish();
  EXPECT_EQ(conditionOf(status, "reason"), "Failed");
  EXPECT_NE(conditionOf(status, "message").find("out of memory"), std::string::npos);
}

TEST_F(LocalExecutorTest, ASandboxThatCannotBeSetUpFailsWithItsOwnMessage) {
  sandbox_.answer = [](const sandbox::SandboxRequest&) {
    return sandbox::RunResult::setupFailed("sandbox: cannot create namespaces: EPERM");
  };
  start();
  json status = launchAndFinish();
  EXPECT_EQ(conditionOf(status, "reason"), "Failed");
  EXPECT_EQ(status["exitCode"], ps::kExitSetupFailed);
  EXPECT_NE(status["result"].get<std::string>().find("cannot create namespaces: EPERM"),
            std::string::npos);
}

TEST_F(LocalExecutorTest, LongOutputKeepsTheLast4KiBMarkedAsCut) {
  sandbox_.answer = [](const sandbox::SandboxRequest&) {
    sandbox::RunResult result = exited(0, std::string(4096, 'a'));
    result.output.tailCut = true;
    return result;
  };
  start();
  json status = launchAndFinish();
  const std::string text = status["result"];
  EXPECT_LE(text.size(), 4096u);
  EXPECT_NE(text.find("truncated"), std::string::npos);
}

TEST_F(LocalExecutorTest, AConfigMapInputIsWrittenForAReadFilesPlugin) {
  start();
  json spec = defaultSpec();
  spec["input"] = {{"configMap", "repo"}};
  fake_->script("GET", kConfigMaps + "repo",
                {200, json({{"metadata", {{"name", "repo"}}},
                            {"data", {{"main.c", "// TODO: fix\n"}}},
                            {"binaryData", {{"blob", "AAEC"}}}})
                          .dump()});
  json status = launchAndFinish(spec);
  EXPECT_EQ(conditionOf(status, "reason"), "Succeeded");
  ASSERT_EQ(sandbox_.input.size(), 2u);
  EXPECT_EQ(sandbox_.input["main.c"], "// TODO: fix\n");
  EXPECT_EQ(sandbox_.input["blob"], std::string("\x00\x01\x02", 3));
}

TEST_F(LocalExecutorTest, AMissingInputConfigMapFailsTheRunWithoutRunningIt) {
  start();
  json spec = defaultSpec();
  spec["input"] = {{"configMap", "repo"}};
  fake_->script("GET", kConfigMaps + "repo",
                {404, R"({"kind":"Status","reason":"NotFound","code":404})"});
  json status = launchAndFinish(spec);
  EXPECT_EQ(conditionOf(status, "reason"), "Failed");
  EXPECT_NE(status["result"].get<std::string>().find("repo"), std::string::npos);
  EXPECT_TRUE(sandbox_.requests.empty());
}

TEST_F(LocalExecutorTest, APersistentVolumeClaimInputFailsTheRunWithAReason) {
  start();
  json spec = defaultSpec();
  spec["input"] = {{"persistentVolumeClaim", "data"}};
  json status = launchAndFinish(spec);
  EXPECT_EQ(conditionOf(status, "reason"), "Failed");
  EXPECT_NE(conditionOf(status, "message").find("cannot mount PersistentVolumeClaims"),
            std::string::npos);
  EXPECT_TRUE(sandbox_.requests.empty());
}

TEST_F(LocalExecutorTest, ARunningRunThisProcessNeverStartedFailsAsLost) {
  start();
  runs_.apply(pluginRun(defaultSpec()));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  json launched = visit();
  ASSERT_EQ(conditionOf(launched, "reason"), "Running");
  // A new controller process: same status in the API, an executor that knows nothing.
  reconciler_.reset();
  executor_.reset();
  sandbox_.answer = [](const sandbox::SandboxRequest&) { return exited(0, ""); };
  start();
  json status = visit();
  EXPECT_EQ(conditionOf(status, "reason"), "Failed");
  EXPECT_NE(conditionOf(status, "message").find("sandbox of this run was lost"), std::string::npos);
}

TEST_F(LocalExecutorTest, RemovingARunKillsItsSandbox) {
  std::atomic<bool> started{false}, woken{false};
  sandbox_.answer = [&](const sandbox::SandboxRequest& request) {
    started = true;
    pollfd wake{request.wakeFd, POLLIN, 0};
    woken = poll(&wake, 1, 20'000) == 1;
    sandbox::RunResult result = exited(130, "");
    result.outcome = sandbox::SandboxOutcome::kInterrupted;
    return result;
  };
  start();
  runs_.apply(pluginRun(defaultSpec()));
  fake_->script("GET", kConfigMaps + "techdebt",
                {200, ps::testing::demoConfigMap("techdebt").dump()});
  json launched = visit();
  ASSERT_TRUE(waitForPhase({"Running"}));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!started && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(started);
  // The run is deleted: the cache no longer has it, and the reconciler cleans up after it.
  runs_.remove(*runs_.get("team-a/scan-1"));
  EXPECT_FALSE(reconciler_->reconcile("team-a/scan-1").error);
  executor_.reset();  // joins the thread, so the sandbox has returned
  reconciler_.reset();
  EXPECT_TRUE(woken);
}

TEST_F(LocalExecutorTest, AtMostSlotsSandboxesRunAtOnce) {
  std::atomic<int> running{0}, most{0};
  sandbox_.answer = [&](const sandbox::SandboxRequest&) {
    int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(50ms);
    --running;
    return exited(0, "");
  };
  start(1);
  for (int i = 0; i < 3; ++i) {
    json run = pluginRun(defaultSpec());
    run["metadata"]["name"] = "scan-" + std::to_string(i + 10);
    run["metadata"]["uid"] = "u-" + std::to_string(i + 10);
    runs_.apply(json(run));
    fake_->script("GET", kConfigMaps + "techdebt",
                  {200, ps::testing::demoConfigMap("techdebt").dump()});
    fake_->script("PUT", kRuns + "scan-" + std::to_string(i + 10) + "/status", {200, "{}"});
    EXPECT_FALSE(reconciler_->reconcile("team-a/scan-" + std::to_string(i + 10)).error);
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (sandbox_.requests.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  executor_.reset();
  reconciler_.reset();
  EXPECT_EQ(sandbox_.requests.size(), 3u);
  EXPECT_EQ(most.load(), 1);
}

}  // namespace
}  // namespace ps::reconcile
