// main() of the node test binaries: the shared ClusterEnvironment, asked for the real node (NODE=1
// reaches `cluster.sh up` through the environment).
#include <gtest/gtest.h>

#include <cstdlib>

#include "cluster_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::setenv("NODE", "1", 1);
  ps::testing::registerClusterEnvironment();
  return RUN_ALL_TESTS();
}
