#include "kube/leader_election.h"

#include <algorithm>
#include <cstdint>

#include "kube/json_member.h"
#include "kube/rfc3339.h"

namespace ps::kube {
namespace {

using nlohmann::json;

int wholeSeconds(Clock::Duration duration) {
  return static_cast<int>(
      std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(duration).count()));
}

// The API server's Lease validation: leaseDurationSeconds and leaseTransitions are int32, the
// duration above zero.
bool isInt32(const json& value, int64_t minimum) {
  if (!value.is_number_integer()) return false;
  if (value.is_number_unsigned() && value.get<uint64_t>() > INT32_MAX) return false;
  const int64_t number = value.get<int64_t>();
  return number >= minimum && number <= INT32_MAX;
}

// Why a Lease cannot be read as a leader election record, or "" when it can. Optional members may
// be missing; a member of the wrong type makes the whole record unreadable (client-go fails to
// decode it and never takes such a lease, and neither do we).
std::string leaseProblem(const json& lease) {
  if (!lease.is_object()) return "the Lease is not a JSON object";
  const json& spec = member(lease, "spec");
  if (spec.is_null()) return "";
  if (!spec.is_object()) return "spec is not an object";
  for (const char* name : {"holderIdentity", "acquireTime", "renewTime"}) {
    const json& value = member(spec, name);
    if (!value.is_null() && !value.is_string()) {
      return std::string("spec.") + name + " is not a string";
    }
  }
  const json& duration = member(spec, "leaseDurationSeconds");
  if (!duration.is_null() && !isInt32(duration, 1)) {
    return "spec.leaseDurationSeconds is not an integer in [1, 2147483647]";
  }
  const json& transitions = member(spec, "leaseTransitions");
  if (!transitions.is_null() && !isInt32(transitions, 0)) {
    return "spec.leaseTransitions is not an integer in [0, 2147483647]";
  }
  return "";
}

json specOf(const json& lease) {
  const json& spec = member(lease, "spec");
  return spec.is_object() ? spec : json::object();
}

}  // namespace

LeaderElector::LeaderElector(KubeClient& client, LeaderElectionConfig config,
                             LeaderCallbacks callbacks, const Clock& clock)
    : client_(client),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      clock_(clock) {}

bool LeaderElector::isLeader() const {
  MutexLock lock(mutex_);
  return leading_ && clock_.now() - lastRenew_ < config_.renewDeadline;
}

std::string LeaderElector::observedLeader() const {
  MutexLock lock(mutex_);
  return stringMember(observedSpec_, "holderIdentity");
}

std::string LeaderElector::lastProblem() const {
  MutexLock lock(mutex_);
  return lastProblem_;
}

void LeaderElector::run(StopSignal& stop) {
  while (!tryAcquireOrRenew()) {
    if (!stop.sleepFor(clock_, config_.retryPeriod)) return;
  }
  if (callbacks_.onStartedLeading) callbacks_.onStartedLeading();
  while (stop.sleepFor(clock_, config_.retryPeriod)) {
    if (tryAcquireOrRenew()) continue;
    if (!isLeader()) break;  // renewDeadline passed without a successful renewal
  }
  const bool stillLeading = isLeader();
  {
    MutexLock lock(mutex_);
    leading_ = false;
  }
  if (stop.stopped() && stillLeading && config_.releaseOnStop) release();
  if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
}

json LeaderElector::leaseSpec(const json& previous) const {
  const auto now = formatMicroTime(std::chrono::system_clock::now());
  const bool renewing = stringMember(previous, "holderIdentity") == config_.identity;
  json spec = previous.is_object() ? previous : json::object();
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = wholeSeconds(config_.leaseDuration);
  spec["renewTime"] = now;
  if (!renewing) {
    spec["acquireTime"] = now;
    const json& transitions = member(previous, "leaseTransitions");
    spec["leaseTransitions"] =
        isInt32(transitions, 0) ? std::min<int64_t>(transitions.get<int64_t>() + 1, INT32_MAX) : 0;
  }
  return spec;
}

bool LeaderElector::createLease() {
  const json lease = {
      {"apiVersion", "coordination.k8s.io/v1"},
      {"kind", "Lease"},
      {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
      {"spec", leaseSpec(json::object())}};
  auto created = client_.create(leasesResource(), config_.leaseNamespace, lease);
  if (!created) return false;
  MutexLock lock(mutex_);
  observedSpec_ = specOf(*created);
  observedTime_ = lastRenew_ = clock_.now();
  leading_ = true;
  return true;
}

bool LeaderElector::tryAcquireOrRenew() {
  auto lease = client_.get(leasesResource(), config_.leaseNamespace, config_.leaseName);
  if (!lease) return lease.error().isNotFound() && createLease();
  if (auto problem = leaseProblem(*lease); !problem.empty()) {
    MutexLock lock(mutex_);
    lastProblem_ = "Lease " + config_.leaseNamespace + "/" + config_.leaseName +
                   " is unreadable, not taken: " + problem;
    return false;
  }
  const json spec = specOf(*lease);
  const std::string holder = stringMember(spec, "holderIdentity");
  bool leaderChanged = false;
  bool heldByOther = false;
  {
    MutexLock lock(mutex_);
    lastProblem_.clear();
    if (spec != observedSpec_) {
      const std::string previous = stringMember(observedSpec_, "holderIdentity");
      leaderChanged = previous != holder;
      observedSpec_ = spec;
      observedTime_ = clock_.now();
    }
    const json& seconds = member(spec, "leaseDurationSeconds");
    const auto duration = std::chrono::seconds(seconds.is_null() ? 15 : seconds.get<int64_t>());
    // Expiry is judged by when WE saw the record change, so clock skew between nodes is harmless.
    heldByOther =
        !holder.empty() && holder != config_.identity && clock_.now() < observedTime_ + duration;
  }
  // Outside the lock: the callback may well ask isLeader().
  if (leaderChanged && callbacks_.onNewLeader && holder != config_.identity)
    callbacks_.onNewLeader(holder);
  if (heldByOther) return false;
  json updated = lease.value();
  updated["spec"] = leaseSpec(spec);
  auto replaced = client_.replace(leasesResource(), config_.leaseNamespace, updated);
  if (!replaced) return false;  // a 409 means another candidate won this round
  MutexLock lock(mutex_);
  observedSpec_ = specOf(*replaced);
  observedTime_ = lastRenew_ = clock_.now();
  leading_ = true;
  return true;
}

void LeaderElector::release() {
  auto lease = client_.get(leasesResource(), config_.leaseNamespace, config_.leaseName);
  if (!lease || !leaseProblem(*lease).empty() ||
      stringMember(member(*lease, "spec"), "holderIdentity") != config_.identity)
    return;
  json released = lease.value();
  released["spec"]["holderIdentity"] = "";
  released["spec"]["leaseDurationSeconds"] = 1;
  released["spec"]["renewTime"] = formatMicroTime(std::chrono::system_clock::now());
  client_.replace(leasesResource(), config_.leaseNamespace, released);
}

}  // namespace ps::kube
