// The node itself: Ready with the pinned kubelet and containerd, its images imported, `up`
// idempotent, the host's network and kernel settings as they were, and a second checkout refused
// the node.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "node_fixture.h"

namespace ps::testing::node {
namespace {

using namespace std::chrono_literals;

json nodeObject() {
  const CommandResult got = cluster().kubectl({"get", "node", facts().name, "-o", "json"});
  EXPECT_TRUE(got.ok()) << got.err;
  return got.ok() ? json::parse(got.out) : json::object();
}

std::string condition(const json& node, const std::string& type) {
  for (const auto& c : node["status"]["conditions"]) {
    if (c["type"] == type) return c["status"];
  }
  return "";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(NodeReady, ReportsReadyWithThePinnedKubeletContainerdAndAddress) {
  const json node = nodeObject();
  EXPECT_EQ(condition(node, "Ready"), "True") << node["status"].dump();
  const json info = node["status"]["nodeInfo"];
  EXPECT_EQ(info["kubeletVersion"], "v1.34.4");
  EXPECT_EQ(info["containerRuntimeVersion"].get<std::string>().rfind("containerd://1.6", 0), 0u)
      << info.dump();
  std::string internalIp;
  for (const auto& address : node["status"]["addresses"]) {
    if (address["type"] == "InternalIP") internalIp = address["address"];
  }
  EXPECT_EQ(internalIp, facts().ip);
  // The `kubernetes` Service's endpoint is the node-side forwarder, not loopback.
  const CommandResult endpoints =
      cluster().kubectl({"get", "endpoints", "kubernetes", "-n", "default", "-o",
                         "jsonpath={.subsets[0].addresses[0].ip}"});
  EXPECT_EQ(endpoints.out, facts().ip) << endpoints.err;
}

// kubelet lists the runtime's images in the Node's status on its next status update.
TEST(NodeReady, HasThePauseAndProbeImagesImported) {
  std::set<std::string> names;
  EXPECT_TRUE(waitFor(
      [&] {
        names.clear();
        const json node = nodeObject();  // kept alive: the loop walks into it
        for (const auto& image : node["status"]["images"]) {
          for (const auto& name : image["names"]) names.insert(name.get<std::string>());
        }
        return names.count(facts().pauseImage) && names.count(facts().probeImage);
      },
      30s, "the node's status to list the pause and probe images"))
      << facts().pauseImage << " " << facts().probeImage;
}

TEST(NodeReady, UpAgainStartsNothing) {
  const CommandResult up = clusterScript({"up"}, {"NODE=1"});
  ASSERT_TRUE(up.ok()) << up.err;
  EXPECT_EQ(up.err.find("starting"), std::string::npos) << up.err;
  const CommandResult status = clusterScript({"status"});
  EXPECT_TRUE(status.ok()) << status.out << status.err;
  EXPECT_NE(status.out.find("node kube-proxy: running"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("node kube-router: running"), std::string::npos) << status.out;
}

// No host-side device, route or rule: the node's networking lives in its own namespace.
TEST(NodeReady, LeavesTheHostNetworkAlone) {
  const CommandResult links = runCommand({"ip", "-o", "link", "show"});
  ASSERT_TRUE(links.ok()) << links.err;
  EXPECT_EQ(links.out.find("cni0"), std::string::npos) << links.out;
  EXPECT_EQ(links.out.find("veth"), std::string::npos) << links.out;
  const CommandResult routes = runCommand({"ip", "route", "show", "table", "all"});
  EXPECT_EQ(routes.out.find("10.203."), std::string::npos) << routes.out;
  EXPECT_EQ(routes.out.find("10.0.0."), std::string::npos) << routes.out;
  const CommandResult rules = runCommand({"nft", "list", "ruleset"});
  ASSERT_TRUE(rules.ok()) << rules.err;
  EXPECT_EQ(rules.out.find("KUBE-"), std::string::npos) << "kube chains on the host";
  const CommandResult sets = runCommand({"ipset", "list", "-n"});
  EXPECT_EQ(sets.out.find("KUBE-"), std::string::npos) << sets.out;
  EXPECT_EQ(rules.out.find("kube-proxy"), std::string::npos);
  // ... while inside the node they are there.
  const CommandResult inside = clusterScript({"node-exec", "nft", "list", "tables"});
  ASSERT_TRUE(inside.ok()) << inside.err;
  EXPECT_NE(inside.out.find("kube-proxy"), std::string::npos) << inside.out;
}

// kubelet sets these host-wide at start; `up` puts the host's values back once the node is Ready.
TEST(NodeReady, HostKernelSettingsAreTheSavedOnes) {
  const std::string lock = facts().lockFile;
  const std::string saved = readFile(lock.substr(0, lock.size() - 5) + ".sysctls");
  ASSERT_NE(saved.find("kernel.panic_on_oops="), std::string::npos) << saved;
  std::istringstream lines(saved);
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string key = line.substr(0, line.find('='));
    const CommandResult now = runCommand({"sysctl", "-n", key});
    EXPECT_EQ(key + "=" + now.out.substr(0, now.out.find('\n')), line);
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

TEST(NodeReady, LockNamesTheOwnerAndRefusesASecondCheckout) {
  const std::string owner = readFile(facts().lockFile);
  EXPECT_NE(owner.find("state_dir=" + cluster().stateDir()), std::string::npos) << owner;
  char dir[] = "/tmp/ps-second-checkout-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string other = std::string(dir) + "/cluster";
  const CommandResult up = clusterScript({"up"}, {"NODE=1", "PS_CLUSTER_STATE_DIR=" + other});
  EXPECT_NE(up.exitCode, 0);
  EXPECT_NE(up.err.find("node: the machine's test node is in use by checkout"), std::string::npos)
      << up.err;
  EXPECT_NE(up.err.find(cluster().stateDir()), std::string::npos) << up.err;
  // Refused before anything started: no control plane there, and our node untouched.
  EXPECT_NE(::access((other + "/ports.env").c_str(), F_OK), 0);
  const CommandResult down = clusterScript({"down"}, {"PS_CLUSTER_STATE_DIR=" + other});
  EXPECT_TRUE(down.ok()) << down.err;
  ::rmdir(dir);
  const json node = nodeObject();
  EXPECT_EQ(condition(node, "Ready"), "True");
  EXPECT_EQ(readFile(facts().lockFile), owner);
}

}  // namespace
}  // namespace ps::testing::node
