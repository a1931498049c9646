#include "reconcile/plugin_run_reconciler.h"

#include <vector>

#include "reconcile/conditions.h"
#include "reconcile/plugin_run.h"
#include "reconcile/pod_naming.h"
#include "reconcile/rfc3339.h"
#include "reconcile/run_slots.h"
#include "reconcile/run_visit.h"

namespace ps::reconcile {

using nlohmann::json;

namespace {

const json& member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

std::string stringMember(const json& object, const char* name) {
  const json& value = member(object, name);
  return value.is_string() ? value.get<std::string>() : std::string();
}

RunState stateOf(const json& run) {
  return runStateFromStatus(member(run, "status"));
}

// The trust core reads the ConfigMap's bytes only before launch; later visits skip the GET.
bool needsConfigMap(RunState state) {
  return !isTerminal(state) && state != RunState::Running;
}

// A deleted deny-all policy is recreated at the latest this long after; until then Pods launched
// in that namespace rely on the policy being there (deleting it needs namespace admin rights).
constexpr auto kNetworkPolicyRecheck = std::chrono::seconds(30);

kube::ReconcileResult failed(const std::string& what, const kube::KubeError& error) {
  return kube::ReconcileResult::failure(what + ": " + error.describe());
}

}  // namespace

kube::GroupVersionResource pluginRunsResource() {
  return {kApiGroup, "v1alpha1", "pluginruns", true};
}

kube::GroupVersionResource networkPoliciesResource() {
  return {"networking.k8s.io", "v1", "networkpolicies", true};
}

std::optional<std::string> runKeyForPod(const json& pod) {
  const json& metadata = member(pod, "metadata");
  const json& owners = member(metadata, "ownerReferences");
  if (!owners.is_array()) return std::nullopt;
  for (const json& owner : owners) {
    if (stringMember(owner, "kind") == kKind && stringMember(owner, "apiVersion") == kApiVersion) {
      const std::string name = stringMember(owner, "name");
      if (name.empty()) return std::nullopt;
      return stringMember(metadata, "namespace") + "/" + name;
    }
  }
  return std::nullopt;
}

PluginRunReconciler::PluginRunReconciler(kube::KubeClient& client, const kube::StoreGroup& runs,
                                         const kube::StoreGroup& pods, TrustProvider trust,
                                         ReconcilerOptions options)
    : client_(client),
      runs_(runs),
      pods_(pods),
      trust_(std::move(trust)),
      options_(std::move(options)) {}

bool PluginRunReconciler::hasCapacity(const std::string& key) const {
  if (options_.maxRunning == 0) return true;
  std::vector<RunSlotView> views;
  for (const kube::ObjectPtr& run : runs_.list()) {
    auto created = parseRfc3339(stringMember(member(*run, "metadata"), "creationTimestamp"));
    views.push_back({kube::objectKey(*run), created.value_or(TimePoint{}), stateOf(*run)});
  }
  return runsAllowedToStart(views, options_.maxRunning).count(key) > 0;
}

// The Pod comes from the cache; a Running run whose Pod the cache lacks is confirmed by a live
// GET, so a slow watch never fails a healthy run as PodDeleted.
std::optional<kube::KubeError> PluginRunReconciler::observe(const json& run,
                                                            const std::string& podName,
                                                            Observed& observed) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  const RunState state = stateOf(run);
  if (!podName.empty()) {
    if (kube::ObjectPtr cached = pods_.get(ns + "/" + podName)) {
      observed.pod = *cached;
    } else if (state == RunState::Running) {
      auto live = client_.get(kube::podsResource(), ns, podName);
      if (live) {
        observed.pod = std::move(*live);
      } else if (!live.error().isNotFound()) {
        return live.error();
      }
    }
  }
  if (needsConfigMap(state) && !observed.pod) {
    const std::string name = stringMember(member(member(run, "spec"), "plugin"), "configMap");
    if (!name.empty()) {
      auto configMap = client_.get(kube::configMapsResource(), ns, name);
      if (configMap) {
        observed.configMap = std::move(*configMap);
      } else if (!configMap.error().isNotFound()) {
        return configMap.error();
      }
    }
    observed.capacityAvailable = hasCapacity(kube::objectKey(run));
  }
  return std::nullopt;
}

std::optional<kube::ReconcileResult> PluginRunReconciler::ensureNetworkPolicy(const std::string& ns,
                                                                              const json& policy) {
  const auto now = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = networkPolicyEnsured_.find(ns);
    if (it != networkPolicyEnsured_.end() && now - it->second < kNetworkPolicyRecheck) {
      return std::nullopt;
    }
  }
  auto created = client_.create(networkPoliciesResource(), ns, policy);
  if (created || created.error().isAlreadyExists()) {
    std::lock_guard<std::mutex> lock(mutex_);
    networkPolicyEnsured_[ns] = now;
    return std::nullopt;
  }
  return failed("ensure NetworkPolicy", created.error());
}

