// ClusterEnvironment: brings the real control plane up through tests/cluster/cluster.sh and applies
// the CRDs, once per test binary.
#include "cluster_environment.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <sstream>

#ifndef PS_SOURCE_DIR
#error "PS_SOURCE_DIR must name the repository root"
#endif

namespace ps::testing {
namespace {

ClusterEnvironment* registered = nullptr;

const std::string kClusterScript = std::string(PS_SOURCE_DIR) + "/tests/cluster/cluster.sh";

std::string describe(const std::string& what, const CommandResult& result) {
  std::ostringstream text;
  text << what << " exited " << result.exitCode << "\n--- stdout\n"
       << result.out << "\n--- stderr\n"
       << result.err;
  return text.str();
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string randomSuffix() {
  static std::mt19937_64 generator{std::random_device{}()};
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += kAlphabet[pick(generator)];
  return suffix;
}

}  // namespace

int freeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// `cluster.sh env` prints NAME=VALUE lines: where the tools and the kubeconfig are.
std::string envValue(const std::string& envOutput, const std::string& name) {
  std::istringstream lines(envOutput);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

void ClusterEnvironment::SetUp() {
  const CommandResult up = clusterScript("up");
  ASSERT_TRUE(up.ok()) << describe(kClusterScript + " up", up);
  const CommandResult env = clusterScript("env");
  ASSERT_TRUE(env.ok()) << describe(kClusterScript + " env", env);
  kubectlPath_ = envValue(env.out, "KUBECTL");
  kubeconfig_ = envValue(env.out, "KUBECONFIG");
  stateDir_ = kubeconfig_.substr(0, kubeconfig_.rfind('/'));
  hasControllerManager_ = envValue(env.out, "CONTROLLER_MANAGER") == "1";
  ASSERT_FALSE(kubectlPath_.empty()) << "no kubectl in:\n" << env.out;

  const CommandResult server =
      kubectl({"config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"});
  ASSERT_TRUE(server.ok()) << describe("kubectl config view", server);
  serverUrl_ = trimmed(server.out);

  const std::string crds = std::string(PS_SOURCE_DIR) + "/crds/";
  const CommandResult apply = kubectl({"apply", "--server-side", "--force-conflicts", "-f", crds});
  ASSERT_TRUE(apply.ok()) << describe("kubectl apply -f " + crds, apply);
  // kubectl wait itself watches with a deadline; Established means the API serves the kind.
  const CommandResult established =
      kubectl({"wait", "--for=condition=Established", "--timeout=60s", "-f", crds});
  ASSERT_TRUE(established.ok()) << describe("kubectl wait Established", established);
}

CommandResult ClusterEnvironment::kubectl(const std::vector<std::string>& args,
                                          const std::string& stdinText) const {
  std::vector<std::string> argv{kubectlPath_.empty() ? "kubectl" : kubectlPath_,
                                "--kubeconfig=" + kubeconfig_};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, stdinText);
}

CommandResult ClusterEnvironment::clusterScript(const std::string& command) const {
  return runCommand({kClusterScript, command});
}

TestNamespace ClusterEnvironment::uniqueNamespace(const std::string& prefix) const {
  std::string name = prefix.substr(0, 40) + "-" + randomSuffix();
  const CommandResult created = kubectl({"create", "namespace", name});
  EXPECT_TRUE(created.ok()) << describe("kubectl create namespace " + name, created);
  if (created.ok() && hasControllerManager_) {
    EXPECT_TRUE(waitFor(
        [&] {
          return kubectl({"get", "serviceaccount", "default", "-n", name}).ok();
        },
        std::chrono::seconds(30), "ServiceAccount " + name + "/default"));
  }
  return TestNamespace(std::move(name), *this);
}

TestNamespace::TestNamespace(std::string name, const ClusterEnvironment& cluster)
    : name_(std::move(name)), cluster_(&cluster) {}

TestNamespace::TestNamespace(TestNamespace&& other) noexcept
    : name_(std::move(other.name_)), cluster_(other.cluster_) {
  other.name_.clear();
}

// --wait=false: the namespace controller finishes the deletion; no test waits for it.
TestNamespace::~TestNamespace() {
  if (name_.empty()) return;
  cluster_->kubectl({"delete", "namespace", name_, "--wait=false", "--ignore-not-found"});
}

ClusterEnvironment& cluster() {
  if (registered == nullptr) {
    ADD_FAILURE() << "no ClusterEnvironment: link ps_test_cluster_main or call "
                     "registerClusterEnvironment() in main";
    std::abort();
  }
  return *registered;
}

ClusterEnvironment* registerClusterEnvironment() {
  if (registered == nullptr) {
    // gtest owns and deletes registered environments.
    registered = static_cast<ClusterEnvironment*>(
        ::testing::AddGlobalTestEnvironment(new ClusterEnvironment()));
  }
  return registered;
}

}  // namespace ps::testing
