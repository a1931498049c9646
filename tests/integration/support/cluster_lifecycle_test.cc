// tests/cluster/cluster.sh against the running control plane: idempotent `up`, a killed API server
// revived with its data, and `compact` forcing 410 Gone on an old resourceVersion.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cluster_environment.h"

namespace ps::testing {
namespace {

using namespace std::chrono_literals;

bool serverAnswers() {
  return cluster().kubectl({"get", "--raw=/readyz"}).out == "ok";
}

TEST(ClusterLifecycle, EnvironmentGivesAWorkingKubeconfigAndServer) {
  EXPECT_EQ(cluster().serverUrl().rfind("https://127.0.0.1:", 0), 0u) << cluster().serverUrl();
  const CommandResult version = cluster().kubectl({"version", "-o", "json"});
  ASSERT_TRUE(version.ok()) << version.err;
  EXPECT_EQ(nlohmann::json::parse(version.out)["serverVersion"]["gitVersion"], "v1.34.4");
}

TEST(ClusterLifecycle, UpIsIdempotentWhenRunning) {
  const CommandResult up = cluster().clusterScript("up");
  ASSERT_TRUE(up.ok()) << up.err;
  EXPECT_EQ(up.err.find("starting"), std::string::npos) << "up restarted something:\n" << up.err;
}

TEST(ClusterLifecycle, NamespacesAreFreshAndServiceAccountsReady) {
  TestNamespace first = cluster().uniqueNamespace("life");
  TestNamespace second = cluster().uniqueNamespace("life");
  EXPECT_NE(first.name(), second.name());
  EXPECT_TRUE(cluster().kubectl({"get", "namespace", first.name()}).ok());
}

TEST(ClusterLifecycle, UpRevivesAKilledApiServerWithItsData) {
  TestNamespace ns = cluster().uniqueNamespace("revive");
  ASSERT_TRUE(cluster()
                  .kubectl({"-n", ns.name(), "create", "configmap", "keep", "--from-literal=a=1"})
                  .ok());

  const CommandResult killed = cluster().clusterScript("kill-apiserver");
  ASSERT_TRUE(killed.ok()) << killed.err;
  EXPECT_FALSE(serverAnswers());

  const CommandResult up = cluster().clusterScript("up");
  ASSERT_TRUE(up.ok()) << up.err;
  EXPECT_NE(up.err.find("starting kube-apiserver"), std::string::npos) << up.err;
  EXPECT_EQ(up.err.find("starting etcd"), std::string::npos) << "etcd should have kept running";
  EXPECT_TRUE(waitFor(serverAnswers, 60s, "the revived API server's /readyz"));
  const CommandResult kept =
      cluster().kubectl({"-n", ns.name(), "get", "configmap", "keep", "-o", "jsonpath={.data.a}"});
  EXPECT_EQ(kept.out, "1") << kept.err;
}

TEST(ClusterLifecycle, CompactionPrintsTheCurrentRevision) {
  const CommandResult compacted = cluster().clusterScript("compact");
  ASSERT_TRUE(compacted.ok()) << compacted.err;
  EXPECT_GT(std::stoll(compacted.out), 0) << compacted.out;
}

TEST(ClusterLifecycle, ExpireWatchesMakesOldResourceVersionsGone) {
  TestNamespace ns = cluster().uniqueNamespace("expire");
  const CommandResult created = cluster().kubectl({"-n", ns.name(), "create", "configmap", "old",
                                                   "-o", "jsonpath={.metadata.resourceVersion}"});
  ASSERT_TRUE(created.ok()) << created.err;
  ASSERT_TRUE(cluster().kubectl({"-n", ns.name(), "create", "configmap", "newer"}).ok());
  const std::string watchPath =
      "/api/v1/namespaces/" + ns.name() +
      "/configmaps?watch=1&timeoutSeconds=1&resourceVersion=" + created.out;
  // Before: the watch cache still holds the history, the watch replays "newer".
  const CommandResult before = cluster().kubectl({"get", "--raw=" + watchPath});
  EXPECT_NE(before.out.find("\"newer\""), std::string::npos) << before.out << before.err;

  const CommandResult expired = cluster().clusterScript("expire-watches");
  ASSERT_TRUE(expired.ok()) << expired.err;
  ASSERT_TRUE(waitFor(serverAnswers, 60s, "the restarted API server's /readyz"));
  const CommandResult after = cluster().kubectl({"get", "--raw=" + watchPath});
  EXPECT_NE(after.out.find("\"code\":410"), std::string::npos) << after.out << after.err;
  EXPECT_NE(after.out.find("\"reason\":\"Expired\""), std::string::npos) << after.out;
}

}  // namespace
}  // namespace ps::testing
