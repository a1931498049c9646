#include "manager/plugin_run_reconciler.h"

#include <algorithm>
#include <vector>

#include "api/plugin_run.h"
#include "api/pod_naming.h"
#include "api/resources.h"
#include "kube/json_member.h"
#include "kube/rfc3339.h"
#include "manager/cache_transforms.h"
#include "reconcile/conditions.h"
#include "reconcile/run_slots.h"
#include "reconcile/run_visit.h"

namespace ps::reconcile {

using kube::member;
using kube::stringMember;
using nlohmann::json;

namespace {

RunState stateOf(const json& run) {
  return runStateFromStatus(member(run, "status"));
}

// The trust core reads the ConfigMap's bytes only before launch; later visits skip the GET.
bool needsConfigMap(RunState state) {
  return !isTerminal(state) && state != RunState::Running;
}

kube::ReconcileResult failed(const std::string& what, const kube::KubeError& error) {
  return kube::ReconcileResult::failure(what + ": " + error.describe());
}

// How soon a run missing from a cache that has not synced yet is looked at again.
constexpr auto kUnsyncedRetry = std::chrono::seconds(1);

}  // namespace

PluginRunReconciler::PluginRunReconciler(kube::KubeClient& client, const kube::StoreGroup& runs,
                                         RunExecutor& executor, TrustProvider trust,
                                         ReconcilerOptions options, CachesSynced synced)
    : client_(client),
      runs_(runs),
      executor_(executor),
      trust_(std::move(trust)),
      options_(std::move(options)),
      synced_(std::move(synced)) {}

SlotVerdict PluginRunReconciler::slotFor(const std::string& key) const {
  const RunCaps caps{options_.maxRunning, options_.maxRunningPerNamespace};
  if (caps.maxRunning == 0 && caps.maxRunningPerNamespace == 0) return SlotVerdict::Start;
  std::vector<RunSlotView> views;
  for (const kube::ObjectPtr& run : runs_.list()) {
    if (isPackedRun(*run)) continue;  // finished: holds no slot, waits for none
    auto created = kube::parseRfc3339(stringMember(member(*run, "metadata"), "creationTimestamp"));
    views.push_back({kube::objectKey(*run), created.value_or(TimePoint{}), stateOf(*run)});
  }
  const auto verdicts = slotVerdicts(views, caps);
  const auto found = verdicts.find(key);
  return found == verdicts.end() ? SlotVerdict::WaitForSlot : found->second;
}

// The Queued message's name for the cap that holds a run of namespace `ns` back.
std::string PluginRunReconciler::capName(SlotVerdict verdict, const std::string& ns) const {
  if (verdict == SlotVerdict::WaitForNamespaceSlot) {
    return "--max-running-per-namespace=" + std::to_string(options_.maxRunningPerNamespace) +
           ": namespace " + ns + " is full";
  }
  return "--max-running";
}

// The plugin ConfigMap `ns/name` (null = not found): the cached object when the cache holds its
// content, so a launch costs no GET; else a live GET. The cached object is immutable and whole
// (its bytes came with its resourceVersion in one watch event), so a visit never mixes two
// versions. A cache that lags a change is caught further on: the trust check covers the bytes
// read here, and the Pod's launcher refuses files whose digests differ from those verified.
// A ConfigMap missing from the cache is looked up live: it may have been created a moment ago.
kube::Result<kube::ObjectPtr> PluginRunReconciler::readConfigMap(const std::string& ns,
                                                                 const std::string& name) {
  if (options_.configMaps != nullptr && options_.configMapsSynced && options_.configMapsSynced()) {
    kube::ObjectPtr cached = options_.configMaps->get(ns + "/" + name);
    if (cached && !contentDropped(*cached)) return cached;
  }
  auto live = client_.get(kube::configMapsResource(), ns, name);
  if (live) return kube::ObjectPtr(std::make_shared<const json>(std::move(*live)));
  if (live.error().isNotFound()) return kube::ObjectPtr();
  return live.error();
}

// The workload comes from the executor; the plugin's ConfigMap only while the run has not launched.
kube::Result<kube::Done> PluginRunReconciler::observe(const json& run, const std::string& podName,
                                                      Observed& observed) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  const RunState state = stateOf(run);
  auto workload = executor_.observe(run, state, podName);
  if (!workload) return workload.error();
  observed.pod = std::move(*workload);
  if (needsConfigMap(state) && !observed.pod) {
    const std::string name = stringMember(member(member(run, "spec"), "plugin"), "configMap");
    if (!name.empty()) {
      auto configMap = readConfigMap(ns, name);
      if (!configMap) return configMap.error();
      observed.configMap = std::move(*configMap);
    }
    const SlotVerdict slot = slotFor(kube::objectKey(run));
    observed.capacityAvailable = slot == SlotVerdict::Start;
    observed.capacityCap = capName(slot, ns);
  }
  return kube::Done{};
}

