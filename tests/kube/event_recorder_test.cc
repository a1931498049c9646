#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include "fake_http_client.h"
#include "manual_clock.h"

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
  EventRecorderOptions noRoom;
  noRoom.capacity = 0;
  EventRecorder recorder(*client_, noRoom);
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
    for (int i = 0; i < 20; ++i) {
      recorder.record("team-a", event("run-" + std::to_string(i), "Running"));
    }
  }
  EXPECT_EQ(server_->requestsTo(kEvents).size(), 20u);
}

// Aggregation as client-go's EventCorrelator does it: the same Event again raises the count of
// the one already posted instead of posting another.
class EventAggregationTest : public EventRecorderTest {
 protected:
  EventAggregationTest() { options_.clock = &clock_; }
  // The API server's answer to a create: the Event under a generated name.
  static FakeHttpClient::Reply created(const std::string& name) {
    return {201, json{{"metadata", {{"name", name}}}}.dump()};
  }
  std::vector<json> patchesOf(const std::string& name) const {
    std::vector<json> bodies;
    for (const auto& request : server_->requestsTo(kEvents + "/" + name)) {
      if (request.method == "PATCH") bodies.push_back(json::parse(request.body));
    }
    return bodies;
  }
  std::size_t creates() const {
    std::size_t count = 0;
    for (const auto& request : server_->requestsTo(kEvents)) count += request.method == "POST";
    return count;
  }
  testing::ManualClock clock_;
  EventRecorderOptions options_;
};

TEST_F(EventAggregationTest, TheSameEventAgainRaisesTheCountOfTheFirst) {
  server_->script("POST", kEvents, created("run-1.a"));
  for (int i = 0; i < 2; ++i) server_->script("PATCH", kEvents + "/run-1.a", {200, "{}"});
  EventRecorder recorder(*client_, options_);
  for (int i = 0; i < 3; ++i) {
    recorder.record("team-a", event("run-1", "Rejected"));
    ASSERT_TRUE(recorder.flush(5000ms));
    clock_.advance(10s);
  }
  EXPECT_EQ(creates(), 1u);
  const auto patches = patchesOf("run-1.a");
  ASSERT_EQ(patches.size(), 2u);
  EXPECT_EQ(patches[0]["count"], 2);
  EXPECT_EQ(patches[1]["count"], 3);
  EXPECT_TRUE(patches[1].contains("lastTimestamp"));
  EXPECT_EQ(recorder.aggregated(), 2u);
  EXPECT_EQ(recorder.failed(), 0u);
}

TEST_F(EventAggregationTest, ATightLoopLeavesOneEventWithTheWholeCount) {
  server_->script("POST", kEvents, created("run-1.a"));
  for (int i = 0; i < 1000; ++i) server_->script("PATCH", kEvents + "/run-1.a", {200, "{}"});
  EventRecorder recorder(*client_, options_);
  for (int i = 0; i < 1000; ++i) recorder.record("team-a", event("run-1", "Rejected"));
  ASSERT_TRUE(recorder.flush(5000ms));
  EXPECT_EQ(creates(), 1u);
  const auto patches = patchesOf("run-1.a");
  ASSERT_FALSE(patches.empty());
  EXPECT_EQ(patches.back()["count"], 1000) << "every occurrence counted once";
  EXPECT_LT(patches.size(), 1000u) << "occurrences queued meanwhile share one PATCH";
  EXPECT_EQ(recorder.dropped(), 0u);
}

TEST_F(EventAggregationTest, ADifferentMessageOrObjectIsAnotherEvent) {
  server_->script("POST", kEvents, created("run-1.a"));
  server_->script("POST", kEvents, created("run-1.b"));
  server_->script("POST", kEvents, created("run-2.a"));
  EventRecorder recorder(*client_, options_);
  recorder.record("team-a", event("run-1", "Rejected"));
  EventSpec other = event("run-1", "Rejected");
  other.message = "rejected: digest: plugin.py changed";
  recorder.record("team-a", other);
  recorder.record("team-a", event("run-2", "Rejected"));
  ASSERT_TRUE(recorder.flush(5000ms));
  EXPECT_EQ(creates(), 3u);
  EXPECT_EQ(recorder.aggregated(), 0u);
}

TEST_F(EventAggregationTest, AfterTheWindowTheSameEventIsPostedAnew) {
  options_.aggregationWindow = 600s;
  server_->script("POST", kEvents, created("run-1.a"));
  server_->script("POST", kEvents, created("run-1.b"));
  EventRecorder recorder(*client_, options_);
  recorder.record("team-a", event("run-1", "Rejected"));
  ASSERT_TRUE(recorder.flush(5000ms));
  clock_.advance(601s);
  recorder.record("team-a", event("run-1", "Rejected"));
  ASSERT_TRUE(recorder.flush(5000ms));
  EXPECT_EQ(creates(), 2u);
  EXPECT_TRUE(patchesOf("run-1.a").empty());
}

TEST_F(EventAggregationTest, AnEventTheServerNoLongerHasIsPostedAnew) {
  server_->script("POST", kEvents, created("run-1.a"));
  server_->script("PATCH", kEvents + "/run-1.a", {404, R"({"kind":"Status","code":404})"});
  server_->script("POST", kEvents, created("run-1.b"));
  EventRecorder recorder(*client_, options_);
  for (int i = 0; i < 2; ++i) {
    recorder.record("team-a", event("run-1", "Rejected"));
    ASSERT_TRUE(recorder.flush(5000ms));
  }
  EXPECT_EQ(creates(), 2u);
  EXPECT_EQ(recorder.failed(), 0u);
}

TEST_F(EventAggregationTest, WhatItRemembersIsBounded) {
  options_.remembered = 2;
  for (const char* name : {"run-1.a", "run-2.a", "run-3.a", "run-1.b"}) {
    server_->script("POST", kEvents, created(name));
  }
  EventRecorder recorder(*client_, options_);
  for (const char* run : {"run-1", "run-2", "run-3", "run-1"}) {
    recorder.record("team-a", event(run, "Rejected"));
    ASSERT_TRUE(recorder.flush(5000ms));
    clock_.advance(1s);
  }
  EXPECT_EQ(creates(), 4u) << "run-1's Event was the oldest remembered, so it was forgotten";
}

}  // namespace
}  // namespace ps::kube
