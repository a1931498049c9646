#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "kube/api_client.h"
#include "kube/backoff.h"
#include "kube/clock.h"
#include "kube/stop_signal.h"

namespace ps::kube {

// Receives what a Watcher learns, in order, on the watcher's thread.
class WatcherSink {
 public:
  virtual ~WatcherSink() = default;
  // The complete current state after a (re)list; anything not in it is gone.
  virtual void restarted(std::vector<nlohmann::json>&& objects) = 0;
  virtual void applied(nlohmann::json&& object) = 0;  // added or modified
  virtual void deleted(nlohmann::json&& object) = 0;
  virtual void bookmark(const std::string& /*resourceVersion*/) {}
  // A connection or API problem; the watcher retries by itself and what was delivered stays valid.
  virtual void failed(const KubeError& /*error*/) {}
};

struct WatcherOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int listPageSize = 500;
  // Applied to each listed object as its page arrives, so a relist of a large collection never
  // holds more than one page of untrimmed objects (the informer's transform).
  std::function<void(nlohmann::json&)> transform;
  // The server ends each watch after a random time in [min, max) s so clients do not reconnect in
  // lockstep (client-go: 5 to 10 min).
  int minWatchSeconds = 300;
  int maxWatchSeconds = 600;
  // A watch that brings no bytes (no event, no BOOKMARK) for longer than its own timeoutSeconds
  // plus this margin has stalled without closing (a dead peer, a wedged proxy): the server would
  // have ended it by then. The watcher cancels it and resumes, relisting if the version is gone.
  std::chrono::seconds stallMargin{15};
  BackoffPolicy backoff;
};

// The list-then-watch state machine (kube-rs `watcher`, client-go reflector's ListAndWatch):
// list, watch from the list's resourceVersion with bookmarks, resume from the last seen version
// when a watch ends, relist when that version is too old (410), back off on failures.
class Watcher {
 public:
  Watcher(KubeClient& client, GroupVersionResource gvr, std::string ns, WatcherOptions options,
          const Clock& clock);
  // Runs until `stop` fires.
  void run(WatcherSink& sink, StopSignal& stop);

 private:
  enum class WatchEnd { kTimedOut, kExpired, kFailed, kStalled, kStopped };
  bool relist(WatcherSink& sink, StopSignal& stop);
  WatchEnd watchOnce(WatcherSink& sink, StopSignal& stop);
  WatchEnd handleLine(std::string_view line, WatcherSink& sink);

  KubeClient& client_;
  const GroupVersionResource gvr_;
  const std::string ns_;
  const WatcherOptions options_;
  const Clock& clock_;
  std::mt19937 random_;
  std::string resourceVersion_;  // the last version seen; only the run() thread touches it
};

}  // namespace ps::kube
