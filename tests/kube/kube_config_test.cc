#include "kube/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace ps::kube {
namespace {

namespace fs = std::filesystem;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kubeconfig-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

// "-----BEGIN CERTIFICATE-----\nCA\n" in base64.
constexpr const char* kCaBase64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==";

TEST_F(KubeConfigTest, CurrentContextWithInlineData) {
  const auto path = write("config", std::string(R"(
apiVersion: v1
kind: Config
current-context: b
contexts:
- name: a
  context: {cluster: one, user: u1}
- name: b
  context: {cluster: two, user: u2, namespace: team}
clusters:
- name: one
  cluster: {server: "https://one:1"}
- name: two
  cluster:
    server: "https://127.0.0.1:6443"
    certificate-authority-data: )") + kCaBase64 +
                                        R"(
users:
- name: u2
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
)");
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->caPem, "-----BEGIN CERTIFICATE-----\nCA\n");
  EXPECT_EQ(config->clientCertPem, "cert");
  EXPECT_EQ(config->clientKeyPem, "key");
  EXPECT_EQ(config->defaultNamespace, "team");
  EXPECT_FALSE(config->insecureSkipTlsVerify);
}

TEST_F(KubeConfigTest, ExplicitContextFilesAndTokenFileRelativeToConfig) {
  write("ca.crt", "CA-PEM");
  write("token", "abc\n");
  const auto path = write("config", R"(
current-context: b
contexts:
- {name: a, context: {cluster: one, user: u1}}
clusters:
- {name: one, cluster: {server: "https://one:1", certificate-authority: ca.crt, insecure-skip-tls-verify: true}}
users:
- {name: u1, user: {tokenFile: token, token: fixed}}
)");
  auto config = loadKubeconfig(path, "a");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->caPem, "CA-PEM");
  EXPECT_EQ(config->bearerToken, "fixed");
  EXPECT_EQ(config->bearerTokenFile, dir_ / "token");
  EXPECT_TRUE(config->insecureSkipTlsVerify);
  EXPECT_EQ(config->defaultNamespace, "default");
}

TEST_F(KubeConfigTest, ExecPluginAsEksWritesIt) {
  const auto path = write("config", R"(
current-context: eks
contexts:
- {name: eks, context: {cluster: c, user: u}}
clusters:
- {name: c, cluster: {server: "https://eks:443"}}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod]
      env:
      - {name: AWS_PROFILE, value: ops}
      provideClusterInfo: true
      interactiveMode: IfAvailable
      installHint: install the AWS CLI
)");
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->apiVersion, "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(config->exec->command, "aws");  // a bare name: looked up on PATH
  EXPECT_EQ(config->exec->args, (std::vector<std::string>{"--region", "eu-west-1", "eks",
                                                          "get-token", "--cluster-name", "prod"}));
  EXPECT_EQ(config->exec->env,
            (std::vector<std::pair<std::string, std::string>>{{"AWS_PROFILE", "ops"}}));
  EXPECT_TRUE(config->exec->provideClusterInfo);
  EXPECT_EQ(config->exec->installHint, "install the AWS CLI");
  EXPECT_TRUE(config->bearerToken.empty());
}

TEST_F(KubeConfigTest, ExecCommandWithASlashIsRelativeToTheKubeconfig) {
  const auto path = write("config", R"(
current-context: a
contexts: [{name: a, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://x:1"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/get-token, interactiveMode: Never}}}]
)");
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->exec->command, (dir_ / "./bin/get-token").string());
  EXPECT_FALSE(config->exec->provideClusterInfo);
}

TEST_F(KubeConfigTest, BadExecStanzasAreConfigErrors) {
  const std::string head =
      "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
      "clusters: [{name: c, cluster: {server: s}}]\nusers: [{name: u, user: ";
  const std::map<std::string, std::string> cases = {
      {"{exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}",
       "is not client.authentication.k8s.io/v1 or v1beta1"},
      {"{exec: {command: x}}", "is not client.authentication.k8s.io/v1 or v1beta1"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1}}", "user.exec.command is required"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: "
       "Always}}",
       "needs a terminal"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: "
       "Sometimes}}",
       "is not Never or IfAvailable"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, args: a}}",
       "user.exec.args must be a list"},
      {"{exec: {apiVersion: client.authentication.k8s.io/v1, command: x, env: [{value: v}]}}",
       "user.exec.env: an entry has no valid name"},
      {"{token: t, exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}",
       "both a token and an exec plugin"},
      {"{exec: [x]}", "user.exec must be a map"},
  };
  for (const auto& [user, expected] : cases) {
    auto config = loadKubeconfig(write("config", head + user + "}]\n"));
    ASSERT_FALSE(config) << user;
    EXPECT_EQ(config.error().kind, ErrorKind::kConfig) << user;
    EXPECT_NE(config.error().message.find(expected), std::string::npos)
        << user << " -> " << config.error().message;
  }
}

