#include "kube/token_bucket.h"

#include <gtest/gtest.h>

#include "manual_clock.h"

namespace ps::kube {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucketTest, BurstThenSpacedByRate) {
  testing::ManualClock clock;
  TokenBucket bucket(10, 3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.reserve(), Clock::Duration::zero());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.reserve()), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.reserve()), milliseconds(200));
  clock.advance(milliseconds(1000));  // refills, but never beyond the burst
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.reserve(), Clock::Duration::zero()) << i;
  EXPECT_GT(bucket.reserve(), Clock::Duration::zero());
}

TEST(TokenBucketTest, ZeroRateMeansUnlimited) {
  testing::ManualClock clock;
  TokenBucket bucket(0, 1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(bucket.reserve(), Clock::Duration::zero());
}

}  // namespace
}  // namespace ps::kube
