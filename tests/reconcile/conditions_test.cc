#include "reconcile/conditions.h"

#include <gtest/gtest.h>

#include "kube/rfc3339.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const TimePoint kT0 = *kube::parseRfc3339("2026-11-27T21:00:00Z");
const TimePoint kT1 = kT0 + seconds{60};

StatusUpdate update(int64_t generation, RunState state, std::string message) {
  StatusUpdate result;
  result.generation = generation;
  result.state = state;
  result.message = std::move(message);
  return result;
}

const json* findCondition(const json& status, const std::string& type) {
  for (const auto& condition : status["conditions"]) {
    if (condition["type"] == type) return &condition;
  }
  return nullptr;
}

std::string statusOf(const json& status, const std::string& type) {
  const json* condition = findCondition(status, type);
  return condition ? condition->at("status").get<std::string>() : "<missing>";
}

// kstatus (Flux) reads: Reconciling=True -> InProgress, Stalled=True -> Failed, Ready=True ->
// Current. Check every state maps to what a person expects.
TEST(ConditionsTest, EveryStateMapsToKstatus) {
  for (RunState state : kAllRunStates) {
    const json status = buildStatus(json(), update(1, state, "m"), kT0);
    ASSERT_EQ(status["conditions"].size(), 4u);
    const std::string succeeded = statusOf(status, "Succeeded");
    if (!isTerminal(state)) {
      EXPECT_EQ(succeeded, "Unknown");
      EXPECT_EQ(statusOf(status, "Reconciling"), "True");
      EXPECT_EQ(statusOf(status, "Stalled"), "False");
      EXPECT_EQ(statusOf(status, "Ready"), "False");
    } else if (state == RunState::Succeeded) {
      EXPECT_EQ(succeeded, "True");
      EXPECT_EQ(statusOf(status, "Ready"), "True");
      EXPECT_EQ(statusOf(status, "Reconciling"), "False");
      EXPECT_EQ(statusOf(status, "Stalled"), "False");
    } else {
      EXPECT_EQ(succeeded, "False") << reasonOf(state);
      EXPECT_EQ(statusOf(status, "Stalled"), "True");
      EXPECT_EQ(statusOf(status, "Ready"), "False");
      EXPECT_EQ(statusOf(status, "Reconciling"), "False");
    }
    for (const auto& condition : status["conditions"]) {
      EXPECT_EQ(condition["reason"], std::string(reasonOf(state)));
      EXPECT_EQ(condition["observedGeneration"], 1);
      EXPECT_EQ(condition["lastTransitionTime"], "2026-11-27T21:00:00Z");
    }
  }
}

TEST(ConditionsTest, TransitionTimeChangesOnlyWhenStatusFlips) {
  const json first = buildStatus(json(), update(1, RunState::Validating, "validating"), kT0);
  const json second = buildStatus(first, update(1, RunState::Running, "running"), kT1);
  // Succeeded stays Unknown: same transition time, new reason and message.
  EXPECT_EQ((*findCondition(second, "Succeeded"))["lastTransitionTime"], "2026-11-27T21:00:00Z");
  EXPECT_EQ((*findCondition(second, "Succeeded"))["reason"], "Running");
  EXPECT_EQ((*findCondition(second, "Succeeded"))["message"], "running");
  const json third = buildStatus(second, update(1, RunState::Succeeded, "done"), kT1);
  EXPECT_EQ((*findCondition(third, "Succeeded"))["lastTransitionTime"], "2026-11-27T21:01:00Z");
  EXPECT_EQ((*findCondition(third, "Reconciling"))["lastTransitionTime"], "2026-11-27T21:01:00Z");
  EXPECT_EQ((*findCondition(third, "Stalled"))["lastTransitionTime"], "2026-11-27T21:00:00Z");
}