TEST_F(KubeConfigTest, BadInputsAreConfigErrors) {
  const std::map<std::string, std::string> cases = {
      {"no current context", "contexts: []\n"},
      {"unknown context", "current-context: x\ncontexts: []\n"},
      {"no cluster", "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\n"},
      {"no server",
       "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\nclusters:\n- {name: "
       "c, cluster: {}}\n"},
      {"bad base64",
       "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\nclusters:\n- {name: "
       "c, cluster: {server: s, certificate-authority-data: '@@@'}}\n"},
      {"missing CA file",
       "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\nclusters:\n- {name: "
       "c, cluster: {server: s, certificate-authority: /nonexistent/ca}}\n"},
      {"cert without key",
       "current-context: a\ncontexts:\n- {name: a, context: {cluster: c, user: u}}\nclusters:\n- "
       "{name: c, cluster: {server: s}}\nusers:\n- {name: u, user: {client-certificate-data: "
       "Y2VydA==}}\n"},
      {"not YAML", "current-context: [unclosed\n"},
  };
  for (const auto& [name, text] : cases) {
    auto config = loadKubeconfig(write("config", text));
    ASSERT_FALSE(config) << name;
    EXPECT_EQ(config.error().kind, ErrorKind::kConfig) << name;
  }
  EXPECT_FALSE(loadKubeconfig(dir_ / "absent"));
}

TEST_F(KubeConfigTest, InClusterReadsServiceAccount) {
  write("token", "sa-token");
  write("ca.crt", "SA-CA");
  write("namespace", "plugins\n");
  std::map<std::string, std::string> vars = {{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                                             {"KUBERNETES_SERVICE_PORT", "443"}};
  EnvLookup env = [&vars](const std::string& name) -> std::optional<std::string> {
    auto found = vars.find(name);
    if (found == vars.end()) return std::nullopt;
    return found->second;
  };
  auto config = inClusterConfig(env, dir_);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->bearerTokenFile, dir_ / "token");
  EXPECT_EQ(config->caPem, "SA-CA");
  EXPECT_EQ(config->defaultNamespace, "plugins");

  vars.erase("KUBERNETES_SERVICE_PORT");
  EXPECT_FALSE(inClusterConfig(env, dir_));
  vars["KUBERNETES_SERVICE_PORT"] = "443";
  fs::remove(dir_ / "token");
  EXPECT_FALSE(inClusterConfig(env, dir_));
}

TEST_F(KubeConfigTest, LoadClientConfigPrefersExplicitThenEnvironment) {
  const auto path = write("config",
                          "current-context: a\ncontexts:\n- {name: a, context: {cluster: c}}\n"
                          "clusters:\n- {name: c, cluster: {server: 'https://from-file:1'}}\n");
  EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBECONFIG") return path.string() + ":/other";
    return std::nullopt;
  };
  auto viaEnv = loadClientConfig("", env);
  ASSERT_TRUE(viaEnv) << viaEnv.error().describe();
  EXPECT_EQ(viaEnv->server, "https://from-file:1");
  EXPECT_FALSE(loadClientConfig((dir_ / "absent").string(), env));
  EnvLookup empty = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_FALSE(loadClientConfig("", empty));  // not in a cluster either
}

}  // namespace
}  // namespace ps::kube
