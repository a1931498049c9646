// "No network" in a real Pod: the controller's deny-all NetworkPolicy, enforced by the node's
// kube-router, keeps a plugin from reaching a listener in another Pod of its namespace; the same
// code under a policy that grants `network` connects, so the test fails when either side breaks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "e2e_fixture.h"
#include "node_fixture.h"

namespace ps::testing::e2e {
namespace {

using namespace std::chrono_literals;

// The probe image's `serve` (answers "probe " to every connection), shaped for a namespace that
// enforces Pod Security `restricted`.
json listenerPod() {
  json pod = node::probePod("listener", {"serve", "8080"}, {{"app", "listener"}});
  pod["spec"]["securityContext"] = {{"seccompProfile", {{"type", "RuntimeDefault"}}}};
  return pod;
}

// Connects twice to host:8080: at once (before a slow enforcer could have caught up) and after
// 3 s; prints one line per attempt.
std::string connectingPlugin(const std::string& host) {
  return "import socket, time\n"
         "def attempt():\n"
         "    try:\n"
         "        with socket.create_connection(('" +
         host +
         "', 8080), timeout=4) as s:\n"
         "            return 'connected: ' + s.recv(64).decode(errors='replace').strip()\n"
         "    except OSError as error:\n"
         "        return 'blocked: %s %s' % (type(error).__name__, error)\n"
         "print('first', attempt(), flush=True)\n"
         "time.sleep(3)\n"
         "print('later', attempt(), flush=True)\n";
}

std::string resultOf(const json& run) {
  return run.is_object() ? run.value("status", json::object()).value("result", "") : "";
}

TEST(E2eNetwork, DenyAllBlocksAPluginAndAGrantedPluginConnects) {
  const std::string ns = caseNamespace("net");
  node::applyObject(ns, listenerPod());
  const json listener = node::waitForPhase(ns, "listener", {"Running"}, 60s);
  const std::string ip = listener["status"].value("podIP", "");
  ASSERT_FALSE(ip.empty()) << listener.dump();

  for (const std::string id : {"e2e-net-denied", "e2e-net-granted"}) {
    const bool granted = id == "e2e-net-granted";
    const std::string dir = signedTestPlugin(
        id, connectingPlugin(ip),
        granted ? std::vector<std::string>{"network"} : std::vector<std::string>{});
    applyPluginConfigMap(ns, id, dir);
    applyRun(ns, id, id, {{"timeoutSeconds", 60}});
  }
  const json denied = waitForFinished(ns, "e2e-net-denied", 120s);
  const json granted = waitForFinished(ns, "e2e-net-granted", 120s);

  ASSERT_EQ(succeededCondition(denied).value("reason", ""), "Succeeded") << denied.dump();
  const std::string deniedOut = resultOf(denied);
  EXPECT_NE(deniedOut.find("first blocked: "), std::string::npos)
      << "the first connection got through before the policy was enforced:\n"
      << deniedOut;
  EXPECT_NE(deniedOut.find("later blocked: "), std::string::npos) << deniedOut;
  EXPECT_EQ(deniedOut.find("connected"), std::string::npos) << deniedOut;

  ASSERT_EQ(succeededCondition(granted).value("reason", ""), "Succeeded") << granted.dump();
  const std::string grantedOut = resultOf(granted);
  EXPECT_NE(grantedOut.find("first connected: probe"), std::string::npos) << grantedOut;
  EXPECT_NE(grantedOut.find("later connected: probe"), std::string::npos) << grantedOut;

  // What told them apart is the Pod's label and the namespace's one deny-all policy.
  const CommandResult policy = cluster().kubectl(
      {"-n", ns, "get", "networkpolicy", "plugin-sandbox-deny-all", "-o", "jsonpath={.spec}"});
  ASSERT_TRUE(policy.ok()) << policy.err;
  EXPECT_NE(policy.out.find("Egress"), std::string::npos) << policy.out;
}

}  // namespace
}  // namespace ps::testing::e2e
