#include "executor/pod_executor.h"

#include "api/plugin_run.h"
#include "api/resources.h"
#include "kube/json_member.h"

namespace ps::reconcile {

using kube::member;
using kube::stringMember;
using nlohmann::json;

namespace {

// A deleted deny-all policy is recreated at the latest this long after; until then Pods launched
// in that namespace rely on the policy being there (deleting it needs namespace admin rights).
constexpr auto kNetworkPolicyRecheck = std::chrono::seconds(30);

kube::VisitStep failed(const std::string& what, const kube::KubeError& error) {
  return kube::VisitStep::endVisit(kube::ReconcileResult::failure(what + ": " + error.describe()));
}

// The UID of the PluginRun a Pod names as its owner ("" when none).
std::string ownerUid(const json& pod) {
  const json& owners = member(member(pod, "metadata"), "ownerReferences");
  if (!owners.is_array()) return "";
  for (const json& owner : owners) {
    if (stringMember(owner, "kind") == kKind) return stringMember(owner, "uid");
  }
  return "";
}

}  // namespace

PodExecutor::PodExecutor(kube::KubeClient& client, const kube::StoreGroup& pods)
    : client_(client), pods_(pods) {}

// The Pod comes from the cache; a Running run whose Pod the cache lacks is confirmed by a live
// GET, so a slow watch never fails a healthy run as PodDeleted.
kube::Result<std::optional<json>> PodExecutor::observe(const json& run, RunState state,
                                                       const std::string& podName) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  if (podName.empty()) return std::optional<json>();
  if (kube::ObjectPtr cached = pods_.get(ns + "/" + podName)) return std::optional<json>(*cached);
  if (state != RunState::Running) return std::optional<json>();
  auto live = client_.get(kube::podsResource(), ns, podName);
  if (live) return std::optional<json>(std::move(*live));
  if (live.error().isNotFound()) return std::optional<json>();
  return live.error();
}

kube::VisitStep PodExecutor::launch(const std::string& key, const json& run,
                                    const VisitPlan& plan) {
  const std::string ns = stringMember(member(run, "metadata"), "namespace");
  if (plan.networkPolicy) {
    if (auto step = ensureNetworkPolicy(ns, *plan.networkPolicy); step.endsVisit()) return step;
  }
  if (plan.pod) return createPod(key, ns, *plan.pod);
  return kube::VisitStep::goOn();
}

kube::VisitStep PodExecutor::ensureNetworkPolicy(const std::string& ns, const json& policy) {
  const auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(mutex_);
    auto it = networkPolicyEnsured_.find(ns);
    if (it != networkPolicyEnsured_.end() && now - it->second < kNetworkPolicyRecheck) {
      return kube::VisitStep::goOn();
    }
  }
  auto created = client_.create(networkPoliciesResource(), ns, policy);
  if (created || created.error().isAlreadyExists()) {
    MutexLock lock(mutex_);
    networkPolicyEnsured_[ns] = now;
    return kube::VisitStep::goOn();
  }
  return failed("ensure NetworkPolicy", created.error());
}

kube::VisitStep PodExecutor::createPod(const std::string& key, const std::string& ns,
                                       const json& pod) {
  auto created = client_.create(kube::podsResource(), ns, pod);
  if (created || created.error().isAlreadyExists()) {  // exists = adopt
    MutexLock lock(mutex_);
    admissionErrors_.erase(key);
    return kube::VisitStep::goOn();
  }
  const kube::KubeError& error = created.error();
  const bool transient = isTransientRefusal(error.httpStatus, error.message);
  if (transient || error.httpStatus == 403 || error.httpStatus == 422) {
    // Admission refused it: the next visit reports it with the server's words, and either waits
    // as Queued to retry (transient) or records PodAdmissionFailed.
    MutexLock lock(mutex_);
    LaunchRefusal& refusal = admissionErrors_[key];
    refusal.attempts = refusal.transient && transient ? refusal.attempts + 1 : 1;
    refusal.message = error.message;
    refusal.transient = transient;
    refusal.retryAt = std::chrono::system_clock::now() + refusalBackoff(refusal.attempts);
    return kube::VisitStep::endVisit(kube::ReconcileResult::requeue());
  }
  return failed("create Pod", error);
}

std::optional<LaunchRefusal> PodExecutor::launchRefusal(const std::string& key) {
  MutexLock lock(mutex_);
  auto it = admissionErrors_.find(key);
  if (it == admissionErrors_.end()) return std::nullopt;
  return it->second;
}

void PodExecutor::forgetRefusal(const std::string& key) {
  MutexLock lock(mutex_);
  admissionErrors_.erase(key);
}

kube::Result<kube::Done> PodExecutor::remove(const std::string& ns, const std::string& podName) {
  auto removed = client_.remove(kube::podsResource(), ns, podName);
  if (removed || removed.error().isNotFound()) return kube::Done{};
  return removed.error();
}

// The cache says the run is gone; a live GET makes sure (a run re-created under the same name
// owns its own Pods, told apart by UID). Each delete is conditional on the Pod's UID, so a Pod
// re-created meanwhile under the same name is never the one deleted.
kube::Result<kube::Done> PodExecutor::cleanUpAfter(const std::string& key) {
  std::vector<kube::ObjectPtr> orphans;
  for (const kube::ObjectPtr& pod : pods_.list()) {
    if (runKeyForPod(*pod) == key) orphans.push_back(pod);
  }
  {
    MutexLock lock(mutex_);
    admissionErrors_.erase(key);
  }
  if (orphans.empty()) return kube::Done{};
  const auto slash = key.find('/');
  const std::string ns = key.substr(0, slash);
  auto live = client_.get(pluginRunsResource(), ns, key.substr(slash + 1));
  if (!live && !live.error().isNotFound()) return live.error();
  const std::string liveUid = live ? stringMember(member(*live, "metadata"), "uid") : "";
  for (const kube::ObjectPtr& pod : orphans) {
    if (!liveUid.empty() && ownerUid(*pod) == liveUid) continue;  // its run exists after all
    kube::DeleteOptions options;
    options.uid = stringMember(member(*pod, "metadata"), "uid");
    auto removed = client_.remove(kube::podsResource(), ns,
                                  stringMember(member(*pod, "metadata"), "name"), options);
    // 404: already gone; 409: the precondition failed, that name is another Pod now.
    if (!removed && !removed.error().isNotFound() && !removed.error().isConflict()) {
      return removed.error();
    }
  }
  return kube::Done{};
}

}  // namespace ps::reconcile
