// main() of the e2e binaries: the shared ClusterEnvironment with the real node (NODE=1), then the
// e2e environment (images imported, chart installed, one restricted namespace per case).
#include <gtest/gtest.h>

#include <cstdlib>

#include "cluster_environment.h"
#include "e2e_fixture.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::setenv("NODE", "1", 1);
  ps::testing::registerClusterEnvironment();
  ps::testing::e2e::registerE2eEnvironment();
  return RUN_ALL_TESTS();
}
