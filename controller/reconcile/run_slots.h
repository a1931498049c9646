#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "reconcile/run_state.h"

namespace ps::reconcile {

// One PluginRun as the --max-running gate sees it (from the informer cache).
struct RunSlotView {
  std::string key;    // "namespace/name"
  TimePoint created;  // metadata.creationTimestamp
  RunState state = RunState::Validating;
};

// The waiting runs (Validating or Queued) that may start now: the oldest first (creation time,
// then key, so ties break the same way on every controller), as many as the slots that Running
// runs leave free. maxRunning 0 means no cap. Runs that go on to be rejected hold their grant
// only until their next visit: terminal runs never count.
std::set<std::string> runsAllowedToStart(const std::vector<RunSlotView>& runs, size_t maxRunning);

}  // namespace ps::reconcile
