#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "reconcile/run_state.h"

namespace ps::reconcile {

// One PluginRun as the --max-running gates see it (from the informer cache).
struct RunSlotView {
  std::string key;    // "namespace/name"
  TimePoint created;  // metadata.creationTimestamp
  RunState state = RunState::Validating;
};

// The caps on runs running at once; 0 means no cap.
struct RunCaps {
  size_t maxRunning = 0;              // --max-running, over every watched namespace
  size_t maxRunningPerNamespace = 0;  // --max-running-per-namespace, in each namespace
};

// Whether a waiting run may start now, or which cap holds it back.
enum class SlotVerdict { Start, WaitForSlot, WaitForNamespaceSlot };

// Every waiting run (Validating or Queued) with its verdict: the oldest first (creation time, then
// key, so ties break the same way on every controller) take the slots that Running runs leave
// free. A run held back by its namespace's cap takes no slot, so younger runs of other namespaces
// may pass it. Runs that go on to be rejected hold their grant only until their next visit:
// terminal runs never count.
std::map<std::string, SlotVerdict> slotVerdicts(const std::vector<RunSlotView>& runs, RunCaps caps);

// The waiting runs that may start now under the global cap alone (maxRunning 0: no cap).
std::set<std::string> runsAllowedToStart(const std::vector<RunSlotView>& runs, size_t maxRunning);

}  // namespace ps::reconcile
