// main() of integration test binaries: GoogleTest with the shared ClusterEnvironment.
#include <gtest/gtest.h>

#include "cluster_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ps::testing::registerClusterEnvironment();
  return RUN_ALL_TESTS();
}
