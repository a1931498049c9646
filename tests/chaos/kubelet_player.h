#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "kube/api_client.h"

namespace ps::chaos {

// Plays the kubelet for controller-made Pods (there is no node here): `runningAfter` after a Pod is
// first seen its status becomes Running, `finishedAfter` later Succeeded with the plugin container
// terminated, exit code 0. A patch that fails (API server down) is retried every second; a Pod
// that is gone (404) is dropped.
class KubeletPlayer {
 public:
  KubeletPlayer(kube::KubeClient& client, std::string ns, std::chrono::milliseconds runningAfter,
                std::chrono::milliseconds finishedAfter);
  ~KubeletPlayer();
  KubeletPlayer(const KubeletPlayer&) = delete;
  KubeletPlayer& operator=(const KubeletPlayer&) = delete;

  // A Pod as a watch delivered it; Pods already seen (by uid) are ignored.
  void podSeen(const nlohmann::json& pod);
  int patchesDone() const;

 private:
  enum class Step { Run, Finish };
  struct Pending {
    std::string name;
    Step step = Step::Run;
    std::chrono::steady_clock::time_point due;
  };
  void loop();
  bool patch(const Pending& pending);

  kube::KubeClient& client_;
  const std::string ns_;
  const std::chrono::milliseconds runningAfter_, finishedAfter_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Pending> pending_;  // by Pod uid; guarded by mutex_
  std::map<std::string, bool> seen_;        // every uid ever seen; guarded by mutex_
  int patchesDone_ = 0;                     // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::thread thread_;
};

}  // namespace ps::chaos
