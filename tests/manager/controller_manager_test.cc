#include "manager/controller_manager.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <sstream>
#include <thread>

#include "demo_trust.h"
#include "fake_http_client.h"
#include "loopback_listener.h"

// runControllerManager wired to a scripted API (tests/kube/fake_http_client.h): the promises its
// header makes — workers only after every cache synced, /readyz telling why not, no visit while
// another replica holds the Lease, exit status 1 when the probes cannot listen. What a visit does
// is plugin_run_reconciler_test's subject; the real API server is tests/integration/controller's.
namespace ps::reconcile {
namespace {

using kube::testing::FakeHttpClient;
using nlohmann::json;

const std::string kRunsList = "/apis/sandbox.plugins.dev/v1alpha1/namespaces/team-a/pluginruns";
const std::string kPodsList = "/api/v1/namespaces/team-a/pods";
const std::string kLease =
    "/apis/coordination.k8s.io/v1/namespaces/default/leases/plugin-controller";

std::string runList() {
  json run = json::parse(R"({
    "apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
    "metadata": {"namespace": "team-a", "name": "scan-1", "uid": "u-1", "generation": 1,
                 "resourceVersion": "7", "creationTimestamp": "2026-11-27T21:00:00Z"},
    "spec": {"plugin": {"configMap": "techdebt"}, "timeoutSeconds": 120}})");
  return json{{"kind", "PluginRunList"},
              {"metadata", {{"resourceVersion", "10"}}},
              {"items", json::array({run})}}
      .dump();
}

std::string emptyPodList() {
  return R"({"kind":"PodList","metadata":{"resourceVersion":"11"},"items":[]})";
}

// A request a visit makes (a write, or a GET of one named object), as opposed to the informers'
// lists and watches and the elector's Lease reads.
bool isVisitRequest(const kube::HttpRequest& request) {
  if (request.path.starts_with(kLease)) return false;
  if (request.method != "GET") return true;
  return request.path.find("/configmaps/") != std::string::npos;
}

// A loopback port nobody listens on right now.
int freePort() {
  const auto listener = kube::testing::listenOnLoopback();
  ::close(listener.fd);
  return listener.port;
}

// "<status code> <body>" of GET `path` on 127.0.0.1:port; "" when nothing answers.
std::string httpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, got);
  ::close(fd);
  const auto space = response.find(' ');
  const auto bodyStart = response.find("\r\n\r\n");
  if (space == std::string::npos || bodyStart == std::string::npos) return "";
  return response.substr(space + 1, 3) + " " + response.substr(bodyStart + 4);
}

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

class ControllerManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeHttpClient>();
    fake_ = fake.get();
    kube::ClientOptions clientOptions;
    clientOptions.qps = 0;
    client_ = std::make_unique<kube::KubeClient>(std::move(fake), clientOptions);
    trust_ = ps::testing::demoTrust();
    options_.watchNamespaces = {"team-a"};
    options_.workers = 2;
    options_.metricsBindAddress = "0";
    probePort_ = freePort();
    options_.healthProbeBindAddress = "127.0.0.1:" + std::to_string(probePort_);
    options_.identity = "replica-a";
  }
  void TearDown() override {
    stop_.stop();
    if (exit_.valid()) exit_.wait();
  }

  void start() {
    exit_ = std::async(std::launch::async, [this] {
      return runControllerManager(*client_, fixedTrust(trust_), options_, log_, metrics_, stop_);
    });
  }
  int stopAndWait() {
    stop_.stop();
    EXPECT_EQ(exit_.wait_for(std::chrono::seconds(40)), std::future_status::ready);
    return exit_.get();
  }
  size_t visitRequests() const {
    size_t count = 0;
    for (const auto& request : fake_->requests()) count += isVisitRequest(request) ? 1 : 0;
    return count;
  }
  std::string logText() const { return logOut_.str(); }

  FakeHttpClient* fake_ = nullptr;
  std::unique_ptr<kube::KubeClient> client_;
  TrustSnapshot trust_;
  ManagerOptions options_;
  int probePort_ = 0;
  std::ostringstream logOut_;
  observe::Logger log_{logOut_, observe::LogFormat::kJson, observe::LogLevel::kDebug};
  observe::MetricsRegistry metrics_;
  kube::StopSignal stop_;
  std::future<int> exit_;
};

