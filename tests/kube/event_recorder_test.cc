#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include "fake_http_client.h"

namespace ps::kube {
namespace {

using nlohmann::json;
using testing::FakeHttpClient;
using namespace std::chrono_literals;

const std::string kEvents = "/api/v1/namespaces/team-a/events";

json run(const std::string& name) {
  return {
      {"apiVersion", "sandbox.plugins.dev/v1alpha1"},
      {"kind", "PluginRun"},
      {"metadata",
       {{"name", name}, {"namespace", "team-a"}, {"uid", "uid-" + name}, {"resourceVersion", "7"}}},
      {"spec", {{"plugin", {{"configMap", "big"}}}}},
      {"status", {{"result", std::string(10000, 'x')}}}};
}

EventSpec event(const std::string& name, const std::string& reason) {
  EventSpec spec;
  spec.involvedObject = run(name);
  spec.type = "Warning";
  spec.reason = reason;
  spec.message = "rejected: policy: not listed";
  spec.component = "plugin-controller";
  return spec;
}

class EventRecorderTest : public ::testing::Test {
 protected:
  EventRecorderTest() {
    auto fake = std::make_unique<FakeHttpClient>();
    server_ = fake.get();
    ClientOptions options;
    options.qps = 0;
    client_ = std::make_unique<KubeClient>(std::move(fake), options);
  }
  FakeHttpClient* server_ = nullptr;
  std::unique_ptr<KubeClient> client_;
};

TEST_F(EventRecorderTest, PostsEveryEventInOrderOffTheCallersThread) {
  for (int i = 0; i < 3; ++i) server_->script("POST", kEvents, {201, "{}"});
  EventRecorder recorder(*client_);
  recorder.record("team-a", event("run-1", "Rejected"));
  recorder.record("team-a", event("run-2", "Running"));
  recorder.record("team-a", event("run-3", "Succeeded"));
  ASSERT_TRUE(recorder.flush(5000ms));
  const auto posted = server_->requestsTo(kEvents);
  ASSERT_EQ(posted.size(), 3u);
  const char* reasons[] = {"Rejected", "Running", "Succeeded"};
  for (std::size_t i = 0; i < posted.size(); ++i) {
    const json body = json::parse(posted[i].body);
    EXPECT_EQ(body["reason"], reasons[i]);
    EXPECT_EQ(body["type"], "Warning");
    EXPECT_EQ(body["involvedObject"]["kind"], "PluginRun");
    EXPECT_EQ(body["involvedObject"]["name"], "run-" + std::to_string(i + 1));
    EXPECT_EQ(body["involvedObject"]["uid"], "uid-run-" + std::to_string(i + 1));
    EXPECT_EQ(body["involvedObject"]["resourceVersion"], "7");
  }
  EXPECT_EQ(recorder.failed(), 0u);
  EXPECT_EQ(recorder.dropped(), 0u);
}

TEST_F(EventRecorderTest, AFailedPostIsCountedAndTheNextStillGoes) {
  server_->script("POST", kEvents, {500, R"({"kind":"Status","code":500})"});
  server_->script("POST", kEvents, {201, "{}"});
  EventRecorder recorder(*client_);
  recorder.record("team-a", event("run-1", "Rejected"));
  recorder.record("team-a", event("run-2", "Rejected"));
  ASSERT_TRUE(recorder.flush(5000ms));
  EXPECT_EQ(server_->requestsTo(kEvents).size(), 2u);
  EXPECT_EQ(recorder.failed(), 1u);
}

TEST_F(EventRecorderTest, AFullQueueDropsInsteadOfBlocking) {
  EventRecorder recorder(*client_, 0);
  recorder.record("team-a", event("run-1", "Rejected"));
  recorder.record("team-a", event("run-2", "Rejected"));
  EXPECT_EQ(recorder.dropped(), 2u);
  ASSERT_TRUE(recorder.flush(1000ms));
  EXPECT_TRUE(server_->requestsTo(kEvents).empty());
}

TEST_F(EventRecorderTest, DestructionPostsWhatIsQueued) {
  for (int i = 0; i < 20; ++i) server_->script("POST", kEvents, {201, "{}"});
  {
    EventRecorder recorder(*client_);
    for (int i = 0; i < 20; ++i) recorder.record("team-a", event("run", "Running"));
  }
  EXPECT_EQ(server_->requestsTo(kEvents).size(), 20u);
}

}  // namespace
}  // namespace ps::kube
