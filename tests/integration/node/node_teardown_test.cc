// `cluster.sh down` on a node left half up (containerd and kubelet killed -9 under a running Pod):
// afterwards no process, network namespace, mount, cgroup, device, lock or changed sysctl remains.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include "node_fixture.h"

namespace ps::testing::node {
namespace {

using namespace std::chrono_literals;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<int> allPids() {
  std::vector<int> pids;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = proc ? ::readdir(proc) : nullptr) {
    const int pid = std::atoi(entry->d_name);
    if (pid > 0) pids.push_back(pid);
  }
  if (proc) ::closedir(proc);
  return pids;
}

// Processes whose environment carries the node's marker (daemons, shims, forwarders, holder).
std::set<int> markedProcesses(const std::string& nodeDir) {
  std::set<int> marked;
  const std::string marker = "PS_NODE_DIR=" + nodeDir;
  for (int pid : allPids()) {
    const std::string environ = readFile("/proc/" + std::to_string(pid) + "/environ");
    std::istringstream entries(environ);
    for (std::string entry; std::getline(entries, entry, '\0');) {
      if (entry == marker) marked.insert(pid);
    }
  }
  return marked;
}

std::string netnsOf(int pid) {
  char link[128] = {0};
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
  return n > 0 ? std::string(link, static_cast<size_t>(n)) : "";
}

std::vector<int> processesInNetns(const std::string& netns) {
  std::vector<int> found;
  for (int pid : allPids()) {
    if (netnsOf(pid) == netns) found.push_back(pid);
  }
  return found;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

int pidFrom(const std::string& file) {
  return std::atoi(readFile(file).c_str());
}

TEST(NodeTeardown, DownAfterACrashLeavesNothingBehind) {
  const NodeFacts node = facts();
  const std::string lock = node.lockFile;
  const std::string savedSysctls = readFile(lock.substr(0, lock.size() - 5) + ".sysctls");
  ASSERT_NE(savedSysctls.find("vm.overcommit_memory="), std::string::npos) << savedSysctls;
  const std::string hostForward = readFile("/proc/sys/net/ipv4/ip_forward");
  const std::string hostBridgeCall = readFile("/proc/sys/net/bridge/bridge-nf-call-iptables");

  // A running Pod: its shim and container processes must go too.
  TestNamespace ns = cluster().uniqueNamespace("node-down");
  applyObject(ns.name(), probePod("server", {"serve", "8080"}));
  waitForPhase(ns.name(), "server", {"Running"}, 60s);

  const int holder = pidFrom(node.stateDir + "/holder.pid");
  const std::string netns = netnsOf(holder);
  ASSERT_FALSE(netns.empty());
  ASSERT_NE(netns, netnsOf(::getpid())) << "the node shares the host's network namespace";
  const std::set<int> before = markedProcesses(node.stateDir);
  EXPECT_GE(before.size(), 8u) << "holder, forwarders, proxy, containerd, shim, kubelet, ...";
  EXPECT_FALSE(processesInNetns(netns).empty());

  // Half up: the runtime and kubelet die without cleaning anything.
  for (const char* name : {"containerd", "kubelet"}) {
    const int pid = pidFrom(node.stateDir + "/" + name + ".pid");
    ASSERT_GT(pid, 0) << name;
    ASSERT_EQ(::kill(pid, SIGKILL), 0) << name;
  }

  const auto start = std::chrono::steady_clock::now();
  const CommandResult down = clusterScript({"down"});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(down.ok()) << down.err;
  EXPECT_LT(took, 30s) << down.err;

  for (int pid : before) EXPECT_FALSE(exists("/proc/" + std::to_string(pid))) << "pid " << pid;
  EXPECT_TRUE(markedProcesses(node.stateDir).empty());
  EXPECT_TRUE(processesInNetns(netns).empty()) << "a process still holds the node's netns";
  EXPECT_FALSE(exists(node.stateDir));
  EXPECT_FALSE(exists(cluster().stateDir()));
  for (const char* hierarchy :
       {"pids", "memory", "cpu", "cpuset", "freezer", "systemd", "unified"}) {
    EXPECT_FALSE(exists(std::string("/sys/fs/cgroup/") + hierarchy + "/plugin-sandbox-node"))
        << hierarchy;
  }
  const std::string mounts = readFile("/proc/self/mountinfo");
  EXPECT_EQ(mounts.find(node.stateDir), std::string::npos) << mounts;
  const CommandResult links = runCommand({"ip", "-o", "link", "show"});
  EXPECT_EQ(links.out.find("cni0"), std::string::npos) << links.out;
  EXPECT_EQ(links.out.find("veth"), std::string::npos) << links.out;

  // The machine's lock is free and says so; kubelet's and the bridge's sysctls are the host's.
  EXPECT_TRUE(runCommand({"flock", "-n", lock, "true"}).ok()) << readFile(lock);
  EXPECT_EQ(readFile(lock), "");
  EXPECT_FALSE(exists(lock.substr(0, lock.size() - 5) + ".sysctls"));
  std::istringstream lines(savedSysctls);
  for (std::string line; std::getline(lines, line);) {
    const std::string key = line.substr(0, line.find('='));
    const CommandResult now = runCommand({"sysctl", "-n", key});
    EXPECT_EQ(key + "=" + now.out.substr(0, now.out.find('\n')), line);
  }
  EXPECT_EQ(readFile("/proc/sys/net/ipv4/ip_forward"), hostForward);
  EXPECT_EQ(readFile("/proc/sys/net/bridge/bridge-nf-call-iptables"), hostBridgeCall);

  // Idempotent: a second down finds nothing to do.
  const CommandResult again = clusterScript({"down"});
  EXPECT_TRUE(again.ok()) << again.err;
}

}  // namespace
}  // namespace ps::testing::node
