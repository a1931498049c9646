// The API client against the real kube-apiserver: CRUD, selectors, pagination, patches, apply,
// preconditions, conflicts (object and status subresource), events, error messages.
#include <gtest/gtest.h>

#include "kube_client_fixture.h"

namespace ps::kube::integration {
namespace {

using nlohmann::json;
using ps::testing::cluster;

const GroupVersionResource kPluginRuns{"sandbox.plugins.dev", "v1alpha1", "pluginruns", true};

TEST(KubeClientIntegration, CrudListPatchApplyDelete) {
  auto client = adminClient();
  ASSERT_TRUE(client);
  auto ns = cluster().uniqueNamespace("kube-crud");
  const auto cms = configMapsResource();

  for (int i = 0; i < 5; ++i) {
    auto created =
        client->create(cms, ns.name(),
                       configMap("cm-" + std::to_string(i), ns.name(), {{"i", std::to_string(i)}},
                                 {{"group", i % 2 == 0 ? "even" : "odd"}}));
    ASSERT_TRUE(created) << created.error().describe();
  }
  auto again = client->create(cms, ns.name(), configMap("cm-0", ns.name()));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().isAlreadyExists()) << again.error().describe();

  auto got = client->get(cms, ns.name(), "cm-3");
  ASSERT_TRUE(got) << got.error().describe();
  EXPECT_EQ((*got)["data"]["i"], "3");

  ListOptions even;
  even.labelSelector = "group=even";
  auto evens = client->listAll(cms, ns.name(), even);
  ASSERT_TRUE(evens) << evens.error().describe();
  EXPECT_EQ(evens->items.size(), 3u);

  ListOptions paged;
  paged.limit = 2;
  auto first = client->list(cms, ns.name(), paged);
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(first->items.size(), 2u);
  EXPECT_FALSE(first->continueToken.empty());
  auto all = client->listAll(cms, ns.name(), paged);
  ASSERT_TRUE(all);
  EXPECT_GE(all->items.size(), 5u);  // plus kube-root-ca.crt when the controller manager runs

  auto patched = client->mergePatch(cms, ns.name(), "cm-1", json{{"data", {{"extra", "yes"}}}});
  ASSERT_TRUE(patched) << patched.error().describe();
  EXPECT_EQ((*patched)["data"]["extra"], "yes");
  EXPECT_EQ((*patched)["data"]["i"], "1");

  auto applied = client->apply(cms, ns.name(), "applied",
                               configMap("applied", ns.name(), {{"owner", "ps"}}), "ps-test");
  ASSERT_TRUE(applied) << applied.error().describe();
  EXPECT_EQ((*applied)["metadata"]["managedFields"][0]["manager"], "ps-test");

  DeleteOptions wrongUid;
  wrongUid.uid = "00000000-0000-0000-0000-000000000000";
  auto refused = client->remove(cms, ns.name(), "cm-2", wrongUid);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().httpStatus, 409) << refused.error().describe();
  EXPECT_NE(refused.error().message.find("the UID in the precondition"), std::string::npos)
      << refused.error().message;

  DeleteOptions rightUid;
  rightUid.uid = (*client->get(cms, ns.name(), "cm-2"))["metadata"]["uid"].get<std::string>();
  ASSERT_TRUE(client->remove(cms, ns.name(), "cm-2", rightUid));
  auto gone = client->get(cms, ns.name(), "cm-2");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().isNotFound());
  EXPECT_NE(gone.error().message.find("\"cm-2\" not found"), std::string::npos)
      << gone.error().message;
}

TEST(KubeClientIntegration, StaleWritesAreConflicts) {
  auto client = adminClient();
  ASSERT_TRUE(client);
  auto ns = cluster().uniqueNamespace("kube-conflict");
  auto created =
      client->create(configMapsResource(), ns.name(), configMap("c", ns.name(), {{"v", "1"}}));
  ASSERT_TRUE(created) << created.error().describe();
  json stale = created.value();
  json fresh = created.value();
  fresh["data"]["v"] = "2";
  ASSERT_TRUE(client->replace(configMapsResource(), ns.name(), fresh));
  stale["data"]["v"] = "3";
  auto conflict = client->replace(configMapsResource(), ns.name(), stale);
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(conflict.error().isConflict()) << conflict.error().describe();
  EXPECT_NE(conflict.error().message.find("the object has been modified"), std::string::npos);

  const json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                    {"kind", "PluginRun"},
                    {"metadata", {{"name", "run"}, {"namespace", ns.name()}}},
                    {"spec", {{"plugin", {{"configMap", "techdebt"}}}}}};
  auto createdRun = client->create(kPluginRuns, ns.name(), run);
  ASSERT_TRUE(createdRun) << createdRun.error().describe();
  json first = createdRun.value();
  first["status"] = {{"pluginID", "techdebt"}};
  auto updated = client->updateStatus(kPluginRuns, ns.name(), first);
  ASSERT_TRUE(updated) << updated.error().describe();
  EXPECT_EQ((*updated)["status"]["pluginID"], "techdebt");
  json staleStatus = createdRun.value();  // resourceVersion from before the first update
  staleStatus["status"] = {{"pluginID", "other"}};
  auto statusConflict = client->updateStatus(kPluginRuns, ns.name(), staleStatus);
  ASSERT_FALSE(statusConflict);
  EXPECT_TRUE(statusConflict.error().isConflict()) << statusConflict.error().describe();

  EventSpec event;
  event.involvedObject = updated.value();
  event.reason = "Validating";
  event.message = "checking the manifest";
  event.component = "plugin-controller";
  auto recorded = client->createEvent(ns.name(), event);
  ASSERT_TRUE(recorded) << recorded.error().describe();
  const auto events =
      cluster().kubectl({"-n", ns.name(), "get", "events", "-o", "jsonpath={.items[*].reason}"});
  EXPECT_NE(events.out.find("Validating"), std::string::npos) << events.out << events.err;
  const auto seen = cluster().kubectl(
      {"-n", ns.name(), "get", "events", "-o", "jsonpath={.items[*].lastTimestamp}"});
  EXPECT_NE(seen.out.find("T"), std::string::npos) << "no lastTimestamp: " << seen.out << seen.err;
}

TEST(KubeClientIntegration, InvalidObjectsCarryTheServersMessage) {
  auto client = adminClient();
  ASSERT_TRUE(client);
  auto ns = cluster().uniqueNamespace("kube-invalid");
  auto bad = client->create(configMapsResource(), ns.name(), configMap("Not_A_Name", ns.name()));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().httpStatus, 422);
  EXPECT_EQ(bad.error().reason, "Invalid");
  EXPECT_NE(bad.error().message.find("Not_A_Name"), std::string::npos) << bad.error().message;
}

TEST(KubeClientIntegration, UntrustedServerCertificateIsRefused) {
  auto config = loadKubeconfig(cluster().kubeconfigPath());
  ASSERT_TRUE(config);
  config->caPem.clear();  // the system store does not know the test CA
  KubeClient client(makeCpprestHttpClient(config.value()));
  auto refused = client.get(configMapsResource(), "default", "x");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kTransport) << refused.error().describe();
}

}  // namespace
}  // namespace ps::kube::integration
