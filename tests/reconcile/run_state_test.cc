#include "reconcile/run_state.h"

#include <gtest/gtest.h>

#include <vector>

namespace ps::reconcile {
namespace {

using std::chrono::seconds;

const TimePoint kNow = TimePoint{} + seconds{1'800'000'000};

RunFacts baseFacts() {
  RunFacts facts;
  facts.now = kNow;
  facts.timeout = seconds{300};
  return facts;
}

RunFacts accepted() {
  RunFacts facts = baseFacts();
  facts.verdict.kind = TrustVerdict::Kind::Accepted;
  return facts;
}

PodObservation podIn(PodPhase phase) {
  PodObservation pod;
  pod.phase = phase;
  return pod;
}

PodObservation terminatedPod(PodPhase phase, int32_t exitCode, std::string reason = "",
                             std::string message = "") {
  PodObservation pod = podIn(phase);
  pod.terminated = PodObservation::Terminated{exitCode, std::move(reason), std::move(message), {}};
  return pod;
}

TEST(RunStateTest, ReasonsRoundTripAndAreUpperCamelCase) {
  for (RunState state : kAllRunStates) {
    const auto reason = reasonOf(state);
    ASSERT_FALSE(reason.empty());
    EXPECT_TRUE(reason[0] >= 'A' && reason[0] <= 'Z') << reason;
    EXPECT_EQ(runStateFromReason(reason), state);
  }
  EXPECT_FALSE(runStateFromReason("Pending").has_value());
  EXPECT_FALSE(runStateFromReason("").has_value());
}

TEST(RunStateTest, FirstVisitWritesStatusBeforeAnythingElse) {
  const Decision decision = transition(RunState::Validating, baseFacts());
  EXPECT_EQ(decision.next, RunState::Validating);
  EXPECT_TRUE(decision.writeStatus);
  EXPECT_FALSE(decision.createPod);
  EXPECT_TRUE(decision.requeueAfter.has_value());
}

TEST(RunStateTest, AcceptedWithCapacityCreatesPodAndPolicy) {
  const Decision decision = transition(RunState::Validating, accepted());
  EXPECT_EQ(decision.next, RunState::Running);
  EXPECT_TRUE(decision.createPod);
  EXPECT_TRUE(decision.ensureNetworkPolicy);
  EXPECT_TRUE(decision.writeStatus);
  ASSERT_TRUE(decision.event.has_value());
  EXPECT_EQ(decision.event->reason, "Running");
  EXPECT_EQ(decision.requeueAfter, seconds{300} + kDeadlineGrace);
}

TEST(RunStateTest, RejectionIsTerminalWithWarningAndNoPod) {
  RunFacts facts = baseFacts();
  facts.verdict = {TrustVerdict::Kind::Rejected, "rejected: policy: plugin \"x\" is not listed"};
  const Decision decision = transition(RunState::Validating, facts);
  EXPECT_EQ(decision.next, RunState::Rejected);
  EXPECT_FALSE(decision.createPod);
  EXPECT_FALSE(decision.ensureNetworkPolicy);
  ASSERT_TRUE(decision.event.has_value());
  EXPECT_EQ(decision.event->type, EventRecord::Type::Warning);
  EXPECT_EQ(decision.event->reason, "Rejected");
  EXPECT_EQ(decision.event->message, facts.verdict.message);
  ASSERT_TRUE(decision.outcome.has_value());
  EXPECT_FALSE(decision.outcome->exitCode.has_value());
}

TEST(RunStateTest, MissingSourceWaitsInsteadOfRejecting) {
  RunFacts facts = baseFacts();
  facts.verdict = {TrustVerdict::Kind::SourceMissing, "ConfigMap \"techdebt\" not found"};
  const Decision decision = transition(RunState::Validating, facts);
  EXPECT_EQ(decision.next, RunState::Validating);
  EXPECT_EQ(decision.requeueAfter, kWaitRequeue);
  EXPECT_EQ(decision.message.rfind(facts.verdict.message, 0), 0u) << decision.message;
  EXPECT_NE(decision.message.find("the run fails after 120 s"), std::string::npos);
}

TEST(RunStateTest, MissingSourceWarnsOnceThenWaitsQuietly) {
  RunFacts facts = baseFacts();
  facts.createdAt = facts.now;
  facts.verdict = {TrustVerdict::Kind::SourceMissing, "plugin ConfigMap \"techdebt\" not found"};
  const Decision first = transition(RunState::Validating, facts);
  ASSERT_TRUE(first.event.has_value());
  EXPECT_EQ(first.event->type, EventRecord::Type::Warning);
  EXPECT_EQ(first.event->reason, "PluginNotFound");
  EXPECT_TRUE(first.writeStatus);
  facts.currentMessage = first.message;
  facts.now += std::chrono::seconds(10);
  const Decision later = transition(RunState::Validating, facts);
  EXPECT_EQ(later.next, RunState::Validating);
  EXPECT_FALSE(later.event.has_value());
  EXPECT_FALSE(later.writeStatus);
  EXPECT_EQ(later.message, first.message);
}

TEST(RunStateTest, MissingSourcePastItsGraceFailsPluginNotFound) {
  RunFacts facts = baseFacts();
  facts.createdAt = facts.now - std::chrono::seconds(30);
  facts.missingPluginGrace = std::chrono::seconds(30);
  facts.verdict = {TrustVerdict::Kind::SourceMissing, "plugin ConfigMap \"techdebt\" not found"};
  const Decision before = transition(RunState::Validating, [&] {
    RunFacts earlier = facts;
    earlier.now -= std::chrono::seconds(5);
    return earlier;
  }());
  EXPECT_EQ(before.next, RunState::Validating);
  EXPECT_EQ(before.requeueAfter, std::chrono::seconds(5));  // wakes exactly when the grace ends
  const Decision decision = transition(RunState::Validating, facts);
  EXPECT_EQ(decision.next, RunState::PluginNotFound);
  EXPECT_TRUE(isTerminal(decision.next));
  EXPECT_TRUE(decision.writeStatus);
  ASSERT_TRUE(decision.event.has_value());
  EXPECT_EQ(decision.event->type, EventRecord::Type::Warning);
  EXPECT_NE(decision.message.find("techdebt"), std::string::npos);
  EXPECT_NE(decision.message.find("within 30 s"), std::string::npos);
  EXPECT_FALSE(decision.createPod);
}

TEST(RunStateTest, ImagePullFailureSpeaksAtOnceThenFailsAfterItsGrace) {
  RunFacts facts = baseFacts();
  facts.startTime = facts.now;
  facts.imagePullGrace = std::chrono::seconds(60);
  PodObservation pod;
  pod.phase = PodPhase::Pending;
  for (const char* reason : {"ErrImagePull", "ImagePullBackOff"}) {
    pod.waiting = PodObservation::Waiting{reason, "pull access denied for sandbox:v9"};
    facts.pod = pod;
    facts.currentMessage = "plugin accepted, Pod created";
    const Decision now = transition(RunState::Running, facts);
    EXPECT_EQ(now.next, RunState::Running) << reason;
    EXPECT_TRUE(now.writeStatus) << reason;
    ASSERT_TRUE(now.event.has_value()) << reason;
    EXPECT_EQ(now.event->type, EventRecord::Type::Warning);
    EXPECT_NE(now.message.find(reason), std::string::npos) << now.message;
    EXPECT_NE(now.message.find("pull access denied"), std::string::npos) << now.message;
    RunFacts again = facts;
    again.currentMessage = now.message;
    EXPECT_FALSE(transition(RunState::Running, again).event.has_value()) << reason;
    again.now += std::chrono::seconds(60);
    const Decision failed = transition(RunState::Running, again);
    EXPECT_EQ(failed.next, RunState::ImagePullFailed) << reason;
    EXPECT_TRUE(failed.deletePod);
    ASSERT_TRUE(failed.event.has_value());
    EXPECT_EQ(failed.event->type, EventRecord::Type::Warning);
    EXPECT_NE(failed.message.find("within 60 s"), std::string::npos) << failed.message;
  }
}

TEST(RunStateTest, NoCapacityQueuesOnceThenWaitsQuietly) {
  RunFacts facts = accepted();
  facts.capacityAvailable = false;
  const Decision first = transition(RunState::Validating, facts);
  EXPECT_EQ(first.next, RunState::Queued);
  EXPECT_TRUE(first.writeStatus);
  EXPECT_TRUE(first.event.has_value());
  EXPECT_FALSE(first.createPod);
  const Decision again = transition(RunState::Queued, facts);
  EXPECT_EQ(again.next, RunState::Queued);
  EXPECT_FALSE(again.writeStatus);
  EXPECT_FALSE(again.event.has_value());
  EXPECT_EQ(again.requeueAfter, kWaitRequeue);
  facts.capacityAvailable = true;
  EXPECT_TRUE(transition(RunState::Queued, facts).createPod);
}

TEST(RunStateTest, TheQueuedMessageNamesTheCapThatHoldsTheRunBack) {
  RunFacts facts = accepted();
  facts.capacityAvailable = false;
  EXPECT_EQ(transition(RunState::Validating, facts).message,
            "waiting for a free slot (--max-running)");
  facts.capacityCap = "--max-running-per-namespace=2: namespace team-a is full";
  const Decision first = transition(RunState::Validating, facts);
  EXPECT_EQ(first.next, RunState::Queued);
  EXPECT_NE(first.message.find("--max-running-per-namespace=2"), std::string::npos);
  // Queued under the global cap, now held by the namespace's: status is rewritten, no Event.
  facts.currentMessage = "waiting for a free slot (--max-running)";
  const Decision switched = transition(RunState::Queued, facts);
  EXPECT_EQ(switched.next, RunState::Queued);
  EXPECT_TRUE(switched.writeStatus);
  EXPECT_FALSE(switched.event.has_value());
  facts.currentMessage = switched.message;
  EXPECT_FALSE(transition(RunState::Queued, facts).writeStatus);
}

TEST(RunStateTest, ExistingPodIsAdoptedNeverCreatedTwice) {
  RunFacts facts = accepted();
  facts.pod = podIn(PodPhase::Running);
  facts.startTime = kNow - seconds{10};
  for (RunState state : {RunState::Validating, RunState::Queued}) {
    const Decision decision = transition(state, facts);
    EXPECT_EQ(decision.next, RunState::Running);
    EXPECT_FALSE(decision.createPod);
    EXPECT_TRUE(decision.writeStatus);
  }
  EXPECT_FALSE(transition(RunState::Running, facts).createPod);
}

TEST(RunStateTest, AdmissionRefusalFailsTheRun) {
  RunFacts facts = accepted();
  facts.admissionError = "pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\"";
  const Decision decision = transition(RunState::Validating, facts);
  EXPECT_EQ(decision.next, RunState::PodAdmissionFailed);
  EXPECT_FALSE(decision.createPod);
  EXPECT_NE(decision.message.find("PodSecurity"), std::string::npos);
}

TEST(RunStateTest, ATransientRefusalWaitsQueuedThenCreatesAgain) {
  RunFacts facts = accepted();
  facts.retryingRefusal =
      LaunchRefusal{"pods \"x\" is forbidden: exceeded quota: q, requested: pods=1, limit: pods=0",
                    true, 2, facts.now + seconds{2}};
  for (RunState from : {RunState::Validating, RunState::Queued}) {
    const Decision waiting = transition(from, facts);
    EXPECT_EQ(waiting.next, RunState::Queued);
    EXPECT_FALSE(waiting.createPod);
    EXPECT_TRUE(waiting.writeStatus);
    EXPECT_EQ(waiting.requeueAfter, seconds{2});
    EXPECT_NE(waiting.message.find("exceeded quota"), std::string::npos) << waiting.message;
    ASSERT_TRUE(waiting.event.has_value());
    EXPECT_EQ(waiting.event->type, EventRecord::Type::Warning);
    EXPECT_EQ(waiting.event->reason, "PodCreateRetrying");
  }
  RunFacts quiet = facts;  // the same wait, already in status: no second write or Event
  quiet.currentMessage = transition(RunState::Queued, facts).message;
  EXPECT_FALSE(transition(RunState::Queued, quiet).writeStatus);
  EXPECT_FALSE(transition(RunState::Queued, quiet).event.has_value());
  facts.now += seconds{2};
  const Decision retry = transition(RunState::Queued, facts);
  EXPECT_TRUE(retry.createPod);
  EXPECT_EQ(retry.next, RunState::Running);
}

TEST(LaunchRefusalTest, TransientRefusalsAreTheOnesThatGoAwayOnTheirOwn) {
  EXPECT_TRUE(isTransientRefusal(
      403,
      "pods \"p\" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=1, "
      "limited: pods=1"));
  EXPECT_TRUE(isTransientRefusal(403,
                                 "pods \"p\" is forbidden: error looking up service account "
                                 "ns/default: serviceaccount \"default\" not found"));
  EXPECT_TRUE(isTransientRefusal(
      500,
      "Internal error occurred: failed calling webhook \"w.example.com\": context deadline "
      "exceeded"));
  EXPECT_TRUE(isTransientRefusal(504, "Timeout: request did not complete within 34s"));
  EXPECT_TRUE(isTransientRefusal(429, "too many requests"));
  EXPECT_TRUE(isTransientRefusal(403, "pods \"p\" is forbidden: status unknown for quota: q"));
  EXPECT_FALSE(isTransientRefusal(403, "violates PodSecurity \"restricted:latest\""));
  EXPECT_FALSE(isTransientRefusal(422, "exceeded quota"));  // invalid is invalid
  EXPECT_FALSE(isTransientRefusal(403, "admission webhook denied the request"));
  EXPECT_FALSE(isTransientRefusal(500, "etcdserver: no leader"));
  EXPECT_EQ(refusalBackoff(1), seconds{1});
  EXPECT_EQ(refusalBackoff(2), seconds{2});
  EXPECT_EQ(refusalBackoff(5), seconds{16});
  EXPECT_EQ(refusalBackoff(7), seconds{60});
  EXPECT_EQ(refusalBackoff(1000), seconds{60});
  EXPECT_EQ(refusalBackoff(0), seconds{1});
}

TEST(RunStateTest, PodOutcomesMapToStates) {
  struct Case {
    PodObservation pod;
    RunState expected;
    std::optional<int32_t> exitCode;
  };
  PodObservation deadline = podIn(PodPhase::Failed);
  deadline.reason = "DeadlineExceeded";
  PodObservation evicted = podIn(PodPhase::Failed);
  evicted.reason = "Evicted";
  evicted.message = "The node was low on resource: memory.";
  PodObservation deleting = podIn(PodPhase::Running);
  deleting.deleting = true;
  const std::vector<Case> cases = {
      {terminatedPod(PodPhase::Succeeded, 0, "Completed", "3 TODOs"), RunState::Succeeded, 0},
      {terminatedPod(PodPhase::Failed, 3, "Error"), RunState::Failed, 3},
      {terminatedPod(PodPhase::Failed, 137, "OOMKilled"), RunState::Failed, 137},
      {deadline, RunState::TimedOut, std::nullopt},
      {terminatedPod(PodPhase::Failed, 124, "Error", "partial"), RunState::TimedOut, 124},
      {evicted, RunState::PodEvicted, std::nullopt},
      {podIn(PodPhase::Failed), RunState::Failed, std::nullopt},
      {deleting, RunState::PodDeleted, std::nullopt},
  };
  for (const auto& testCase : cases) {
    RunFacts facts = baseFacts();
    facts.pod = testCase.pod;
    facts.startTime = kNow - seconds{5};
    const Decision decision = transition(RunState::Running, facts);
    EXPECT_EQ(decision.next, testCase.expected) << reasonOf(testCase.expected);
    EXPECT_TRUE(decision.writeStatus);
    ASSERT_TRUE(decision.outcome.has_value());
    EXPECT_EQ(decision.outcome->exitCode, testCase.exitCode);
    ASSERT_TRUE(decision.event.has_value());
    EXPECT_EQ(decision.event->reason, reasonOf(testCase.expected));
  }
}

TEST(RunStateTest, ALauncherRefusalOrSandboxFailureSaysWhyInTheCondition) {
  const struct {
    int32_t exitCode;
    const char* says;
  } cases[] = {{126, "the sandbox could not be set up (exit 126): plugin changed after the check"},
               {125, "the launcher refused the plugin (exit 125): plugin changed after the check"}};
  for (const auto& c : cases) {
    RunFacts facts = baseFacts();
    facts.pod = terminatedPod(PodPhase::Failed, c.exitCode, "Error",
                              "plugin changed after the check: plugin.py digest differs\nmore");
    facts.startTime = kNow - seconds{5};
    const Decision decision = transition(RunState::Running, facts);
    EXPECT_EQ(decision.next, RunState::Failed);
    EXPECT_EQ(decision.message.rfind(c.says, 0), 0u) << decision.message;
    EXPECT_EQ(decision.message.find("more"), std::string::npos) << "first line only";
    ASSERT_TRUE(decision.outcome.has_value());
    EXPECT_EQ(decision.outcome->exitCode, c.exitCode);
  }
  RunFacts facts = baseFacts();
  facts.pod = terminatedPod(PodPhase::Failed, 126, "Error", std::string(300, 'x'));
  facts.startTime = kNow - seconds{5};
  EXPECT_LT(transition(RunState::Running, facts).message.size(), 300u) << "a long line is cut";
}

PodObservation waitingPod(PodPhase phase, std::string reason) {
  PodObservation pod = podIn(phase);
  pod.waiting = PodObservation::Waiting{std::move(reason), "details from the kubelet"};
  return pod;
}

TEST(RunStateTest, AContainerThatCanNeverStartFailsAtOnceAndItsPodIsDeleted) {
  for (const char* reason :
       {"InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError"}) {
    RunFacts facts = baseFacts();
    facts.pod = waitingPod(PodPhase::Pending, reason);
    facts.startTime = kNow - seconds{5};
    const Decision decision = transition(RunState::Running, facts);
    EXPECT_EQ(decision.next, RunState::Failed) << reason;
    EXPECT_TRUE(decision.deletePod) << reason;
    EXPECT_NE(decision.message.find(reason), std::string::npos) << decision.message;
    EXPECT_NE(decision.message.find("details from the kubelet"), std::string::npos);
    ASSERT_TRUE(decision.event.has_value());
    EXPECT_EQ(decision.event->type, EventRecord::Type::Warning);
  }
}

TEST(RunStateTest, AnImageStillBeingPulledKeepsTheRunWaiting) {
  for (const char* reason : {"ImagePullBackOff", "ErrImagePull", "ContainerCreating"}) {
    RunFacts facts = baseFacts();
    facts.pod = waitingPod(PodPhase::Pending, reason);
    facts.startTime = kNow - seconds{5};
    const Decision decision = transition(RunState::Running, facts);
    EXPECT_EQ(decision.next, RunState::Running) << reason;
    EXPECT_FALSE(decision.deletePod);
  }
}

TEST(RunStateTest, ADeadlineBeforeThePluginStartedSaysWhy) {
  RunFacts facts = baseFacts();
  PodObservation pod = waitingPod(PodPhase::Failed, "ImagePullBackOff");
  pod.reason = "DeadlineExceeded";
  facts.pod = pod;
  facts.startTime = kNow - seconds{5};
  const Decision decision = transition(RunState::Running, facts);
  EXPECT_EQ(decision.next, RunState::TimedOut);
  EXPECT_NE(decision.message.find("never started: ImagePullBackOff"), std::string::npos)
      << decision.message;
}

TEST(RunStateTest, SuccessCarriesResultAndFinishTime) {
  RunFacts facts = baseFacts();
  facts.pod = terminatedPod(PodPhase::Succeeded, 0, "Completed", "found 3 TODOs\n");
  facts.pod->terminated->finishedAt = kNow - seconds{2};
  const Decision decision = transition(RunState::Running, facts);
  ASSERT_TRUE(decision.outcome.has_value());
  EXPECT_EQ(decision.outcome->terminationMessage, "found 3 TODOs\n");
  EXPECT_EQ(decision.outcome->completionTime, kNow - seconds{2});
  EXPECT_EQ(decision.event->type, EventRecord::Type::Normal);
}

TEST(RunStateTest, OomKillIsNamedInTheMessage) {
  RunFacts facts = baseFacts();
  facts.pod = terminatedPod(PodPhase::Failed, 137, "OOMKilled");
  EXPECT_NE(transition(RunState::Running, facts).message.find("out of memory"), std::string::npos);
}

TEST(RunStateTest, MissingPodWhileRunningFailsAsPodDeleted) {
  RunFacts facts = baseFacts();
  facts.startTime = kNow - seconds{5};
  const Decision decision = transition(RunState::Running, facts);
  EXPECT_EQ(decision.next, RunState::PodDeleted);
  EXPECT_FALSE(decision.createPod);
}

TEST(RunStateTest, RunningPodRequeuesAtTheBackstopDeadline) {
  RunFacts facts = baseFacts();
  facts.pod = podIn(PodPhase::Running);
  facts.startTime = kNow - seconds{100};
  const Decision decision = transition(RunState::Running, facts);
  EXPECT_EQ(decision.next, RunState::Running);
  EXPECT_FALSE(decision.writeStatus);
  EXPECT_EQ(decision.requeueAfter, seconds{200} + kDeadlineGrace);
}

TEST(RunStateTest, ControllerBackstopTimesOutAndDeletesThePod) {
  RunFacts facts = baseFacts();
  facts.pod = podIn(PodPhase::Running);
  facts.startTime = kNow - facts.timeout - kDeadlineGrace;
  const Decision decision = transition(RunState::Running, facts);
  EXPECT_EQ(decision.next, RunState::TimedOut);
  EXPECT_TRUE(decision.deletePod);
}

TEST(RunStateTest, PodStartTimeIsUsedWhenStatusLostIt) {
  RunFacts facts = baseFacts();
  facts.pod = podIn(PodPhase::Running);
  facts.pod->startedAt = kNow - seconds{1000};
  EXPECT_EQ(transition(RunState::Running, facts).next, RunState::TimedOut);
}

TEST(RunStateTest, TtlDeletesFinishedRunAndItsPod) {
  RunFacts facts = baseFacts();
  facts.ttlAfterFinished = seconds{60};
  facts.completionTime = kNow - seconds{20};
  facts.pod = terminatedPod(PodPhase::Succeeded, 0);
  Decision decision = transition(RunState::Succeeded, facts);
  EXPECT_FALSE(decision.deleteRun);
  EXPECT_EQ(decision.requeueAfter, seconds{40});
  facts.completionTime = kNow - seconds{60};
  decision = transition(RunState::Succeeded, facts);
  EXPECT_TRUE(decision.deleteRun);
  EXPECT_TRUE(decision.deletePod);
  EXPECT_EQ(decision.next, RunState::Succeeded);
}

TEST(RunStateTest, TtlAfterFailureKeepsAFailedRunForItsOwnTime) {
  RunFacts facts = baseFacts();
  facts.ttlAfterFinished = seconds{60};
  facts.ttlAfterFailure = seconds{600};
  facts.completionTime = kNow - seconds{60};
  for (RunState failed :
       {RunState::Failed, RunState::Rejected, RunState::TimedOut, RunState::Cancelled}) {
    Decision decision = transition(failed, facts);
    EXPECT_FALSE(decision.deleteRun) << reasonOf(failed);
    EXPECT_EQ(decision.requeueAfter, seconds{540}) << reasonOf(failed);
  }
  EXPECT_TRUE(transition(RunState::Succeeded, facts).deleteRun);  // success keeps its own TTL
  facts.completionTime = kNow - seconds{600};
  EXPECT_TRUE(transition(RunState::Failed, facts).deleteRun);
  facts.ttlAfterFinished.reset();
  facts.completionTime = kNow - seconds{60};
  EXPECT_FALSE(transition(RunState::Succeeded, facts).deleteRun);  // no TTL for success
  EXPECT_FALSE(transition(RunState::Succeeded, facts).requeueAfter.has_value());
}

TEST(RunStateTest, TtlAfterFinishedCoversFailuresWithoutTheirOwn) {
  RunFacts facts = baseFacts();
  facts.ttlAfterFinished = seconds{60};
  facts.completionTime = kNow - seconds{60};
  EXPECT_TRUE(transition(RunState::Failed, facts).deleteRun);
  facts.ttlAfterFailure = seconds{0};  // 0: failures go at once, successes after 60 s
  facts.completionTime = kNow;
  EXPECT_TRUE(transition(RunState::Failed, facts).deleteRun);
  EXPECT_FALSE(transition(RunState::Succeeded, facts).deleteRun);
}

TEST(RunStateTest, CancelBeforeLaunchEndsCancelledWithoutAPod) {
  for (RunState waiting : {RunState::Validating, RunState::Queued}) {
    RunFacts facts = accepted();
    facts.cancelRequested = true;
    const Decision decision = transition(waiting, facts);
    EXPECT_EQ(decision.next, RunState::Cancelled) << reasonOf(waiting);
    EXPECT_TRUE(isTerminal(decision.next));
    EXPECT_FALSE(decision.createPod);
    EXPECT_FALSE(decision.deletePod);
    EXPECT_TRUE(decision.writeStatus);
    ASSERT_TRUE(decision.outcome.has_value());
    EXPECT_FALSE(decision.outcome->exitCode.has_value());
    EXPECT_EQ(decision.outcome->completionTime, kNow);
    ASSERT_TRUE(decision.event.has_value());
    EXPECT_EQ(decision.event->type, EventRecord::Type::Normal);
    EXPECT_EQ(decision.event->reason, "Cancelled");
    EXPECT_NE(decision.message.find("spec.status: Cancelled"), std::string::npos);
  }
}

TEST(RunStateTest, CancelWhileRunningDeletesThePod) {
  RunFacts facts = baseFacts();
  facts.cancelRequested = true;
  facts.startTime = kNow - seconds{5};
  facts.pod = podIn(PodPhase::Running);
  const Decision decision = transition(RunState::Running, facts);
  EXPECT_EQ(decision.next, RunState::Cancelled);
  EXPECT_TRUE(decision.deletePod);
  EXPECT_TRUE(decision.writeStatus);
  ASSERT_TRUE(decision.event.has_value());
  EXPECT_EQ(decision.event->type, EventRecord::Type::Normal);
  EXPECT_NE(decision.message.find("the Pod is deleted"), std::string::npos);
  facts.pod->deleting = true;  // already going: no second delete
  EXPECT_FALSE(transition(RunState::Running, facts).deletePod);
  EXPECT_EQ(transition(RunState::Running, facts).next, RunState::Cancelled);
}

TEST(RunStateTest, CancelAfterThePodFinishedKeepsItsOutcome) {
  RunFacts facts = baseFacts();
  facts.cancelRequested = true;
  facts.pod = terminatedPod(PodPhase::Succeeded, 0, "Completed", "done\n");
  EXPECT_EQ(transition(RunState::Running, facts).next, RunState::Succeeded);
  facts.pod = terminatedPod(PodPhase::Failed, 3, "Error");
  const Decision decision = transition(RunState::Running, facts);
  EXPECT_EQ(decision.next, RunState::Failed);
  EXPECT_EQ(decision.outcome->exitCode, 3);
}

TEST(RunStateTest, CancelOfAFinishedRunChangesNothing) {
  RunFacts facts = baseFacts();
  facts.cancelRequested = true;
  facts.completionTime = kNow - seconds{5};
  const Decision decision = transition(RunState::Succeeded, facts);
  EXPECT_EQ(decision.next, RunState::Succeeded);
  EXPECT_FALSE(decision.writeStatus);
  EXPECT_FALSE(decision.event.has_value());
  EXPECT_FALSE(decision.deletePod);
}

TEST(RunStateTest, TerminalRunStopsAStillRunningPod) {
  RunFacts facts = baseFacts();
  facts.pod = podIn(PodPhase::Running);
  const Decision decision = transition(RunState::TimedOut, facts);
  EXPECT_TRUE(decision.deletePod);
  EXPECT_FALSE(decision.writeStatus);
}

// Property: from every terminal state, for every combination of facts, the state never changes,
// no Pod is created, no status is rewritten and no event is emitted.
std::vector<RunFacts> allFactCombinations() {
  std::vector<std::optional<PodObservation>> pods = {std::nullopt};
  for (PodPhase phase : {PodPhase::Pending, PodPhase::Running, PodPhase::Succeeded,
                         PodPhase::Failed, PodPhase::Unknown}) {
    for (bool deleting : {false, true}) {
      for (const char* reason : {"", "DeadlineExceeded", "Evicted"}) {
        PodObservation pod = podIn(phase);
        pod.deleting = deleting;
        pod.reason = reason;
        pods.push_back(pod);
        pod.terminated = PodObservation::Terminated{1, "Error", "boom", kNow};
        pods.push_back(pod);
      }
    }
  }
  std::vector<RunFacts> all;
  for (auto kind : {TrustVerdict::Kind::NotChecked, TrustVerdict::Kind::SourceMissing,
                    TrustVerdict::Kind::Accepted, TrustVerdict::Kind::Rejected}) {
    for (const auto& pod : pods) {
      for (bool admissionRefused : {false, true}) {
        for (bool capacity : {false, true}) {
          for (int startOffset : {-1, 0, 10'000}) {  // -1: no start time
            for (int ttl : {-1, 0, 3600}) {          // -1: no TTL
              for (int failureTtl : {-1, 600}) {     // -1: no failure TTL
                for (bool cancel : {false, true}) {
                  RunFacts facts = baseFacts();
                  facts.cancelRequested = cancel;
                  if (failureTtl >= 0) facts.ttlAfterFailure = seconds{failureTtl};
                  facts.verdict = {kind, "message"};
                  facts.pod = pod;
                  if (admissionRefused) facts.admissionError = "forbidden";
                  facts.capacityAvailable = capacity;
                  if (startOffset >= 0) facts.startTime = kNow - seconds{startOffset};
                  if (ttl >= 0) facts.ttlAfterFinished = seconds{ttl};
                  facts.completionTime = kNow - seconds{30};
                  all.push_back(facts);
                }
              }
            }
          }
        }
      }
    }
  }
  return all;
}

TEST(RunStatePropertyTest, TerminalIsTerminal) {
  const auto combinations = allFactCombinations();
  ASSERT_GT(combinations.size(), 5000u);
  size_t terminalStates = 0;
  for (RunState state : kAllRunStates) {
    if (!isTerminal(state)) continue;
    ++terminalStates;
    for (const auto& facts : combinations) {
      const Decision decision = transition(state, facts);
      ASSERT_EQ(decision.next, state) << reasonOf(state);
      ASSERT_FALSE(decision.createPod) << reasonOf(state);
      ASSERT_FALSE(decision.ensureNetworkPolicy) << reasonOf(state);
      ASSERT_FALSE(decision.writeStatus) << reasonOf(state);
      ASSERT_FALSE(decision.event.has_value()) << reasonOf(state);
      ASSERT_FALSE(decision.outcome.has_value()) << reasonOf(state);
    }
  }
  EXPECT_EQ(terminalStates, 10u);
}

// Property: whatever the facts, a non-terminal run never creates a Pod while one exists, and
// every change of state is written to status with an Event.
TEST(RunStatePropertyTest, TransitionsAreRecordedAndPodsNeverDuplicated) {
  for (RunState state : kAllRunStates) {
    if (isTerminal(state)) continue;
    for (const auto& facts : allFactCombinations()) {
      const Decision decision = transition(state, facts);
      if (facts.pod) {
        ASSERT_FALSE(decision.createPod) << reasonOf(state);
      }
      if (decision.createPod) {
        ASSERT_EQ(facts.verdict.kind, TrustVerdict::Kind::Accepted);
      }
      if (decision.next != state) {
        ASSERT_TRUE(decision.writeStatus) << reasonOf(state) << "->" << reasonOf(decision.next);
        ASSERT_TRUE(decision.event.has_value())
            << reasonOf(state) << "->" << reasonOf(decision.next);
      }
      if (isTerminal(decision.next)) {
        ASSERT_TRUE(decision.outcome.has_value());
      }
      if (decision.next == RunState::Rejected) {
        ASSERT_FALSE(decision.createPod);
      }
      if (facts.cancelRequested) {  // a cancel ends the run at once and never starts a Pod
        ASSERT_FALSE(decision.createPod) << reasonOf(state);
        ASSERT_TRUE(isTerminal(decision.next)) << reasonOf(state);
      }
    }
  }
}

}  // namespace
}  // namespace ps::reconcile
