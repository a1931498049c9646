#include "reconcile/run_slots.h"

#include <algorithm>
#include <tuple>

namespace ps::reconcile {
namespace {

std::string namespaceOf(const std::string& key) {
  return key.substr(0, key.find('/'));
}

// Slots left under `cap` with `used` taken; "unlimited" when there is no cap.
size_t freeUnder(size_t cap, size_t used, size_t unlimited) {
  if (cap == 0) return unlimited;
  return used >= cap ? 0 : cap - used;
}

}  // namespace

std::map<std::string, SlotVerdict> slotVerdicts(const std::vector<RunSlotView>& runs,
                                                RunCaps caps) {
  std::vector<const RunSlotView*> waiting;
  size_t running = 0;
  std::map<std::string, size_t> runningIn;
  for (const auto& run : runs) {
    if (run.state == RunState::Running) {
      ++running;
      ++runningIn[namespaceOf(run.key)];
    }
    if (run.state == RunState::Validating || run.state == RunState::Queued) waiting.push_back(&run);
  }
  std::sort(waiting.begin(), waiting.end(), [](const RunSlotView* a, const RunSlotView* b) {
    return std::tie(a->created, a->key) < std::tie(b->created, b->key);
  });
  size_t freeSlots = freeUnder(caps.maxRunning, running, waiting.size());
  std::map<std::string, SlotVerdict> verdicts;
  for (const RunSlotView* run : waiting) {
    size_t& inNamespace = runningIn[namespaceOf(run->key)];
    if (freeUnder(caps.maxRunningPerNamespace, inNamespace, 1) == 0) {
      verdicts[run->key] = SlotVerdict::WaitForNamespaceSlot;
    } else if (freeSlots == 0) {
      verdicts[run->key] = SlotVerdict::WaitForSlot;
    } else {
      verdicts[run->key] = SlotVerdict::Start;
      --freeSlots;
      ++inNamespace;  // granted: it counts against its namespace like a running one
    }
  }
  return verdicts;
}

std::set<std::string> runsAllowedToStart(const std::vector<RunSlotView>& runs, size_t maxRunning) {
  std::set<std::string> allowed;
  for (const auto& [key, verdict] : slotVerdicts(runs, {maxRunning, 0})) {
    if (verdict == SlotVerdict::Start) allowed.insert(key);
  }
  return allowed;
}

}  // namespace ps::reconcile
