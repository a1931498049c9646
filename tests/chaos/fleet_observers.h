// What the chaos run observes on its own, apart from the controller: every status transition of
// every PluginRun, the Pods the API server's audit log says were created, and the controller
// replicas' memory, open fds and /readyz answers, sampled every second.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ps::chaos {

using Steady = std::chrono::steady_clock;

// The reason of a run's Succeeded condition ("" before the controller's first status).
std::string runReason(const nlohmann::json& run);

// Every distinct reason a run's status showed, in the order a watch delivered them.
class RunRecorder {
 public:
  struct Transition {
    Steady::time_point at;
    std::string reason;
  };
  void observed(const nlohmann::json& run);
  void podObserved(const nlohmann::json& pod);  // distinct Pod uids per run, from our watch
  std::vector<Transition> history(const std::string& run) const;
  std::set<std::string> podUids(const std::string& run) const;
  // Runs whose last observed reason is terminal.
  bool terminal(const std::string& run) const;
  size_t withPods(const std::vector<std::string>& runs) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Transition>> histories_;  // guarded by mutex_
  std::map<std::string, std::set<std::string>> pods_;         // guarded by mutex_
};

// Pods the API server created in `ns` (HTTP 201 to a pods create), from its audit log:
// run name (the Pod's run label) -> distinct Pod uids. Independent of any watch.
std::map<std::string, std::set<std::string>> auditedPodCreates(const std::string& auditLog,
                                                               const std::string& ns,
                                                               size_t* lines = nullptr);

// Every status the API server accepted for a PluginRun in `ns` (2xx to an update or patch of
// pluginruns/status), from its audit log: run name -> reasons in resourceVersion order. Unlike a
// watch it has no gaps: a state that lived for a millisecond during an outage is still there.
std::map<std::string, std::vector<std::string>> auditedStatusWrites(const std::string& auditLog,
                                                                    const std::string& ns);

struct ReplicaSample {
  Steady::time_point at;
  std::string replica;
  size_t rssBytes = 0;
  size_t openFds = 0;
  int readyStatus = 0;     // the HTTP status of /readyz; 0 = no HTTP answer
  bool probeHung = false;  // no answer at all within the probe's 2 s (not a refused connection)
  std::string probeError;  // why there was no HTTP answer
  bool apiServerDown = false;
  bool everReady = false;  // this process answered /readyz 200 before this sample
};

// Samples the replicas every second. Replicas come and go (killed, restarted): set() and drop().
class ReplicaSampler {
 public:
  ReplicaSampler();
  ~ReplicaSampler();
  ReplicaSampler(const ReplicaSampler&) = delete;
  ReplicaSampler& operator=(const ReplicaSampler&) = delete;

  void set(const std::string& replica, pid_t pid, int probePort);
  void drop(const std::string& replica);
  void setApiServerDown(bool down) { apiServerDown_ = down; }
  std::vector<ReplicaSample> samples() const;
  struct Probe {
    int status = 0;  // 0: no HTTP answer
    bool hung = false;
    std::string error;
  };
  // GET /readyz on a replica's probe port, 2 s timeout.
  static Probe readyz(int probePort);

 private:
  struct Target {
    pid_t pid;
    int port;
    bool everReady;
  };
  void loop();

  mutable std::mutex mutex_;
  std::map<std::string, Target> targets_;  // guarded by mutex_
  std::vector<ReplicaSample> samples_;     // guarded by mutex_
  std::atomic<bool> apiServerDown_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ps::chaos
