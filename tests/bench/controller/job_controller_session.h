#pragma once

#include <string>

#include "controller_child.h"

namespace ps::bench {

struct JobControllerOptions {
  std::string binary;  // the cached kube-controller-manager (tests/cluster/cluster.sh env)
  std::string kubeconfig;
  int workers = 8;  // --concurrent-job-syncs
  double qps = 200;
  int burst = 400;
  std::string logFile;
};

// The peer: the upstream Job controller alone (kube-controller-manager --controllers=job, no
// leader election, no serving port), with the same client limits and as many workers as
// plugin-controller, as a child process.
class JobControllerSession {
 public:
  explicit JobControllerSession(const JobControllerOptions& options);

  // Until its log says the job controller's caches synced; false if it exits first. A log that
  // never says so (another klog wording) is taken as ready after `seconds` (`logged` false).
  bool waitReady(int seconds, bool& logged);
  ControllerChild& process() { return child_; }

 private:
  std::string logFile_;
  ControllerChild child_;
};

}  // namespace ps::bench
