// Credentials that rotate, against the real API server: a ServiceAccount token from the
// TokenRequest API bound to a Secret, in a file a kubeconfig names (tokenFile, as the kubelet's
// projected token is for in-cluster clients). Deleting the Secret really revokes the token (the
// server answers 401); a new token written into the file is used by the very next request, and an
// exec credential plugin reading the same file is run again after the 401.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/resource.h"
#include "kube_client_fixture.h"

namespace ps::kube::integration {
namespace {

namespace fs = std::filesystem;
using ps::testing::cluster;
using ps::testing::CommandResult;
using namespace std::chrono_literals;

class TokenRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_.emplace(cluster().uniqueNamespace("token-rotation"));
    dir_ = fs::temp_directory_path() / ns_->name();
    fs::create_directories(dir_);
    ASSERT_TRUE(kubectl({"create", "serviceaccount", "rotator"}).ok());
    ASSERT_TRUE(kubectl({"create", "rolebinding", "rotator-view", "--clusterrole=view",
                         "--serviceaccount=" + ns() + ":rotator"})
                    .ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  const std::string& ns() const { return ns_->name(); }
  CommandResult kubectl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-n", ns()});
    return cluster().kubectl(args);
  }

  // A token of `rotator` that is valid only while Secret `bound` exists.
  std::string boundToken(const std::string& bound) {
    EXPECT_TRUE(kubectl({"create", "secret", "generic", bound}).ok());
    const CommandResult token =
        kubectl({"create", "token", "rotator", "--bound-object-kind", "Secret",
                 "--bound-object-name", bound, "--duration", "1h"});
    EXPECT_TRUE(token.ok()) << token.err;
    std::string text = token.out;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  // As the kubelet writes projected tokens: a new file renamed over the old one.
  void writeTokenFile(const std::string& token) {
    std::ofstream(dir_ / "token.new") << token;
    fs::rename(dir_ / "token.new", dir_ / "token");
  }

  std::string kubeconfig(const std::string& user) {
    const fs::path path = dir_ / "kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
                        << "    server: " << cluster().serverUrl() << "\n"
                        << "    certificate-authority: " << cluster().stateDir()
                        << "/pki/ca.crt\nusers:\n- name: sa\n  user:\n"
                        << user << "contexts:\n- name: sa\n  context: {cluster: test, user: sa}\n"
                        << "current-context: sa\n";
    return path.string();
  }

  std::unique_ptr<KubeClient> clientFor(const std::string& kubeconfigPath) {
    auto config = loadKubeconfig(kubeconfigPath);
    EXPECT_TRUE(config) << config.error().describe();
    if (!config) return nullptr;
    ClientOptions options;
    options.qps = 0;
    return std::make_unique<KubeClient>(makeCpprestHttpClient(*config), options);
  }

  // A request made only with `token` (a fixed token, no file): its HTTP status.
  int statusWithOnly(const std::string& token) {
    ClientConfig config;
    config.server = cluster().serverUrl();
    std::ifstream ca(cluster().stateDir() + "/pki/ca.crt");
    std::stringstream pem;
    pem << ca.rdbuf();
    config.caPem = pem.str();
    config.bearerToken = token;
    KubeClient client(makeCpprestHttpClient(config));
    auto listed = client.list(configMapsResource(), ns());
    if (listed) return 200;
    return listed.error().httpStatus;
  }

  // Revokes the token bound to `bound` and waits until the server refuses it.
  void revoke(const std::string& bound, const std::string& token) {
    ASSERT_TRUE(kubectl({"delete", "secret", bound}).ok());
    ASSERT_TRUE(ps::testing::waitFor([&] { return statusWithOnly(token) == 401; }, 30s,
                                     "the API server to refuse the token of the deleted Secret"));
  }

  std::optional<ps::testing::TestNamespace> ns_;
  fs::path dir_;
};

TEST_F(TokenRotationTest, TokenFileReplacedAfterRevocationIsUsedByTheNextRequest) {
  const std::string first = boundToken("bind-1");
  writeTokenFile(first);
  auto client = clientFor(kubeconfig("    tokenFile: " + (dir_ / "token").string() + "\n"));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(ps::testing::waitFor([&] { return client->list(configMapsResource(), ns()).ok(); },
                                   30s, "the ServiceAccount to be allowed to list ConfigMaps"));

  ASSERT_NO_FATAL_FAILURE(revoke("bind-1", first));
  const std::string second = boundToken("bind-2");
  writeTokenFile(second);
  // Well within the minute between periodic re-reads: only the 401 makes the client read again.
  auto listed = client->list(configMapsResource(), ns());
  EXPECT_TRUE(listed) << listed.error().describe();
  auto again = client->list(configMapsResource(), ns());
  EXPECT_TRUE(again) << again.error().describe();
  EXPECT_EQ(statusWithOnly(second), 200);
}

TEST_F(TokenRotationTest, ExecPluginIsRunAgainAfterTheServerRefusesItsToken) {
  const std::string first = boundToken("bind-1");
  writeTokenFile(first);
  // A credential plugin as kubectl runs them: args, env, and an ExecCredential on stdout.
  const fs::path plugin = dir_ / "get-token.sh";
  std::ofstream(plugin) << "#!/bin/sh\n"
                        << "[ \"$1\" = get-token ] || { echo \"bad args: $*\" >&2; exit 2; }\n"
                        << "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                           "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' "
                           "\"$(cat \"$TOKEN_FILE\")\"\n";
  ::chmod(plugin.c_str(), 0755);
  auto client = clientFor(kubeconfig(
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: " +
      plugin.string() + "\n      args: [get-token]\n      interactiveMode: Never\n" +
      "      env:\n      - {name: TOKEN_FILE, value: " + (dir_ / "token").string() + "}\n"));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(ps::testing::waitFor([&] { return client->list(configMapsResource(), ns()).ok(); },
                                   30s,
                                   "the exec plugin's token to be allowed to list ConfigMaps"));

  ASSERT_NO_FATAL_FAILURE(revoke("bind-1", first));
  writeTokenFile(boundToken("bind-2"));
  auto listed = client->list(configMapsResource(), ns());
  EXPECT_TRUE(listed) << listed.error().describe();
}

}  // namespace
}  // namespace ps::kube::integration
