#include "reconcile/run_state.h"

#include <algorithm>
#include <utility>

#include "core/exit_codes.h"
#include "core/utf8.h"

namespace ps::reconcile {
namespace {

using std::chrono::seconds;

Decision stay(RunState state, std::string message) {
  Decision decision;
  decision.next = state;
  decision.message = std::move(message);
  return decision;
}

// A change of state: status is written and an Event records it.
Decision move(RunState next, std::string message) {
  Decision decision = stay(next, std::move(message));
  decision.writeStatus = true;
  // A cancel is what someone asked for: Normal, like a success.
  const bool bad = isTerminal(next) && next != RunState::Succeeded && next != RunState::Cancelled;
  decision.event = EventRecord{bad ? EventRecord::Type::Warning : EventRecord::Type::Normal,
                               std::string(reasonOf(next)), decision.message};
  return decision;
}

Decision finish(RunState next, std::string message, const RunFacts& facts,
                std::optional<int32_t> exitCode = std::nullopt,
                std::string terminationMessage = {}) {
  Decision decision = move(next, std::move(message));
  decision.outcome = RunOutcome{exitCode, std::move(terminationMessage), facts.now};
  return decision;
}

// The first line of a launcher's message, at most 200 bytes (cut on a UTF-8 boundary).
std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() <= 200) return line;
  return std::string(core::utf8Head(line, 200)) + std::string(core::kEllipsis);
}

// Kubelet waiting reasons that no retry will cure: the Pod spec itself cannot start.
bool cannotStart(const PodObservation::Waiting& waiting) {
  return waiting.reason == "InvalidImageName" || waiting.reason == "ErrImageNeverPull" ||
         waiting.reason == "CreateContainerConfigError";
}

// Kubelet waiting reasons of an image that cannot be pulled (yet): the kubelet retries with
// backoff, the run fails once the grace period is over.
bool cannotPull(const PodObservation::Waiting& waiting) {
  return waiting.reason == "ErrImagePull" || waiting.reason == "ImagePullBackOff";
}

// A wait the user must hear about at once: the status says it and a Warning Event is posted the
// first time its message is written, not on every visit.
Decision warnWhileWaiting(RunState state, std::string message, std::string reason,
                          const RunFacts& facts) {
  Decision decision = stay(state, std::move(message));
  if (facts.currentMessage != decision.message) {
    decision.writeStatus = true;
    decision.event = EventRecord{EventRecord::Type::Warning, std::move(reason), decision.message};
  }
  return decision;
}

seconds secondsLeft(TimePoint end, TimePoint now) {
  return std::max(seconds{1}, std::chrono::ceil<seconds>(end - now));
}

// " (the plugin never started: ImagePullBackOff: ...)" when the container was still waiting.
std::string neverStarted(const PodObservation& pod) {
  if (pod.terminated || !pod.waiting || pod.waiting->reason.empty()) return "";
  std::string text = " (the plugin never started: " + pod.waiting->reason;
  if (!pod.waiting->message.empty()) text += ": " + pod.waiting->message;
  return text + ")";
}

Decision fromFinishedPod(const PodObservation& pod, const RunFacts& facts) {
  const auto& terminated = pod.terminated;
  std::string output = terminated ? terminated->message : std::string();
  std::optional<int32_t> exitCode;
  if (terminated) exitCode = terminated->exitCode;
  Decision decision;
  if (pod.phase == PodPhase::Succeeded) {
    decision = finish(RunState::Succeeded, "plugin exited with status 0", facts, exitCode, output);
  } else if (pod.reason == "DeadlineExceeded" ||
             (terminated && terminated->exitCode == kExitTimedOut)) {
    // The launcher stopped the plugin at its --timeout (DESIGN.md exit codes).
    decision = finish(RunState::TimedOut,
                      "plugin exceeded its " + std::to_string(facts.timeout.count()) +
                          " s time limit" + neverStarted(pod),
                      facts, exitCode, output);
  } else if (pod.reason == "Evicted") {
    decision =
        finish(RunState::PodEvicted, "Pod was evicted: " + pod.message, facts, exitCode, output);
  } else if (terminated &&
             (terminated->exitCode == kExitRejected || terminated->exitCode == kExitSetupFailed)) {
    // The launcher refused (125) or could not set up the sandbox (126): its one line says why.
    std::string message = terminated->exitCode == kExitRejected
                              ? "the launcher refused the plugin (exit 125)"
                              : "the sandbox could not be set up (exit 126)";
    const std::string why = firstLine(terminated->message);
    if (!why.empty()) message += ": " + why;
    decision = finish(RunState::Failed, message, facts, exitCode, output);
  } else if (terminated) {
    std::string message = "plugin exited with status " + std::to_string(terminated->exitCode);
    if (terminated->reason == "OOMKilled") message += " (killed: out of memory)";
    decision = finish(RunState::Failed, message, facts, exitCode, output);
  } else {
    decision = finish(RunState::Failed,
                      "Pod failed: " + pod.reason + " " + pod.message + neverStarted(pod), facts);
  }
  if (terminated && terminated->finishedAt)
    decision.outcome->completionTime = *terminated->finishedAt;
  return decision;
}

