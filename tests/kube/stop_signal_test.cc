// StopSignal: callbacks let a transport abort an in-flight request; what a callback uses lives on
// the requesting thread's stack, so removeCallback must not return while stop() still runs it.
#include "kube/stop_signal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace ps::kube {
namespace {

TEST(StopSignalTest, ACallbackRunsOnStopAndAtOnceWhenAlreadyStopped) {
  StopSignal stop;
  int calls = 0;
  stop.onStop([&calls] { ++calls; });
  stop.stop();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(stop.stopped());
  EXPECT_EQ(stop.onStop([&calls] { ++calls; }), -1);
  EXPECT_EQ(calls, 2);
}

TEST(StopSignalTest, ARemovedCallbackIsNotRun) {
  StopSignal stop;
  bool called = false;
  const int id = stop.onStop([&called] { called = true; });
  stop.removeCallback(id);
  stop.stop();
  EXPECT_FALSE(called);
}

// Seen under ASan in plugin-controller: the watch thread's request ended, it removed its callback
// and destroyed the cancellation source while stop() was still cancelling it (use after free).
TEST(StopSignalTest, RemoveCallbackWaitsForACallbackThatStopIsRunning) {
  StopSignal stop;
  std::atomic<bool> started{false}, finished{false};
  const int id = stop.onStop([&] {
    started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    finished = true;
  });
  std::thread stopper([&stop] { stop.stop(); });
  while (!started) std::this_thread::yield();
  stop.removeCallback(id);
  EXPECT_TRUE(finished) << "removeCallback returned while the callback was still running";
  stopper.join();
}

}  // namespace
}  // namespace ps::kube
