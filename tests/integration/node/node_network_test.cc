// The node's network: a Pod reaches the API server through the `kubernetes` Service (kube-proxy),
// and kube-router's firewall enforces a deny-all NetworkPolicy between two real Pods (checked both
// ways, so the test fails when enforcement or connectivity breaks).
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

// Whether kube-router's firewall has put `ip` into one of its policy ipsets.
bool policed(const std::string& ip) {
  const CommandResult sets = clusterScript({"node-exec", "ipset", "list"});
  return sets.ok() && sets.out.find(ip) != std::string::npos;
}

TEST(NodeNetwork, DenyAllPolicyBlocksPodToPodTcpAndAnAllowRuleOpensIt) {
  TestNamespace ns = cluster().uniqueNamespace("node-netpol");
  applyObject(ns.name(), probePod("server", {"serve", "8080"}, {{"app", "server"}}));
  const json server = waitForPhase(ns.name(), "server", {"Running"}, 60s);
  const std::string ip = server["status"].value("podIP", "");
  ASSERT_FALSE(ip.empty()) << brief(server);

  // Without a policy the connection is made.
  EXPECT_EQ(connectFrom(ns.name(), "before", ip, "8080"), "connected: probe ");

  applyObject(ns.name(),
              {{"apiVersion", "networking.k8s.io/v1"},
               {"kind", "NetworkPolicy"},
               {"metadata", {{"name", "deny-all"}}},
               {"spec", {{"podSelector", json::object()}, {"policyTypes", {"Ingress"}}}}});
  ASSERT_TRUE(waitFor([&] { return policed(ip); }, 30s, "the firewall to police " + ip));
  const std::string denied = connectFrom(ns.name(), "denied", ip, "8080");
  // kube-router rejects (ICMP): "Connection refused"; a dropping enforcer gives "timed out".
  EXPECT_EQ(denied.rfind("connect failed:", 0), 0u)
      << "the deny-all policy let it through: " << denied;

  // A rule that admits one label: a Pod with it connects (once the firewall knows its address),
  // others stay out. The friend connects through `kubectl exec` (API server -> egress -> kubelet).
  applyObject(ns.name(),
              {{"apiVersion", "networking.k8s.io/v1"},
               {"kind", "NetworkPolicy"},
               {"metadata", {{"name", "allow-friends"}}},
               {"spec",
                {{"podSelector", {{"matchLabels", {{"app", "server"}}}}},
                 {"policyTypes", {"Ingress"}},
                 {"ingress",
                  {{{"from", {{{"podSelector", {{"matchLabels", {{"role", "friend"}}}}}}}}}}}}}});
  applyObject(ns.name(), probePod("friend", {"serve", "9090"}, {{"role", "friend"}}));
  const json friendPod = waitForPhase(ns.name(), "friend", {"Running"}, 60s);
  const std::string friendIp = friendPod["status"].value("podIP", "");
  ASSERT_TRUE(waitFor([&] { return policed(friendIp); }, 30s, "the firewall to know " + friendIp));
  CommandResult allowed;
  EXPECT_TRUE(waitFor(
      [&] {
        allowed = cluster().kubectl(
            {"-n", ns.name(), "exec", "friend", "--", "/probe", "connect", ip, "8080", "2"});
        return allowed.ok();
      },
      20s, "the allow rule to admit the friend"))
      << allowed.out << allowed.err;
  EXPECT_EQ(allowed.out, "connected: probe \n");
  const std::string stranger = connectFrom(ns.name(), "stranger", ip, "8080");
  EXPECT_EQ(stranger.rfind("connect failed:", 0), 0u) << stranger;
}

}  // namespace
}  // namespace ps::testing::node