Decision whileRunning(const RunFacts& facts) {
  const auto& pod = facts.pod;
  if (!pod)
    return finish(RunState::PodDeleted, "Pod was deleted before the plugin finished", facts);
  if (pod->phase == PodPhase::Succeeded || pod->phase == PodPhase::Failed) {
    return fromFinishedPod(*pod, facts);
  }
  if (pod->deleting) {
    return finish(RunState::PodDeleted, "Pod is being deleted before the plugin finished", facts);
  }
  if (pod->waiting && cannotStart(*pod->waiting)) {
    Decision decision = finish(
        RunState::Failed,
        "plugin container cannot start: " + pod->waiting->reason + ": " + pod->waiting->message,
        facts);
    decision.deletePod = true;  // it would only wait for its deadline
    return decision;
  }
  const auto started = facts.startTime ? facts.startTime : pod->startedAt;
  if (pod->waiting && cannotPull(*pod->waiting) && started) {
    const std::string why = pod->waiting->reason + ": " + pod->waiting->message;
    const auto giveUp = *started + facts.imagePullGrace;
    if (facts.now >= giveUp) {
      Decision decision = finish(RunState::ImagePullFailed,
                                 "the Pod could not pull its image within " +
                                     std::to_string(facts.imagePullGrace.count()) + " s: " + why,
                                 facts);
      decision.deletePod = true;  // it would only retry the pull until its deadline
      return decision;
    }
    Decision decision =
        warnWhileWaiting(RunState::Running,
                         "the Pod cannot pull its image (the run fails after " +
                             std::to_string(facts.imagePullGrace.count()) + " s): " + why,
                         "ImagePullBackOff", facts);
    decision.requeueAfter = std::min(kWaitRequeue, secondsLeft(giveUp, facts.now));
    return decision;
  }
  if (!started) {
    Decision decision = stay(RunState::Running, "Pod created, waiting for it to start");
    decision.requeueAfter = kWaitRequeue;
    return decision;
  }
  const auto backstop = *started + facts.timeout + kDeadlineGrace;
  if (facts.now >= backstop) {
    Decision decision = finish(RunState::TimedOut,
                               "plugin exceeded its " + std::to_string(facts.timeout.count()) +
                                   " s time limit (Pod not stopped by the kubelet)",
                               facts);
    decision.deletePod = true;
    return decision;
  }
  Decision decision = stay(RunState::Running, "plugin is running");
  decision.requeueAfter = std::max(seconds{1}, std::chrono::ceil<seconds>(backstop - facts.now));
  return decision;
}

// The plugin ConfigMap does not exist (yet): wait for it, counted from the run's creation, then
// fail. The first visit that finds it missing posts a Warning Event.
Decision whilePluginMissing(RunState current, const RunFacts& facts) {
  const TimePoint since = facts.createdAt.value_or(facts.now);
  const auto giveUp = since + facts.missingPluginGrace;
  if (facts.now >= giveUp) {
    return finish(RunState::PluginNotFound,
                  facts.verdict.message + " within " +
                      std::to_string(facts.missingPluginGrace.count()) +
                      " s of the run's creation: create it, then create a new PluginRun",
                  facts);
  }
  const std::string message = facts.verdict.message + " (waiting; the run fails after " +
                              std::to_string(facts.missingPluginGrace.count()) + " s)";
  Decision decision = warnWhileWaiting(RunState::Validating, message, "PluginNotFound", facts);
  if (current != RunState::Validating) {  // it was there once (Queued): the wait starts again
    decision.writeStatus = true;
    decision.event = EventRecord{EventRecord::Type::Warning, "PluginNotFound", decision.message};
  }
  decision.requeueAfter = std::min(kWaitRequeue, secondsLeft(giveUp, facts.now));
  return decision;
}

