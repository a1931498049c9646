// The API server's serving certificate re-issued by the same CA (`cluster.sh
// reissue-apiserver-cert`: new key, new serial, the API server restarted on the same address).
// A running client that trusts the kubeconfig's CA keeps working without a restart: its open
// watch is re-established (an object created afterwards reaches the informer) and a new request
// on the same KubeClient succeeds.
#include <gtest/gtest.h>

#include "kube/informer.h"
#include "kube_client_fixture.h"

namespace ps::kube::integration {
namespace {

using ps::testing::cluster;
using ps::testing::runCommand;
using ps::testing::waitFor;
using std::chrono::seconds;

// The serial of the certificate the server presents now, as `openssl x509 -serial` prints it.
std::string presentedSerial() {
  const std::string address = cluster().serverUrl().substr(std::string("https://").size());
  const auto shown = runCommand({"openssl", "s_client", "-connect", address, "-CAfile",
                                 cluster().stateDir() + "/pki/ca.crt"});
  const auto parsed = runCommand({"openssl", "x509", "-noout", "-serial"}, shown.out);
  return parsed.ok() ? parsed.out : "none: " + shown.err + parsed.err;
}

std::string fileSerial() {
  const auto parsed = runCommand(
      {"openssl", "x509", "-noout", "-serial", "-in", cluster().stateDir() + "/pki/apiserver.crt"});
  return parsed.ok() ? parsed.out : "none: " + parsed.err;
}

TEST(ServingCertificateIntegration, ClientKeepsWorkingAcrossAReissuedServingCertificate) {
  auto client = adminClient(seconds(10));
  ASSERT_TRUE(client);
  auto ns = cluster().uniqueNamespace("kube-reissue");
  const auto cms = configMapsResource();
  InformerOptions options;
  options.watcher.backoff.initial = std::chrono::milliseconds(200);
  options.watcher.backoff.max = seconds(2);
  Informer informer(*client, cms, ns.name(), options);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(seconds(30)));
  ASSERT_TRUE(client->create(cms, ns.name(), configMap("before", ns.name())));
  ASSERT_TRUE(waitFor([&] { return informer.store().get(ns.name() + "/before") != nullptr; },
                      seconds(30), "the informer to see 'before'"));
  const std::string servedBefore = presentedSerial();
  ASSERT_EQ(servedBefore, fileSerial());

  const auto reissued = cluster().clusterScript("reissue-apiserver-cert");
  ASSERT_TRUE(reissued.ok()) << reissued.out << reissued.err;
  const std::string servedAfter = presentedSerial();
  EXPECT_NE(servedAfter, servedBefore) << "the server must present the new certificate";
  EXPECT_EQ(servedAfter, fileSerial());

  // The very first request of the same client after the restart, on whatever it had pooled.
  auto created = client->create(cms, ns.name(), configMap("after", ns.name()));
  EXPECT_TRUE(created) << created.error().describe();
  if (!created) {
    ASSERT_TRUE(
        waitFor([&] { return bool(client->create(cms, ns.name(), configMap("after", ns.name()))); },
                seconds(30), "a create to succeed at all"));
  }
  EXPECT_TRUE(waitFor([&] { return informer.store().get(ns.name() + "/after") != nullptr; },
                      seconds(60), "the re-established watch to deliver 'after'"))
      << (informer.lastError() ? informer.lastError()->describe() : "no error");
  auto listed = client->list(cms, ns.name(), ListOptions{});
  ASSERT_TRUE(listed) << listed.error().describe();
  int ours = 0;
  for (const auto& item : listed->items) {
    const std::string name = item["metadata"].value("name", "");
    ours += name == "before" || name == "after";
  }
  EXPECT_EQ(ours, 2) << "a list on the same client sees both";
  informer.stop();
}

}  // namespace
}  // namespace ps::kube::integration
