// A watch stream that stalls without closing, against the real API server: a proxy in the test
// (stalling_proxy.h) stops forwarding bytes on the informer's open watch but keeps the connection.
// The server's own end of the watch (timeoutSeconds) never reaches the client, so only the
// watcher's stall detection (timeoutSeconds + stallMargin of silence) can bring it back; the
// transport's inactivity timeout (timeoutSeconds + 60 s) is far outside the bound checked here.
#include <gtest/gtest.h>

#include "kube/informer.h"
#include "kube_client_fixture.h"
#include "stalling_proxy.h"

namespace ps::kube::integration {
namespace {

using ps::testing::cluster;
using ps::testing::waitFor;
using std::chrono::seconds;

constexpr int kWatchSeconds = 5;
constexpr seconds kStallMargin{3};
// Silence limit (8 s) + the reconnect and the event; the transport alone would need 65 s.
constexpr seconds kBound{20};

int portOf(const std::string& url) {
  return std::stoi(url.substr(url.rfind(':') + 1));
}

std::unique_ptr<KubeClient> clientThrough(const StallingProxy& proxy) {
  auto config = loadKubeconfig(cluster().kubeconfigPath());
  if (!config) {
    ADD_FAILURE() << "kubeconfig: " << config.error().describe();
    return nullptr;
  }
  config->server = "https://127.0.0.1:" + std::to_string(proxy.port());
  ClientOptions options;
  options.qps = 0;
  return std::make_unique<KubeClient>(makeCpprestHttpClient(*config, seconds(10)), options);
}

TEST(StalledWatchIntegration, InformerNoticesASilentWatchAndSeesObjectsCreatedAfterIt) {
  auto direct = adminClient();
  ASSERT_TRUE(direct);
  auto ns = cluster().uniqueNamespace("kube-stall");
  const auto cms = configMapsResource();
  StallingProxy proxy(portOf(cluster().serverUrl()));
  ASSERT_TRUE(proxy.listening());
  auto proxied = clientThrough(proxy);
  ASSERT_TRUE(proxied);

  InformerOptions options;
  options.watcher.minWatchSeconds = kWatchSeconds;
  options.watcher.maxWatchSeconds = kWatchSeconds;
  options.watcher.stallMargin = kStallMargin;
  Informer informer(*proxied, cms, ns.name(), options);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(seconds(30)));
  ASSERT_TRUE(direct->create(cms, ns.name(), configMap("before", ns.name())));
  ASSERT_TRUE(waitFor([&] { return informer.store().get(ns.name() + "/before") != nullptr; },
                      seconds(30), "the watch through the proxy to deliver 'before'"));

  ASSERT_GE(proxy.stallOpenConnections(), 1);
  const int acceptedAtStall = proxy.accepted();
  const auto stalledAt = std::chrono::steady_clock::now();
  ASSERT_TRUE(direct->create(cms, ns.name(), configMap("after", ns.name())));
  EXPECT_TRUE(waitFor([&] { return informer.store().get(ns.name() + "/after") != nullptr; }, kBound,
                      "the informer to see 'after', created once its watch had stalled"));
  const auto took = std::chrono::steady_clock::now() - stalledAt;
  std::cout << "stall to 'after' in the store: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  // The last byte came at most one watch (5 s) before the stall, so detection takes >= 3 s.
  EXPECT_GE(took, kStallMargin - seconds(1))
      << "seen before the stall could have been detected: the stall missed the open watch";
  EXPECT_GT(proxy.accepted(), acceptedAtStall) << "a new connection re-established the watch";
  const auto error = informer.lastError();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("watch stalled"), std::string::npos) << error->describe();
  EXPECT_EQ(informer.lists(), 1) << "the version was still there: resumed, not relisted";
  informer.stop();
}

}  // namespace
}  // namespace ps::kube::integration