Decision beforeLaunch(RunState current, const RunFacts& facts) {
  // A Pod that exists already was created by an earlier visit (perhaps by a controller that
  // restarted before writing status): adopt it, never create a second one.
  if (facts.pod) {
    Decision decision = whileRunning(facts);
    decision.writeStatus = true;
    if (!decision.event) {
      decision.event = EventRecord{EventRecord::Type::Normal, "Running", decision.message};
    }
    return decision;
  }
  if (facts.admissionError) {
    return finish(RunState::PodAdmissionFailed,
                  "the API server refused the Pod: " + *facts.admissionError, facts);
  }
  switch (facts.verdict.kind) {
    case TrustVerdict::Kind::NotChecked: {
      Decision decision = stay(current, "validating plugin");
      decision.writeStatus = true;
      decision.requeueAfter = seconds{1};
      return decision;
    }
    case TrustVerdict::Kind::SourceMissing:
      return whilePluginMissing(current, facts);
    case TrustVerdict::Kind::Rejected:
      return finish(RunState::Rejected, facts.verdict.message, facts);
    case TrustVerdict::Kind::Accepted:
      break;
  }
  if (!facts.capacityAvailable) {
    const std::string message = "waiting for a free slot (" + facts.capacityCap + ")";
    Decision decision =
        current == RunState::Queued ? stay(current, message) : move(RunState::Queued, message);
    // Queued already, but now held back by the other cap: status says which, without an Event.
    if (current == RunState::Queued && !facts.currentMessage.empty() &&
        facts.currentMessage != message) {
      decision.writeStatus = true;
    }
    decision.requeueAfter = kWaitRequeue;
    return decision;
  }
  if (facts.retryingRefusal && facts.now < facts.retryingRefusal->retryAt) {
    // Quota, a ServiceAccount not made yet, a webhook timeout: wait as Queued, then try again.
    Decision decision =
        warnWhileWaiting(RunState::Queued,
                         "the API server refused the Pod for now, retrying with backoff: " +
                             facts.retryingRefusal->message,
                         "PodCreateRetrying", facts);
    if (current != RunState::Queued) decision.writeStatus = true;
    decision.requeueAfter = secondsLeft(facts.retryingRefusal->retryAt, facts.now);
    return decision;
  }
  Decision decision = move(RunState::Running, "plugin accepted, Pod created");
  decision.ensureNetworkPolicy = true;
  decision.createPod = true;
  decision.requeueAfter = facts.timeout + kDeadlineGrace;
  return decision;
}

// spec.status: Cancelled on a run that has not finished: its Pod (or local sandbox) is stopped
// and the run ends Cancelled. A Pod that finished before the cancel was seen decides instead.
Decision whenCancelled(const RunFacts& facts) {
  const auto& pod = facts.pod;
  if (pod && (pod->phase == PodPhase::Succeeded || pod->phase == PodPhase::Failed)) {
    return fromFinishedPod(*pod, facts);
  }
  if (!pod) return finish(RunState::Cancelled, "cancelled (spec.status: Cancelled)", facts);
  Decision decision =
      finish(RunState::Cancelled, "cancelled (spec.status: Cancelled): the Pod is deleted", facts);
  decision.deletePod = !pod->deleting;
  return decision;
}

// A run that did not succeed keeps ttlSecondsAfterFailure when it has one (failures are the
// runs worth keeping longer), else ttlSecondsAfterFinished.
std::optional<seconds> ttlOf(RunState state, const RunFacts& facts) {
  if (state != RunState::Succeeded && facts.ttlAfterFailure) return facts.ttlAfterFailure;
  return facts.ttlAfterFinished;
}

Decision afterFinish(RunState current, const RunFacts& facts) {
  Decision decision = stay(current, "");
  // A Pod still alive after the run ended (timed out by the backstop) must not keep running.
  const auto& pod = facts.pod;
  if (pod && !pod->deleting && pod->phase != PodPhase::Succeeded &&
      pod->phase != PodPhase::Failed) {
    decision.deletePod = true;
  }
  const auto ttl = ttlOf(current, facts);
  if (ttl && facts.completionTime) {
    const auto expiry = *facts.completionTime + *ttl;
    if (facts.now >= expiry) {
      decision.deleteRun = true;
      decision.deletePod = pod.has_value() && !pod->deleting;  // explicit where no GC runs
    } else {
      decision.requeueAfter = std::max(seconds{1}, std::chrono::ceil<seconds>(expiry - facts.now));
    }
  }
  return decision;
}

}  // namespace

bool isTerminal(RunState state) {
  switch (state) {
    case RunState::Validating:
    case RunState::Queued:
    case RunState::Running:
      return false;
    default:
      return true;
  }
}

std::string_view reasonOf(RunState state) {
  switch (state) {
    case RunState::Validating:
      return "Validating";
    case RunState::Queued:
      return "Queued";
    case RunState::Running:
      return "Running";
    case RunState::Succeeded:
      return "Succeeded";
    case RunState::Failed:
      return "Failed";
    case RunState::Rejected:
      return "Rejected";
    case RunState::TimedOut:
      return "TimedOut";
    case RunState::PodDeleted:
      return "PodDeleted";
    case RunState::PodEvicted:
      return "PodEvicted";
    case RunState::PodAdmissionFailed:
      return "PodAdmissionFailed";
    case RunState::PluginNotFound:
      return "PluginNotFound";
    case RunState::ImagePullFailed:
      return "ImagePullFailed";
    case RunState::Cancelled:
      return "Cancelled";
  }
  return "Unknown";
}

std::optional<RunState> runStateFromReason(std::string_view reason) {
  for (RunState state : kAllRunStates) {
    if (reasonOf(state) == reason) return state;
  }
  return std::nullopt;
}

Decision transition(RunState current, const RunFacts& facts) {
  if (isTerminal(current)) return afterFinish(current, facts);
  if (facts.cancelRequested) return whenCancelled(facts);
  if (current == RunState::Running) return whileRunning(facts);
  return beforeLaunch(current, facts);
}

}  // namespace ps::reconcile
