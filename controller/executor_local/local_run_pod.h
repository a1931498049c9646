#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reconcile/run_state.h"
#include "sandbox/run_result.h"

namespace ps::reconcile {

// The local executor reports each run as the Pod the kubelet would have shown, so observePod and
// planVisit need no second code path: these build that synthetic Pod at each step of a run.

// Pod status reasons only the local executor writes; the run's condition message quotes them.
inline constexpr const char* kSandboxLostReason = "SandboxLost";
inline constexpr const char* kInputUnavailableReason = "InputUnavailable";
inline constexpr const char* kSandboxSetupFailedReason = "SandboxSetupFailed";

// Accepted and waiting for an executor thread: metadata (name, namespace, labels, owner) and
// spec.activeDeadlineSeconds from the Pod the Pod executor would have created, phase Pending.
nlohmann::json pendingLocalPod(const nlohmann::json& podTemplate, const std::string& uid,
                               TimePoint created);

// The sandbox started at `started`: phase Running, status.startTime.
void markLocalPodRunning(nlohmann::json& pod, TimePoint started);

// The sandbox ended: phase Succeeded (exit 0) or Failed, and the plugin container's terminated
// state as the kubelet fills it: the exit code in DESIGN.md's terms (124 time limit, 126 sandbox
// not set up, 128+N signal N), reason OOMKilled when the memory limit was hit, and as message the
// last 4 KiB of stdout written the way the image's launcher writes /dev/termination-log (for a
// sandbox that could not be set up, its own error message).
void markLocalPodFinished(nlohmann::json& pod, const sandbox::RunResult& result,
                          TimePoint finished);

// The run could not start at all (e.g. its input cannot be provided): phase Failed with a Pod
// reason and message, no container state, like a Pod the kubelet gave up on.
void markLocalPodFailed(nlohmann::json& pod, const std::string& reason, const std::string& message);

// What a Running run whose sandbox this process does not know looks like: a controller restart
// lost the local process (PR_SET_PDEATHSIG killed it with the old controller).
nlohmann::json lostLocalPod(const std::string& ns, const std::string& name);

}  // namespace ps::reconcile
