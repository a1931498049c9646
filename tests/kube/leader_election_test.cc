#include "kube/leader_election.h"

#include <gtest/gtest.h>

namespace ps::kube {
namespace {

TEST(LeaderElectionTest, MicroTimeIsRfc3339WithMicroseconds) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                    std::chrono::microseconds(42);
  EXPECT_EQ(formatMicroTime(time), "2023-11-14T22:13:20.000042Z");
}

}  // namespace
}  // namespace ps::kube