TEST_F(ControllerManagerTest, NoRunIsVisitedAndReadyzFailsUntilEveryCacheSynced) {
  fake_->script("GET", kRunsList, {200, runList()});
  // The Pod list is refused (then unanswered) until the test scripts it: the run cache alone is
  // not "synced".
  for (int i = 0; i < 2; ++i) {
    fake_->script("GET", kPodsList + "?",
                  {403, R"({"kind":"Status","reason":"Forbidden","message":"pods is forbidden"})"});
  }
  start();
  ASSERT_TRUE(eventually([&] { return fake_->requestsTo(kPodsList).size() >= 2; },
                         std::chrono::seconds(20)));
  std::string readyz;
  ASSERT_TRUE(eventually([&] { return !(readyz = httpGet(probePort_, "/readyz")).empty(); },
                         std::chrono::seconds(5)));
  EXPECT_TRUE(readyz.starts_with("500") || readyz.starts_with("503")) << readyz;
  EXPECT_NE(readyz.find("caches not synced"), std::string::npos) << readyz;
  EXPECT_TRUE(httpGet(probePort_, "/healthz").starts_with("200"));
  EXPECT_EQ(visitRequests(), 0u) << "a worker visited a run before the Pod cache was complete";

  // Now the Pod list succeeds on the informer's next retry, and the run is visited.
  fake_->script("GET", kPodsList + "?", {200, emptyPodList()});
  ASSERT_TRUE(eventually([&] { return visitRequests() > 0; }, std::chrono::seconds(60)))
      << "the run was never visited after the caches synced";
  EXPECT_TRUE(eventually([&] { return httpGet(probePort_, "/readyz").starts_with("200"); },
                         std::chrono::seconds(5)));
  EXPECT_EQ(stopAndWait(), 0);
  EXPECT_NE(logText().find("pods is forbidden"), std::string::npos) << logText();
}

TEST_F(ControllerManagerTest, StoppedBeforeTheCachesSyncedItExitsZeroHavingVisitedNothing) {
  // Nothing scripted: every list fails, so the caches never sync.
  start();
  ASSERT_TRUE(fake_->waitForRequests(kRunsList, 1, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(stopAndWait(), 0);
  EXPECT_EQ(visitRequests(), 0u);
  EXPECT_NE(logText().find("\"drained\":true"), std::string::npos) << logText();
}

TEST_F(ControllerManagerTest, NoRunIsVisitedWhileAnotherReplicaHoldsTheLease) {
  options_.leaderElect = true;
  fake_->script("GET", kRunsList, {200, runList()});
  fake_->script("GET", kPodsList + "?", {200, emptyPodList()});
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  char renewed[32];
  std::strftime(renewed, sizeof(renewed), "%Y-%m-%dT%H:%M:%S.000000Z", std::gmtime(&seconds));
  const json lease = {
      {"apiVersion", "coordination.k8s.io/v1"},
      {"kind", "Lease"},
      {"metadata",
       {{"name", "plugin-controller"}, {"namespace", "default"}, {"resourceVersion", "5"}}},
      {"spec",
       {{"holderIdentity", "replica-b"},
        {"leaseDurationSeconds", 600},
        {"acquireTime", renewed},
        {"renewTime", renewed},
        {"leaseTransitions", 0}}}};
  for (int i = 0; i < 20; ++i) fake_->script("GET", kLease, {200, lease.dump()});
  start();
  ASSERT_TRUE(fake_->waitForRequests(kLease, 1, std::chrono::seconds(20)))
      << "the replica never campaigned";
  ASSERT_TRUE(eventually([&] { return httpGet(probePort_, "/readyz").starts_with("200"); },
                         std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(visitRequests(), 0u) << "a worker ran while replica-b held the Lease";
  for (const auto& request : fake_->requestsTo(kLease))
    EXPECT_EQ(request.method, "GET") << "took or released a Lease it never held";
  EXPECT_EQ(stopAndWait(), 0);
}

TEST_F(ControllerManagerTest, ProbesThatCannotListenEndTheProcessWithStatusOne) {
  options_.healthProbeBindAddress = "localhost-without-port";
  start();
  ASSERT_EQ(exit_.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(exit_.get(), 1);
  EXPECT_NE(logText().find("cannot listen"), std::string::npos) << logText();
  EXPECT_NE(logText().find("bad bind address"), std::string::npos) << logText();
  EXPECT_EQ(visitRequests(), 0u);
}

}  // namespace
}  // namespace ps::reconcile
