#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/launch_refusal.h"

namespace ps::reconcile {

// A PluginRun's lifecycle. Each value is also the `reason` of the Succeeded condition, so the
// state survives controller restarts by being read back from status (see runStateFromReason).
enum class RunState {
  Validating,          // first visit, or waiting for the plugin ConfigMap to exist
  Queued,              // accepted, waiting for a --max-running(-per-namespace) slot
  Running,             // Pod created (Pending or Running)
  Succeeded,           // terminal: the plugin exited 0
  Failed,              // terminal: the plugin exited non-zero (or was OOM-killed)
  Rejected,            // terminal: the trust core or the run's own spec refused it; never a Pod
  TimedOut,            // terminal: the deadline passed
  PodDeleted,          // terminal: the Pod disappeared before finishing
  PodEvicted,          // terminal: the kubelet evicted the Pod
  PodAdmissionFailed,  // terminal: the API server refused to create the Pod (e.g. Pod Security)
  PluginNotFound,      // terminal: the plugin ConfigMap did not appear within its grace period
  ImagePullFailed,     // terminal: the Pod could not pull its image within its grace period
  Cancelled,           // terminal: spec.status was set to Cancelled before the run finished
};

inline constexpr RunState kAllRunStates[] = {
    RunState::Validating,         RunState::Queued,         RunState::Running,
    RunState::Succeeded,          RunState::Failed,         RunState::Rejected,
    RunState::TimedOut,           RunState::PodDeleted,     RunState::PodEvicted,
    RunState::PodAdmissionFailed, RunState::PluginNotFound, RunState::ImagePullFailed,
    RunState::Cancelled,
};

bool isTerminal(RunState state);
// UpperCamelCase, the condition reason and Event reason ("PodAdmissionFailed").
std::string_view reasonOf(RunState state);
std::optional<RunState> runStateFromReason(std::string_view reason);

// Conditions and deadlines carry API timestamps, which are wall time (kube::Clock is the
// injectable monotonic clock the runtime waits with).
using SystemClock = std::chrono::system_clock;
using TimePoint = SystemClock::time_point;

// The trust core's verdict on the plugin's bytes, as the loop found it this visit.
struct TrustVerdict {
  enum class Kind {
    NotChecked,     // not computed this visit (e.g. the run is already Running)
    SourceMissing,  // the plugin ConfigMap does not exist (yet): wait, do not reject
    Accepted,
    Rejected,
  };
  Kind kind = Kind::NotChecked;
  std::string message;  // rejection line ("rejected: policy: ...") or what is missing
};

enum class PodPhase { Pending, Running, Succeeded, Failed, Unknown };

// What the Pod's status says, reduced to what decides the run.
struct PodObservation {
  PodPhase phase = PodPhase::Pending;
  std::string reason;     // status.reason: "DeadlineExceeded", "Evicted", ...
  std::string message;    // status.message
  bool deleting = false;  // metadata.deletionTimestamp is set
  struct Terminated {
    int32_t exitCode = 0;
    std::string reason;   // "Completed", "Error", "OOMKilled", ...
    std::string message;  // the launcher's last 4 KiB of stdout
    std::optional<TimePoint> finishedAt;
  };
  std::optional<Terminated> terminated;  // the plugin container's state.terminated
  struct Waiting {
    std::string reason;  // "ImagePullBackOff", "CreateContainerConfigError", ...
    std::string message;
  };
  std::optional<Waiting> waiting;      // the plugin container's state.waiting
  std::optional<TimePoint> startedAt;  // status.startTime
};

// Everything the loop observed on one visit. The transition function does no I/O.
struct RunFacts {
  TimePoint now;
  TrustVerdict verdict;
  std::optional<PodObservation> pod;          // nullopt: no Pod with the run's name exists
  std::optional<std::string> admissionError;  // set when the last Pod create was refused for good
  std::optional<LaunchRefusal> retryingRefusal;  // set when it was refused for now (transient)
  bool capacityAvailable = true;  // a slot under --max-running (and per namespace) is free
  // When no slot is free: the cap that holds the run back, as the Queued message names it.
  std::string capacityCap = "--max-running";
  std::optional<TimePoint> startTime;       // status.startTime (when the Pod was created)
  std::chrono::seconds timeout{300};        // the clamped timeout
  std::optional<TimePoint> completionTime;  // status.completionTime
  std::optional<std::chrono::seconds> ttlAfterFinished;  // spec.ttlSecondsAfterFinished
  // spec.ttlSecondsAfterFailure: replaces ttlAfterFinished for a run that did not succeed.
  std::optional<std::chrono::seconds> ttlAfterFailure;
  bool cancelRequested = false;        // spec.status: Cancelled
  std::optional<TimePoint> createdAt;  // metadata.creationTimestamp: a missing plugin's wait
  std::chrono::seconds missingPluginGrace{120};
  std::chrono::seconds imagePullGrace{60};
  std::string currentMessage;  // the Succeeded condition's message as status has it now
};

struct EventRecord {
  enum class Type { Normal, Warning };
  Type type = Type::Normal;
  std::string reason;  // UpperCamelCase
  std::string message;
};

// How a finished run ended, for status.exitCode / result / completionTime.
struct RunOutcome {
  std::optional<int32_t> exitCode;
  std::string terminationMessage;  // raw; cut by resultText() when written to status
  TimePoint completionTime;
};

// What to do. Actions are independent; the loop performs them in the order they are listed here.
struct Decision {
  RunState next = RunState::Validating;
  std::string message;  // the Succeeded condition's message
  bool ensureNetworkPolicy = false;
  bool createPod = false;
  bool deletePod = false;
  bool deleteRun = false;  // its TTL (ttlSecondsAfterFinished / ...AfterFailure) elapsed
  bool writeStatus = false;
  std::optional<RunOutcome> outcome;
  std::optional<EventRecord> event;
  std::optional<std::chrono::seconds> requeueAfter;
};

// Grace beyond activeDeadlineSeconds before the controller itself declares a timeout: the kubelet
// normally does it, the controller is the backstop (a lost node, a missing kubelet).
inline constexpr std::chrono::seconds kDeadlineGrace{30};
// How often a queued or waiting run is looked at again without a watch event.
inline constexpr std::chrono::seconds kWaitRequeue{10};

// The one transition function: (current state, facts) -> (next state, actions).
// Terminal is terminal: from a terminal state the next state is always the same state (so a
// cancel that arrives after the run finished changes nothing).
Decision transition(RunState current, const RunFacts& facts);

}  // namespace ps::reconcile
