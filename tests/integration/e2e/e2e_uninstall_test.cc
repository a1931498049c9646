// `helm uninstall` of the release the environment installed leaves no controller Deployment, Pod
// or leader-election Lease behind. Its own binary: it runs after the run cases.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "e2e_fixture.h"

namespace ps::testing::e2e {
namespace {

using namespace std::chrono_literals;

std::string names(const std::string& kind, const std::string& selector) {
  const CommandResult got = cluster().kubectl(
      {"-n", kReleaseNamespace, "get", kind, "-l", selector, "-o", "name", "--ignore-not-found"});
  return got.ok() ? got.out : "error: " + got.err;
}

TEST(E2eUninstall, LeavesNoDeploymentPodsOrLease) {
  const std::string selector = "app.kubernetes.io/instance=" + std::string(kRelease);
  ASSERT_NE(names("deployment", selector), "") << "the environment installed no Deployment";
  // The environment turns leader election on: a controller Pod of the release holds the Lease
  // (its holderIdentity starts with the Pod's name), so a Lease left by an earlier run is no proof.
  ASSERT_TRUE(waitFor(
      [&] {
        const CommandResult holder =
            cluster().kubectl({"-n", kReleaseNamespace, "get", "leases", "-o",
                               "jsonpath={.items[*].spec.holderIdentity}"});
        const std::string pods = names("pods", selector);
        std::istringstream lines(pods);
        for (std::string pod; std::getline(lines, pod);) {
          const std::string podName = pod.substr(pod.find('/') + 1);
          if (!podName.empty() && holder.out.rfind(podName, 0) == 0) return true;
        }
        return false;
      },
      60s, "a controller Pod of the release to hold a Lease in " + std::string(kReleaseNamespace)));

  const CommandResult removed =
      helm({"uninstall", kRelease, "-n", kReleaseNamespace, "--wait", "--timeout", "120s"});
  ASSERT_TRUE(removed.ok()) << removed.out << removed.err;

  EXPECT_TRUE(waitFor([&] { return names("deployment", selector).empty(); }, 60s,
                      "no Deployment of the release"));
  EXPECT_TRUE(waitFor([&] { return names("pods", selector).empty(); }, 90s,
                      "no controller Pods of the release"));
  EXPECT_TRUE(waitFor(
      [&] {
        const CommandResult leases = cluster().kubectl(
            {"-n", kReleaseNamespace, "get", "leases", "-o", "name", "--ignore-not-found"});
        return leases.ok() && leases.out.empty();
      },
      60s, "no Lease in " + std::string(kReleaseNamespace)));
  const CommandResult all = cluster().kubectl(
      {"-n", kReleaseNamespace, "get", "deployment,replicaset,pod,lease", "-o", "name"});
  EXPECT_EQ(all.out, "") << all.err;
}

}  // namespace
}  // namespace ps::testing::e2e
