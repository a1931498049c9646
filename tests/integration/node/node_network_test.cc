// The node's network: a Pod reaches the API server through the `kubernetes` Service (kube-proxy).
#include <gtest/gtest.h>

#include "node_fixture.h"

namespace ps::testing::node {
namespace {

using namespace std::chrono_literals;

// Runs `probe connect ...` in a fresh Pod and returns its termination message.
std::string connectFrom(const std::string& ns, const std::string& name, const std::string& host,
                        const std::string& port, const std::string& request = "",
                        const std::map<std::string, std::string>& labels = {}) {
  std::vector<std::string> args{"connect", host, port, "5"};
  if (!request.empty()) args.push_back(request);
  applyObject(ns, probePod(name, args, labels));
  const json done = waitForPhase(ns, name, {"Succeeded", "Failed"}, 60s);
  return terminated(done).value("message", "(no message: " + brief(done) + ")");
}

TEST(NodeNetwork, KubernetesServiceReachesTheApiServer) {
  TestNamespace ns = cluster().uniqueNamespace("node-net");
  // A plain HTTP request to the TLS port: only Go's HTTPS server answers with this sentence.
  const std::string message =
      connectFrom(ns.name(), "api", "10.0.0.1", "443", "GET /version HTTP/1.0\\r\\n\\r\\n");
  EXPECT_NE(message.find("connected: HTTP/1.0 400 Bad Request"), std::string::npos) << message;
  EXPECT_NE(message.find("Client sent an HTTP request to an HTTPS server"), std::string::npos)
      << message;
  // A Service address with no Service behind it goes nowhere.
  const std::string nothing = connectFrom(ns.name(), "no-service", "10.0.0.250", "443");
  EXPECT_EQ(nothing.rfind("connect failed:", 0), 0u) << nothing;
}

}  // namespace
}  // namespace ps::testing::node
