#include "kube/backoff.h"

#include <gtest/gtest.h>

#include <set>

#include "manual_clock.h"

namespace ps::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, DoublesFromInitialToCapWithoutJitter) {
  testing::ManualClock clock;
  BackoffPolicy policy;
  policy.jitter = 0;
  Backoff backoff(policy, clock);
  const long expected[] = {800, 1600, 3200, 6400, 12800, 25600, 30000, 30000};
  for (long ms : expected) {
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(backoff.next()).count(), ms);
    clock.advance(seconds(1));
  }
}

TEST(BackoffTest, JitterStretchesEachDelayWithinItsFraction) {
  testing::ManualClock clock;
  BackoffPolicy policy;  // jitter 1.0: the first delay lies in [800 ms, 1600 ms)
  std::set<long> firstDelays;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Backoff backoff(policy, clock, seed);
    const auto delay = backoff.next();
    EXPECT_GE(delay, milliseconds(800));
    EXPECT_LT(delay, milliseconds(1600));
    firstDelays.insert(std::chrono::duration_cast<milliseconds>(delay).count());
  }
  EXPECT_GT(firstDelays.size(), 5u) << "jitter should spread reconnects";
}

TEST(BackoffTest, ResetsAfterAHealthyPeriod) {
  testing::ManualClock clock;
  BackoffPolicy policy;
  policy.jitter = 0;
  Backoff backoff(policy, clock);
  backoff.next();
  backoff.next();
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(backoff.next()).count(), 3200);
  clock.advance(std::chrono::minutes(2));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(backoff.next()).count(), 800);
}

}  // namespace
}  // namespace ps::kube
