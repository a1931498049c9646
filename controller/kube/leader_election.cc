#include "kube/leader_election.h"

#include "kube/rfc3339.h"

namespace ps::kube {
namespace {

using nlohmann::json;

int wholeSeconds(Clock::Duration duration) {
  return static_cast<int>(
      std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(duration).count()));
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
  return observedSpec_.is_object() ? observedSpec_.value("holderIdentity", "") : "";
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
  const bool renewing = previous.value("holderIdentity", "") == config_.identity;
  json spec = previous.is_object() ? previous : json::object();
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = wholeSeconds(config_.leaseDuration);
  spec["renewTime"] = now;
  if (!renewing) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = previous.value("leaseTransitions", -1) + 1;
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
  observedSpec_ = created->value("spec", json::object());
  observedTime_ = lastRenew_ = clock_.now();
  leading_ = true;
  return true;
}

bool LeaderElector::tryAcquireOrRenew() {
  auto lease = client_.get(leasesResource(), config_.leaseNamespace, config_.leaseName);
  if (!lease) return lease.error().isNotFound() && createLease();
  const json spec = lease->value("spec", json::object());
  const std::string holder = spec.value("holderIdentity", "");
  bool leaderChanged = false;
  bool heldByOther = false;
  {
    MutexLock lock(mutex_);
    if (spec != observedSpec_) {
      const std::string previous =
          observedSpec_.is_object() ? observedSpec_.value("holderIdentity", "") : "";
      leaderChanged = previous != holder;
      observedSpec_ = spec;
      observedTime_ = clock_.now();
    }
    const auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", 15));
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
  observedSpec_ = replaced->value("spec", json::object());
  observedTime_ = lastRenew_ = clock_.now();
  leading_ = true;
  return true;
}

void LeaderElector::release() {
  auto lease = client_.get(leasesResource(), config_.leaseNamespace, config_.leaseName);
  if (!lease ||
      lease->value("spec", json::object()).value("holderIdentity", "") != config_.identity)
    return;
  json released = lease.value();
  released["spec"]["holderIdentity"] = "";
  released["spec"]["leaseDurationSeconds"] = 1;
  released["spec"]["renewTime"] = formatMicroTime(std::chrono::system_clock::now());
  client_.replace(leasesResource(), config_.leaseNamespace, released);
}

}  // namespace ps::kube