TEST(ConditionsTest, StatusFieldsAreWrittenAndKept) {
  StatusUpdate running = update(3, RunState::Running, "running");
  running.pluginId = "techdebt";
  running.pluginVersion = "1.2.0";
  running.signedBy = "sha256:abcd";
  running.podName = "run-1-0123456789";
  running.policyConfigured = true;
  running.startTime = kT0;
  const json afterStart = buildStatus(json(), running, kT0);
  EXPECT_EQ(afterStart["observedGeneration"], 3);
  EXPECT_EQ(afterStart["pluginID"], "techdebt");
  EXPECT_EQ(afterStart["startTime"], "2026-11-27T21:00:00Z");
  EXPECT_FALSE(afterStart.contains("completionTime"));

  StatusUpdate done = update(3, RunState::Failed, "plugin exited with status 2");
  done.outcome = RunOutcome{2, "partial output", kT1};
  const json finished = buildStatus(afterStart, done, kT1);
  EXPECT_EQ(finished["pluginID"], "techdebt");  // kept
  EXPECT_EQ(finished["podName"], "run-1-0123456789");
  EXPECT_EQ(finished["startTime"], "2026-11-27T21:00:00Z");
  EXPECT_EQ(finished["completionTime"], "2026-11-27T21:01:00Z");
  EXPECT_EQ(finished["exitCode"], 2);
  EXPECT_EQ(finished["result"], "partial output");
}

TEST(ConditionsTest, HostileResultAndMessageStayValidAndBounded) {
  StatusUpdate done = update(1, RunState::Rejected, std::string(5000, 'm') + "\xFF");
  done.outcome = RunOutcome{1, std::string(10000, '\xC3'), kT0};
  const json status = buildStatus(json(), done, kT0);
  const std::string dumped = status.dump();  // throws on invalid UTF-8
  EXPECT_LE(status["result"].get<std::string>().size(), 4096u);
  EXPECT_LE((*findCondition(status, "Succeeded"))["message"].get<std::string>().size(),
            kMaxConditionMessageBytes);
}

TEST(ConditionsTest, GarbagePreviousStatusIsRepaired) {
  const json garbage = {
      {"conditions", {1, "x", {{"type", 7}}, {{"type", "Other"}, {"status", "True"}}}},
      {"observedGeneration", "nope"}};
  const json status = buildStatus(garbage, update(2, RunState::Validating, ""), kT0);
  EXPECT_EQ(status["observedGeneration"], 2);
  EXPECT_EQ(statusOf(status, "Other"), "True");  // someone else's condition is kept
  EXPECT_EQ(statusOf(status, "Succeeded"), "Unknown");
  EXPECT_EQ(buildStatus(json("str"), update(1, RunState::Queued, ""), kT0)["observedGeneration"],
            1);
}

TEST(ConditionsTest, ForeignConditionsMakeRoomForOursWithinTheCrdLimit) {
  json conditions = json::array();
  for (int i = 0; i < 10; ++i) {
    conditions.push_back({{"type", "Extra" + std::to_string(i)}, {"status", "True"}});
  }
  const json status =
      buildStatus({{"conditions", conditions}}, update(1, RunState::Running, ""), kT0);
  EXPECT_EQ(status["conditions"].size(), kMaxConditions);
  EXPECT_EQ(statusOf(status, "Succeeded"), "Unknown");
  EXPECT_EQ(statusOf(status, "Stalled"), "False");
  EXPECT_EQ(statusOf(status, "Extra9"), "True");  // the newest foreign ones are kept
  EXPECT_EQ(statusOf(status, "Extra0"), "<missing>");
}

TEST(ConditionsTest, DuplicatedConditionsDoNotHangTheCap) {
  json conditions = json::array();
  for (int i = 0; i < 10; ++i) conditions.push_back({{"type", "Succeeded"}, {"status", "True"}});
  const json status =
      buildStatus({{"conditions", conditions}}, update(1, RunState::Queued, ""), kT0);
  EXPECT_GE(status["conditions"].size(), 4u);
}

TEST(ConditionsTest, StateIsReadBackFromStatus) {
  for (RunState state : kAllRunStates) {
    EXPECT_EQ(runStateFromStatus(buildStatus(json(), update(1, state, ""), kT0)), state);
  }
  EXPECT_EQ(runStateFromStatus(json()), RunState::Validating);
  EXPECT_EQ(runStateFromStatus(json::object()), RunState::Validating);
  EXPECT_EQ(runStateFromStatus(json{{"conditions", "x"}}), RunState::Validating);
  EXPECT_EQ(runStateFromStatus(json{{"conditions", {{{"type", "Succeeded"}, {"reason", 5}}}}}),
            RunState::Validating);
  EXPECT_EQ(
      runStateFromStatus(json{{"conditions", {{{"type", "Succeeded"}, {"reason", "Bogus"}}}}}),
      RunState::Validating);
}

}  // namespace
}  // namespace ps::reconcile