// The run is gone. Its workload is removed explicitly (no garbage collector may run, and the local
// executor has none), but only once the caches are complete: before they sync, "not in the cache"
// does not mean "deleted".
kube::ReconcileResult PluginRunReconciler::cleanUpAfter(const std::string& key) {
  if (!synced_()) return kube::ReconcileResult::requeueAfter(kUnsyncedRetry);
  if (auto done = executor_.cleanUpAfter(key); !done) return failed("clean up", done.error());
  return kube::ReconcileResult::done();
}

kube::VisitStep PluginRunReconciler::writeStatus(const json& run, const json& status) {
  json updated = run;
  updated["status"] = status;
  auto written = client_.updateStatus(pluginRunsResource(),
                                      stringMember(member(run, "metadata"), "namespace"), updated);
  if (written) return kube::VisitStep::goOn();
  // 409: our cached copy is stale; the watch brings the newer one and we visit again.
  if (written.error().isConflict())
    return kube::VisitStep::endVisit(kube::ReconcileResult::requeue());
  return kube::VisitStep::endVisit(failed("update status", written.error()));
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
    if (options_.events != nullptr) {
      options_.events->record(ns, std::move(event));
    } else {
      (void)client_.createEvent(ns, event);
    }
  }
}

// A state change written to status: logged at debug, and counted when the run finished.
void PluginRunReconciler::recordStateChange(const std::string& key, const json& run,
                                            const Decision& decision) {
  const RunState before = stateOf(run);
  if (before == decision.next) return;
  if (options_.log != nullptr) {
    options_.log->debug("run state changed", {{"pluginrun", key},
                                              {"from", std::string(reasonOf(before))},
                                              {"to", std::string(reasonOf(decision.next))},
                                              {"message", decision.message}});
  }
  if (options_.runMetrics != nullptr && isTerminal(decision.next) && decision.outcome) {
    const auto created =
        kube::parseRfc3339(stringMember(member(run, "metadata"), "creationTimestamp"));
    const double seconds =
        created ? std::chrono::duration<double>(decision.outcome->completionTime - *created).count()
                : 0;
    options_.runMetrics->finished(reasonOf(decision.next), std::max(seconds, 0.0));
  }
}

kube::ReconcileResult PluginRunReconciler::reconcile(const std::string& key) {
  const kube::ObjectPtr stored = runs_.get(key);
  if (!stored) return cleanUpAfter(key);
  const kube::ObjectPtr cached = unpackedRun(stored);
  if (!cached) return kube::ReconcileResult::failure("the cached copy of the run does not unpack");
  const json& run = *cached;
  auto parsed = parsePluginRun(run);
  const std::string podName = parsed ? podNameFor(*parsed) : std::string();

  Observed observed;
  if (auto done = observe(run, podName, observed); !done) return failed("observe", done.error());
  VisitInputs inputs;
  inputs.run = &run;
  inputs.pod = observed.pod ? &*observed.pod : nullptr;
  inputs.configMap = observed.configMap.get();
  const TrustSnapshot trust = trust_();  // held until the visit ends
  if (!trust) return kube::ReconcileResult::failure("no trust settings loaded");  // fail closed
  inputs.trust = trust->config();
  inputs.trust.memo = &trustChecks_;
  inputs.settings = &options_.settings;
  inputs.capacityAvailable = observed.capacityAvailable;
  if (!observed.capacityAvailable) inputs.capacityCap = observed.capacityCap;
  if (auto refusal = executor_.launchRefusal(key)) {
    if (refusal->transient) {
      inputs.retryingRefusal = std::move(*refusal);
    } else {
      inputs.admissionError = std::move(refusal->message);
    }
  }
  inputs.now = SystemClock::now();
  const VisitPlan plan = planVisit(inputs);
  return perform(key, run, plan);
}

kube::ReconcileResult PluginRunReconciler::perform(const std::string& key, const json& run,
                                                   const VisitPlan& plan) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  const Decision& decision = plan.decision;
  if (decision.createPod) {
    if (auto step = executor_.launch(key, run, plan); step.endsVisit()) return step.result();
  }
  if (decision.deletePod && !plan.podName.empty()) {
    if (auto done = executor_.remove(ns, plan.podName); !done)
      return failed("delete Pod", done.error());
  }
  if (decision.deleteRun) {
    auto removed =
        client_.remove(pluginRunsResource(), ns, stringMember(member(run, "metadata"), "name"));
    if (!removed && !removed.error().isNotFound()) return failed("delete run", removed.error());
    return kube::ReconcileResult::done();
  }
  if (plan.acknowledgeGeneration) {
    const json patch = {{"status", {{"observedGeneration", *plan.acknowledgeGeneration}}}};
    auto patched = client_.mergePatch(
        pluginRunsResource(), ns, stringMember(member(run, "metadata"), "name"), patch, "status");
    if (!patched && !patched.error().isNotFound()) return failed("update status", patched.error());
  }
  if (plan.status) {
    if (auto step = writeStatus(run, *plan.status); step.endsVisit()) return step.result();
    if (isTerminal(decision.next)) executor_.forgetRefusal(key);
    recordStateChange(key, run, decision);
  }
  recordEvents(run, plan);
  if (decision.requeueAfter) return kube::ReconcileResult::requeueAfter(*decision.requeueAfter);
  return kube::ReconcileResult::done();
}

}  // namespace ps::reconcile
