#include "kube/resource.h"

#include <gtest/gtest.h>

namespace ps::kube {
namespace {

TEST(ResourceTest, CorePathsAndGroupedPaths) {
  EXPECT_EQ(collectionPath(configMapsResource(), "ns"), "/api/v1/namespaces/ns/configmaps");
  EXPECT_EQ(collectionPath(configMapsResource(), ""), "/api/v1/configmaps");
  EXPECT_EQ(objectPath(leasesResource(), "kube-system", "lock"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/lock");
  const GroupVersionResource runs{"sandbox.plugins.dev", "v1alpha1", "pluginruns", true};
  EXPECT_EQ(objectPath(runs, "a", "r", "status"),
            "/apis/sandbox.plugins.dev/v1alpha1/namespaces/a/pluginruns/r/status");
  const GroupVersionResource namespaces{"", "v1", "namespaces", false};
  EXPECT_EQ(objectPath(namespaces, "ignored", "x"), "/api/v1/namespaces/x");
  EXPECT_EQ(runs.apiVersion(), "sandbox.plugins.dev/v1alpha1");
}

TEST(ResourceTest, HostileNamesAndSelectorsAreEscaped) {
  EXPECT_EQ(encodeQueryValue("app=a,tier!=b"), "app%3Da%2Ctier%21%3Db");
  EXPECT_EQ(objectPath(configMapsResource(), "ns", "../../secrets"),
            "/api/v1/namespaces/ns/configmaps/..%2F..%2Fsecrets");
  EXPECT_EQ(encodeQueryValue("a b&c#d?"), "a%20b%26c%23d%3F");
}

}  // namespace
}  // namespace ps::kube
