// waitFor: a condition with a deadline instead of sleep-and-hope.
#include <thread>

#include "cluster_environment.h"

namespace ps::testing {

::testing::AssertionResult waitFor(const std::function<bool()>& predicate,
                                   std::chrono::milliseconds timeout,
                                   const std::string& description) {
  using std::chrono::steady_clock;
  const auto start = steady_clock::now();
  const auto deadline = start + timeout;
  // Short first polls for the common fast case, then back off so a slow wait costs little CPU.
  auto pause = std::chrono::milliseconds(10);
  int attempts = 0;
  for (;;) {
    ++attempts;
    if (predicate()) return ::testing::AssertionSuccess();
    if (steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::min(
        pause,
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now())));
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start);
  return ::testing::AssertionFailure() << "timed out after " << waited.count() << " ms ("
                                       << attempts << " checks) waiting for " << description;
}

}  // namespace ps::testing
