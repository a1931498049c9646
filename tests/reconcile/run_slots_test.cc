#include "reconcile/run_slots.h"

#include <gtest/gtest.h>

namespace ps::reconcile {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = TimePoint{} + seconds{1'800'000'000};

RunSlotView view(std::string key, int createdAt, RunState state) {
  return {std::move(key), kT0 + seconds{createdAt}, state};
}

using Keys = std::set<std::string>;

TEST(RunSlotsTest, NoCapLetsEveryWaitingRunStart) {
  const std::vector<RunSlotView> runs = {
      view("a/1", 0, RunState::Running), view("a/2", 1, RunState::Queued),
      view("a/3", 2, RunState::Validating), view("a/4", 3, RunState::Succeeded)};
  EXPECT_EQ(runsAllowedToStart(runs, 0), (Keys{"a/2", "a/3"}));
}

TEST(RunSlotsTest, OldestWaitingRunsGetTheFreeSlots) {
  const std::vector<RunSlotView> runs = {
      view("a/new", 30, RunState::Queued), view("a/old", 10, RunState::Queued),
      view("a/mid", 20, RunState::Validating), view("a/run", 0, RunState::Running)};
  EXPECT_EQ(runsAllowedToStart(runs, 3), (Keys{"a/old", "a/mid"}));
  EXPECT_EQ(runsAllowedToStart(runs, 2), (Keys{"a/old"}));
  EXPECT_EQ(runsAllowedToStart(runs, 1), Keys{});
}

TEST(RunSlotsTest, TerminalRunsFreeTheirSlots) {
  std::vector<RunSlotView> runs = {view("a/1", 0, RunState::Running),
                                   view("a/2", 1, RunState::Queued)};
  EXPECT_EQ(runsAllowedToStart(runs, 1), Keys{});
  for (RunState state : kAllRunStates) {
    if (!isTerminal(state)) continue;
    runs[0].state = state;
    EXPECT_EQ(runsAllowedToStart(runs, 1), Keys{"a/2"}) << reasonOf(state);
  }
}

TEST(RunSlotsTest, TiesBreakByKeySoEveryControllerAgrees) {
  const std::vector<RunSlotView> runs = {view("b/x", 5, RunState::Queued),
                                         view("a/x", 5, RunState::Queued)};
  EXPECT_EQ(runsAllowedToStart(runs, 1), Keys{"a/x"});
}

TEST(RunSlotsTest, OverfullClusterStartsNothing) {
  const std::vector<RunSlotView> runs = {view("a/1", 0, RunState::Running),
                                         view("a/2", 1, RunState::Running),
                                         view("a/3", 2, RunState::Queued)};
  EXPECT_EQ(runsAllowedToStart(runs, 1), Keys{});  // cap lowered below what runs
  EXPECT_EQ(runsAllowedToStart({}, 1), Keys{});
}

using Verdicts = std::map<std::string, SlotVerdict>;

TEST(RunSlotsTest, PerNamespaceCapHoldsBackOnlyItsNamespace) {
  const std::vector<RunSlotView> runs = {
      view("a/run", 0, RunState::Running), view("a/old", 10, RunState::Queued),
      view("b/young", 20, RunState::Queued), view("b/younger", 30, RunState::Validating)};
  EXPECT_EQ(slotVerdicts(runs, {0, 1}),
            (Verdicts{{"a/old", SlotVerdict::WaitForNamespaceSlot},
                      {"b/young", SlotVerdict::Start},
                      {"b/younger", SlotVerdict::WaitForNamespaceSlot}}));
  EXPECT_EQ(slotVerdicts(runs, {0, 2}), (Verdicts{{"a/old", SlotVerdict::Start},
                                                  {"b/young", SlotVerdict::Start},
                                                  {"b/younger", SlotVerdict::Start}}));
}

TEST(RunSlotsTest, BothCapsTogetherAndWhichOneHoldsARunBack) {
  const std::vector<RunSlotView> runs = {
      view("a/run", 0, RunState::Running), view("a/old", 10, RunState::Queued),
      view("b/young", 20, RunState::Queued), view("c/youngest", 30, RunState::Queued)};
  // Global 2: one slot left. a is full under its cap of 1, so b (younger) takes the slot.
  EXPECT_EQ(slotVerdicts(runs, {2, 1}), (Verdicts{{"a/old", SlotVerdict::WaitForNamespaceSlot},
                                                  {"b/young", SlotVerdict::Start},
                                                  {"c/youngest", SlotVerdict::WaitForSlot}}));
  EXPECT_EQ(slotVerdicts(runs, {0, 0}).at("a/old"), SlotVerdict::Start);  // no caps
  EXPECT_EQ(slotVerdicts(runs, {1, 0}).at("a/old"), SlotVerdict::WaitForSlot);
}

TEST(RunSlotsTest, TerminalRunsDoNotCountAgainstTheirNamespace) {
  const std::vector<RunSlotView> runs = {view("a/done", 0, RunState::Failed),
                                         view("a/next", 1, RunState::Queued)};
  EXPECT_EQ(slotVerdicts(runs, {0, 1}).at("a/next"), SlotVerdict::Start);
}

}  // namespace
}  // namespace ps::reconcile
