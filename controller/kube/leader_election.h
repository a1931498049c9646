#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "core/annotated_mutex.h"
#include "kube/api_client.h"
#include "kube/clock.h"
#include "kube/rfc3339.h"
#include "kube/stop_signal.h"

namespace ps::kube {

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName;
  std::string identity;  // unique per replica, e.g. pod name + random suffix
  Clock::Duration leaseDuration = std::chrono::seconds(15);
  Clock::Duration renewDeadline = std::chrono::seconds(10);
  Clock::Duration retryPeriod = std::chrono::seconds(2);
  bool releaseOnStop = true;  // hand the lease over at once on a clean shutdown
};

struct LeaderCallbacks {
  std::function<void()> onStartedLeading;
  std::function<void()> onStoppedLeading;
  std::function<void(const std::string& identity)> onNewLeader;
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go's: a candidate takes the lease
// only when its holder has not renewed it for leaseDuration as seen by the candidate's own clock;
// the leader gives up when it could not renew within renewDeadline (< leaseDuration), so two
// replicas never lead at once.
class LeaderElector {
 public:
  LeaderElector(KubeClient& client, LeaderElectionConfig config, LeaderCallbacks callbacks,
                const Clock& clock = SteadyClock::instance());

  // Campaigns until leading, then renews until `stop` fires (releasing the lease if configured)
  // or leadership is lost. Blocks the calling thread.
  void run(StopSignal& stop);
  // True while we hold a lease renewed within renewDeadline.
  bool isLeader() const;
  std::string observedLeader() const;
  // Why the last look at the Lease found it unreadable (a member of the wrong type), else "".
  std::string lastProblem() const;

 private:
  bool tryAcquireOrRenew();
  bool createLease();
  void release();
  nlohmann::json leaseSpec(const nlohmann::json& previous) const;

  KubeClient& client_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  const Clock& clock_;
  mutable Mutex mutex_;
  bool leading_ GUARDED_BY(mutex_) = false;
  Clock::TimePoint lastRenew_ GUARDED_BY(mutex_){};
  nlohmann::json observedSpec_ GUARDED_BY(mutex_);
  Clock::TimePoint observedTime_ GUARDED_BY(mutex_){};
  std::string lastProblem_ GUARDED_BY(mutex_);
};

}  // namespace ps::kube
