#include "reconcile/pod_observation.h"

#include <gtest/gtest.h>

#include "kube/rfc3339.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

TEST(PodObservationTest, ReadsATerminatedPluginContainer) {
  const json pod = json::parse(R"({
    "metadata": {"name": "p"},
    "status": {"phase": "Failed", "startTime": "2026-11-27T21:00:00Z",
      "containerStatuses": [
        {"name": "sidecar", "state": {"running": {}}},
        {"name": "plugin", "state": {"terminated": {"exitCode": 3, "reason": "Error",
          "message": "boom\n", "finishedAt": "2026-11-27T21:00:05Z"}}}]}})");
  const PodObservation observed = observePod(pod);
  EXPECT_EQ(observed.phase, PodPhase::Failed);
  EXPECT_FALSE(observed.deleting);
  ASSERT_TRUE(observed.terminated.has_value());
  EXPECT_EQ(observed.terminated->exitCode, 3);
  EXPECT_EQ(observed.terminated->reason, "Error");
  EXPECT_EQ(observed.terminated->message, "boom\n");
  EXPECT_EQ(observed.terminated->finishedAt, kube::parseRfc3339("2026-11-27T21:00:05Z"));
  EXPECT_EQ(observed.startedAt, kube::parseRfc3339("2026-11-27T21:00:00Z"));
}

TEST(PodObservationTest, ReadsEvictionAndDeadline) {
  const PodObservation evicted = observePod(
      {{"status", {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", "low memory"}}}});
  EXPECT_EQ(evicted.reason, "Evicted");
  EXPECT_EQ(evicted.message, "low memory");
  EXPECT_FALSE(evicted.terminated.has_value());
  const PodObservation deleting =
      observePod({{"metadata", {{"deletionTimestamp", "2026-11-27T21:00:00Z"}}},
                  {"status", {{"phase", "Running"}}}});
  EXPECT_TRUE(deleting.deleting);
  EXPECT_EQ(deleting.phase, PodPhase::Running);
}

TEST(PodObservationTest, ReadsAWaitingPluginContainer) {
  const PodObservation observed = observePod(
      {{"status",
        {{"phase", "Pending"},
         {"containerStatuses",
          {{{"name", "plugin"},
            {"state",
             {{"waiting",
               {{"reason", "ImagePullBackOff"}, {"message", "Back-off pulling"}}}}}}}}}}});
  ASSERT_TRUE(observed.waiting.has_value());
  EXPECT_EQ(observed.waiting->reason, "ImagePullBackOff");
  EXPECT_EQ(observed.waiting->message, "Back-off pulling");
  EXPECT_FALSE(observed.terminated.has_value());
  EXPECT_FALSE(observePod({{"status", {{"phase", "Running"}}}}).waiting.has_value());
}

TEST(PodObservationTest, GarbageReadsAsNotKnownYet) {
  for (const json& pod :
       {json(), json::array(), json("x"), json::object(), json{{"status", 5}},
        json{{"status", {{"phase", 7}, {"containerStatuses", "x"}}}},
        json{{"status", {{"containerStatuses", {{{"state", {{"terminated", "x"}}}}}}}}}}) {
    const PodObservation observed = observePod(pod);
    EXPECT_EQ(observed.phase, PodPhase::Pending) << pod.dump();
    EXPECT_FALSE(observed.terminated.has_value()) << pod.dump();
  }
  EXPECT_EQ(observePod({{"status", {{"phase", "Weird"}}}}).phase, PodPhase::Unknown);
  const PodObservation huge = observePod(
      {{"status",
        {{"containerStatuses",
          {{{"name", "plugin"}, {"state", {{"terminated", {{"exitCode", 1LL << 40}}}}}}}}}}});
  ASSERT_TRUE(huge.terminated.has_value());
  EXPECT_EQ(huge.terminated->exitCode, -1);
}

}  // namespace
}  // namespace ps::reconcile
