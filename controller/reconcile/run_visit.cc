#include "reconcile/run_visit.h"

#include "api/plugin_config_map.h"
#include "api/plugin_run.h"
#include "api/pod_naming.h"
#include "core/number_parse.h"
#include "kube/json_member.h"
#include "kube/rfc3339.h"
#include "reconcile/conditions.h"
#include "reconcile/network_policy_builder.h"
#include "reconcile/pod_builder.h"
#include "reconcile/pod_observation.h"

namespace ps::reconcile {
namespace {

using kube::member;
using nlohmann::json;

// The message of status.conditions[type=Succeeded], "" when there is none.
std::string succeededMessage(const json& status) {
  const json& conditions = member(status, "conditions");
  if (!conditions.is_array()) return "";
  for (const json& condition : conditions) {
    const json& type = member(condition, "type");
    const json& message = member(condition, "message");
    if (type == "Succeeded" && message.is_string()) return message.get<std::string>();
  }
  return "";
}

std::optional<TimePoint> timeField(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_string() ? kube::parseRfc3339(value.get<std::string>()) : std::nullopt;
}

// The trust verdict and, when accepted, the Pod to create.
struct Check {
  TrustVerdict verdict;
  std::optional<core::AcceptedPlan> plan;
  std::optional<PodPlan> pod;
  core::PluginFiles files;  // the bytes the verdict is about
};

Check checkPlugin(const PluginRun& run, const VisitInputs& inputs) {
  Check check;
  if (inputs.configMap == nullptr) {
    check.verdict = {TrustVerdict::Kind::SourceMissing,
                     "plugin ConfigMap \"" + run.pluginConfigMap + "\" not found"};
    return check;
  }
  auto files = pluginFilesFromConfigMap(*inputs.configMap);
  if (!files) return {{TrustVerdict::Kind::Rejected, files.rejection().line()}, {}, {}, {}};
  auto plan = core::checkPlugin(*files, inputs.trust);
  if (!plan) return {{TrustVerdict::Kind::Rejected, plan.rejection().line()}, {}, {}, {}};
  auto pod = buildPod(run, *plan, *inputs.settings, *files);
  if (!pod) return {{TrustVerdict::Kind::Rejected, pod.rejection().line()}, {}, {}, {}};
  return {{TrustVerdict::Kind::Accepted, ""}, std::move(*plan), std::move(*pod), std::move(*files)};
}

// Facts about time and the Pod, from the run's status and the Pod itself.
RunFacts baseFacts(const VisitInputs& inputs, const std::optional<PluginRun>& run) {
  const json& status = member(*inputs.run, "status");
  RunFacts facts;
  facts.now = inputs.now;
  facts.capacityAvailable = inputs.capacityAvailable;
  facts.capacityCap = inputs.capacityCap;
  facts.admissionError = inputs.admissionError;
  facts.retryingRefusal = inputs.retryingRefusal;
  facts.startTime = timeField(status, "startTime");
  facts.completionTime = timeField(status, "completionTime");
  facts.createdAt = timeField(member(*inputs.run, "metadata"), "creationTimestamp");
  facts.missingPluginGrace = std::chrono::seconds{inputs.settings->missingPluginGraceSeconds};
  facts.imagePullGrace = std::chrono::seconds{inputs.settings->imagePullGraceSeconds};
  facts.currentMessage = succeededMessage(status);
  if (inputs.pod != nullptr) facts.pod = observePod(*inputs.pod);
  // The Pod carries the clamped timeout (its deadline minus the launcher's grace).
  const json noPod;
  const json& deadline =
      member(member(inputs.pod != nullptr ? *inputs.pod : noPod, "spec"), "activeDeadlineSeconds");
  int64_t timeout = run ? run->timeoutSeconds.value_or(inputs.settings->defaultTimeoutSeconds)
                        : inputs.settings->defaultTimeoutSeconds;
  // Bounded before the subtraction, so that no value of the field can overflow it.
  if (auto seconds = core::jsonInteger(deadline, 0, int64_t{1} << 40)) {
    timeout = *seconds - inputs.settings->deadlineGraceSeconds;
  }
  facts.timeout = std::chrono::seconds{std::max<int64_t>(timeout, 1)};
  if (run && run->ttlSecondsAfterFinished) {
    facts.ttlAfterFinished = std::chrono::seconds{*run->ttlSecondsAfterFinished};
  }
  if (run && run->ttlSecondsAfterFailure) {
    facts.ttlAfterFailure = std::chrono::seconds{*run->ttlSecondsAfterFailure};
  }
  facts.cancelRequested = run && run->cancelRequested;
  return facts;
}

StatusUpdate statusUpdate(const VisitInputs& inputs, const Decision& decision,
                          const std::optional<PluginRun>& run, const Check& check,
                          const std::string& podName) {
  StatusUpdate update;
  const json& generation = member(member(*inputs.run, "metadata"), "generation");
  update.generation = core::jsonInteger(generation, 0).value_or(0);
  if (run) update.generation = run->generation;
  update.state = decision.next;
  update.message = decision.message;
  update.outcome = decision.outcome;
  if (check.plan) {
    update.pluginId = check.plan->id;
    update.pluginVersion = check.plan->version;
    if (check.plan->signerKeyId) update.signedBy = *check.plan->signerKeyId;
    update.policyConfigured = check.plan->policyConfigured;
  }
  const bool launched = decision.createPod || (inputs.pod != nullptr && decision.writeStatus);
  if (launched && !member(member(*inputs.run, "status"), "podName").is_string()) {
    update.podName = podName;
    // An adopted Pod started when it was created, not when this controller found it.
    const auto created =
        inputs.pod ? timeField(member(*inputs.pod, "metadata"), "creationTimestamp") : std::nullopt;
    update.startTime = created.value_or(inputs.now);
  }
  return update;
}

std::vector<EventRecord> notes(const Check& check) {
  std::vector<EventRecord> events;
  if (check.plan && !check.plan->policyConfigured) {
    events.push_back({EventRecord::Type::Warning, "NoPolicyConfigured",
                      "no policy configured: every permission but network is allowed"});
  }
  if (check.pod) {
    for (const auto& adjustment : check.pod->limits.adjustments) {
      events.push_back({EventRecord::Type::Normal, "LimitsLowered", adjustment});
    }
  }
  return events;
}

// A finished run's spec changed (a cancel that came too late): nothing else changes, but status
// must say it saw that generation, or kstatus reads the run as in progress for ever.
std::optional<int64_t> unacknowledgedGeneration(const json& object, const PluginRun& run) {
  const auto observed =
      core::jsonInteger(member(member(object, "status"), "observedGeneration"), 0);
  if (observed && *observed < run.generation) return run.generation;
  return std::nullopt;
}

}  // namespace

VisitPlan planVisit(const VisitInputs& inputs) {
  const json& object = *inputs.run;
  const RunState state = runStateFromStatus(member(object, "status"));
  auto parsed = parsePluginRun(object);
  std::optional<PluginRun> run;
  if (parsed) run = std::move(*parsed);
  VisitPlan plan;
  Check check;
  RunFacts facts = baseFacts(inputs, run);
  const bool needsVerdict = !isTerminal(state) && state != RunState::Running &&
                            inputs.pod == nullptr && !inputs.admissionError &&
                            !(run && run->cancelRequested);
  if (needsVerdict) {
    check = run ? checkPlugin(*run, inputs)
                : Check{{TrustVerdict::Kind::Rejected, parsed.rejection().line()}, {}, {}, {}};
  }
  facts.verdict = check.verdict;
  if (check.pod) facts.timeout = std::chrono::seconds{check.pod->limits.timeoutSeconds};
  plan.decision = transition(state, facts);
  plan.podName = run ? podNameFor(*run) : std::string();
  if (plan.decision.createPod && check.pod && check.plan && run) {
    plan.pod = check.pod->pod;
    plan.launch = AcceptedLaunch{*run, *check.plan, std::move(check.files), check.pod->limits};
  }
  if (plan.decision.ensureNetworkPolicy && run) {
    plan.networkPolicy = buildNetworkPolicy(run->namespaceName);
  }
  if (plan.decision.writeStatus) {
    plan.status =
        buildStatus(member(object, "status"),
                    statusUpdate(inputs, plan.decision, run, check, plan.podName), inputs.now);
  }
  if (isTerminal(state) && run) plan.acknowledgeGeneration = unacknowledgedGeneration(object, *run);
  if (plan.decision.event) plan.events.push_back(*plan.decision.event);
  if (plan.decision.createPod) {
    for (auto& note : notes(check)) plan.events.push_back(std::move(note));
  }
  return plan;
}

}  // namespace ps::reconcile
