#include "reconcile/run_slots.h"

#include <algorithm>
#include <tuple>

namespace ps::reconcile {

std::set<std::string> runsAllowedToStart(const std::vector<RunSlotView>& runs, size_t maxRunning) {
  std::vector<const RunSlotView*> waiting;
  size_t running = 0;
  for (const auto& run : runs) {
    if (run.state == RunState::Running) ++running;
    if (run.state == RunState::Validating || run.state == RunState::Queued) waiting.push_back(&run);
  }
  std::sort(waiting.begin(), waiting.end(), [](const RunSlotView* a, const RunSlotView* b) {
    return std::tie(a->created, a->key) < std::tie(b->created, b->key);
  });
  size_t freeSlots = waiting.size();
  if (maxRunning > 0) freeSlots = running >= maxRunning ? 0 : maxRunning - running;
  std::set<std::string> allowed;
  for (size_t i = 0; i < waiting.size() && i < freeSlots; ++i) allowed.insert(waiting[i]->key);
  return allowed;
}

}  // namespace ps::reconcile