std::optional<kube::ReconcileResult> PluginRunReconciler::createPod(const std::string& key,
                                                                    const std::string& ns,
                                                                    const json& pod) {
  auto created = client_.create(kube::podsResource(), ns, pod);
  if (created || created.error().isAlreadyExists()) return std::nullopt;  // exists = adopt
  const kube::KubeError& error = created.error();
  if (error.httpStatus == 403 || error.httpStatus == 422) {
    // Admission refused it: the next visit records PodAdmissionFailed with the server's words.
    std::lock_guard<std::mutex> lock(mutex_);
    admissionErrors_[key] = error.message;
    return kube::ReconcileResult{std::nullopt, true, {}};
  }
  return failed("create Pod", error);
}

std::optional<kube::ReconcileResult> PluginRunReconciler::writeStatus(const json& run,
                                                                      const json& status) {
  json updated = run;
  updated["status"] = status;
  auto written = client_.updateStatus(pluginRunsResource(),
                                      stringMember(member(run, "metadata"), "namespace"), updated);
  if (written) return std::nullopt;
  // 409: our cached copy is stale; the watch brings the newer one and we visit again.
  if (written.error().isConflict()) return kube::ReconcileResult{std::nullopt, true, {}};
  return failed("update status", written.error());
}

void PluginRunReconciler::recordEvents(const json& run, const VisitPlan& plan) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  for (const EventRecord& record : plan.events) {
    kube::EventSpec event;
    event.involvedObject = run;
    event.type = record.type == EventRecord::Type::Warning ? "Warning" : "Normal";
    event.reason = record.reason;
    event.message = record.message;
    event.component = options_.component;
    // An Event is best effort: losing one must not redo the visit's writes.
    (void)client_.createEvent(ns, event);
  }
}

kube::ReconcileResult PluginRunReconciler::reconcile(const std::string& key) {
  kube::ObjectPtr cached = runs_.get(key);
  if (!cached) return kube::ReconcileResult::success();  // deleted: owner references clean up
  const json& run = *cached;
  auto parsed = parsePluginRun(run);
  const std::string podName = parsed ? podNameFor(*parsed) : std::string();

  Observed observed;
  if (auto error = observe(run, podName, observed)) return failed("observe", *error);
  VisitInputs inputs;
  inputs.run = &run;
  inputs.pod = observed.pod ? &*observed.pod : nullptr;
  inputs.configMap = observed.configMap ? &*observed.configMap : nullptr;
  const TrustSnapshot trust = trust_();  // held until the visit ends
  if (!trust) return kube::ReconcileResult::failure("no trust settings loaded");  // fail closed
  inputs.trust = trust->config();
  inputs.settings = &options_.settings;
  inputs.capacityAvailable = observed.capacityAvailable;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = admissionErrors_.find(key);
    if (it != admissionErrors_.end()) inputs.admissionError = it->second;
  }
  inputs.now = Clock::now();
  const VisitPlan plan = planVisit(inputs);
  return perform(key, run, plan);
}

kube::ReconcileResult PluginRunReconciler::perform(const std::string& key, const json& run,
                                                   const VisitPlan& plan) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  const Decision& decision = plan.decision;
  if (plan.networkPolicy) {
    if (auto stop = ensureNetworkPolicy(ns, *plan.networkPolicy)) return *stop;
  }
  if (plan.pod) {
    if (auto stop = createPod(key, ns, *plan.pod)) return *stop;
  }
  if (decision.deletePod && !plan.podName.empty()) {
    auto removed = client_.remove(kube::podsResource(), ns, plan.podName);
    if (!removed && !removed.error().isNotFound()) return failed("delete Pod", removed.error());
  }
  if (decision.deleteRun) {
    auto removed =
        client_.remove(pluginRunsResource(), ns, stringMember(member(run, "metadata"), "name"));
    if (!removed && !removed.error().isNotFound()) return failed("delete run", removed.error());
    return kube::ReconcileResult::success();
  }
  if (plan.status) {
    if (auto stop = writeStatus(run, *plan.status)) return *stop;
    if (isTerminal(decision.next)) {
      std::lock_guard<std::mutex> lock(mutex_);
      admissionErrors_.erase(key);
    }
  }
  recordEvents(run, plan);
  if (decision.requeueAfter) return kube::ReconcileResult::after(*decision.requeueAfter);
  return kube::ReconcileResult::success();
}

}  // namespace ps::reconcile
