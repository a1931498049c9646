#include "kube/exec_credential.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "kube/rfc3339.h"

namespace ps::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kV1 = "client.authentication.k8s.io/v1";
constexpr const char* kV1beta1 = "client.authentication.k8s.io/v1beta1";

std::chrono::system_clock::time_point at(const char* stamp) {
  return *parseRfc3339(stamp);
}

class ExecCredentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("exec-credential-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A plugin: a shell script with `body`, executable.
  std::string plugin(const std::string& body) {
    const fs::path path = dir_ / "plugin.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0755);
    return path.string();
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  ExecConfig config(const std::string& command) const {
    ExecConfig exec;
    exec.apiVersion = kV1;
    exec.command = command;
    return exec;
  }
  // A source whose wall clock the test moves.
  ExecCredentialSource source(ExecConfig exec) {
    return ExecCredentialSource(std::move(exec), ExecClusterInfo{"https://api:6443", "CA", false},
                                [this] { return now_; });
  }
  // Prints token t<N> for its N-th run (counted in a file), expiring at `expiry` when given.
  std::string countingPlugin(const std::string& expiry) {
    const std::string stamp = expiry.empty() ? "" : ",\"expirationTimestamp\":\"" + expiry + "\"";
    return plugin(
        "n=$(cat " + (dir_ / "runs").string() + " 2>/dev/null || echo 0)\n" +
        "n=$((n+1)); echo $n > " + (dir_ / "runs").string() + "\n" + "printf '{\"apiVersion\":\"" +
        kV1 + "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t%s\"" + stamp + "}}' $n\n");
  }
  std::string runs() const {
    std::string text = read("runs");
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  fs::path dir_;
  std::chrono::system_clock::time_point now_ = at("2029-06-01T00:00:00Z");
};

TEST(ParseExecCredentialTest, TokenCertificateAndExpiry) {
  auto parsed = parseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"abc","expirationTimestamp":"2030-01-01T00:00:00Z"}})",
      kV1);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->credentials.bearerToken, "abc");
  EXPECT_EQ(parsed->expiry, at("2030-01-01T00:00:00Z"));

  auto withCert = parseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
          "status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}})",
      kV1beta1);
  ASSERT_TRUE(withCert) << withCert.error().describe();
  EXPECT_EQ(withCert->credentials.clientCertPem, "CERT");
  EXPECT_EQ(withCert->credentials.clientKeyPem, "KEY");
  EXPECT_EQ(withCert->credentials.bearerToken, "");
  EXPECT_FALSE(withCert->expiry.has_value());
}

TEST(ParseExecCredentialTest, BadOutputsNameTheProblem) {
  const std::string head =
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"token abc", "stdout is not a JSON object"},
      {"[]", "stdout is not a JSON object"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"a"}})",
       "apiVersion is not client.authentication.k8s.io/v1"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Token","status":{"token":"a"}})",
       "kind is not ExecCredential"},
      {head + R"("spec":{}})", "no status"},
      {head + R"("status":{}})", "neither token nor clientCertificateData"},
      {head + R"("status":{"token":""}})", "neither token nor clientCertificateData"},
      {head + R"("status":{"clientCertificateData":"C"}})", "must come together"},
      {head + R"("status":{"token":"a","expirationTimestamp":"tomorrow"}})",
       "expirationTimestamp is not an RFC 3339 time"},
      {head + R"("status":{"token":"a","expirationTimestamp":5}})",
       "expirationTimestamp is not an RFC 3339 time"},
  };
  for (const auto& [text, expected] : cases) {
    auto parsed = parseExecCredential(text, kV1);
    ASSERT_FALSE(parsed) << text;
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos)
        << text << " -> " << parsed.error().message;
  }
}

TEST(ExecInfoTest, ClusterOnlyWhenProvideClusterInfo) {
  ExecConfig exec;
  exec.apiVersion = kV1;
  const ExecClusterInfo cluster{"https://api:6443", "PEM", true};
  const json plain = json::parse(execInfoJson(exec, cluster));
  EXPECT_EQ(plain, json::parse(R"({"apiVersion":"client.authentication.k8s.io/v1",
      "kind":"ExecCredential","spec":{"interactive":false}})"));
  exec.provideClusterInfo = true;
  const json withCluster = json::parse(execInfoJson(exec, cluster));
  EXPECT_EQ(withCluster["spec"]["cluster"],
            json::parse(R"({"server":"https://api:6443","certificate-authority-data":"UEVN",
                            "insecure-skip-tls-verify":true})"));
}

TEST_F(ExecCredentialTest, RunsTheCommandWithArgsEnvAndExecInfo) {
  ExecConfig exec = config(
      plugin("echo \"$KUBERNETES_EXEC_INFO\" > " + (dir_ / "info").string() + "\n" +
             "printf '{\"apiVersion\":\"" + kV1 +
             "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s-%s-%s\"}}' \"$1\" \"$2\" "
             "\"$REGION\"\n"));
  exec.args = {"get-token", "two words"};
  exec.env = {{"REGION", "eu-west-1"}, {"PATH", std::string(std::getenv("PATH"))}};
  exec.provideClusterInfo = true;
  auto tokens = source(exec);
  auto credentials = tokens.current();
  ASSERT_TRUE(credentials) << credentials.error().describe();
  EXPECT_EQ(credentials->bearerToken, "get-token-two words-eu-west-1");
  const json info = json::parse(read("info"), nullptr, false);
  EXPECT_EQ(info.value("kind", ""), "ExecCredential") << read("info");
  EXPECT_EQ(info.value("apiVersion", ""), kV1);
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://api:6443");
}

TEST_F(ExecCredentialTest, CachedUntilExpiryThenRunAgain) {
  auto tokens = source(config(countingPlugin("2029-06-01T00:10:00Z")));
  EXPECT_EQ(tokens.current()->bearerToken, "t1");
  now_ += 9min;
  EXPECT_EQ(tokens.current()->bearerToken, "t1");
  EXPECT_EQ(runs(), "1") << "a fresh token is cached, not fetched per request";
  now_ += 1min;  // at the expiry: expired
  EXPECT_EQ(tokens.current()->bearerToken, "t2");
  EXPECT_EQ(runs(), "2");
}

TEST_F(ExecCredentialTest, WithoutExpiryCachedUntilA401) {
  auto tokens = source(config(countingPlugin("")));
  const Credentials first = *tokens.current();
  now_ += std::chrono::hours(24 * 365);
  EXPECT_EQ(tokens.current()->bearerToken, "t1");
  EXPECT_TRUE(tokens.renewAfterUnauthorized(first));
  EXPECT_EQ(tokens.current()->bearerToken, "t2");
  EXPECT_EQ(runs(), "2");
  // A 401 to a request made with credentials already replaced: retry with the new ones, no run.
  EXPECT_TRUE(tokens.renewAfterUnauthorized(first));
  EXPECT_EQ(runs(), "2");
}

TEST_F(ExecCredentialTest, A401ThatGetsTheSameTokenIsNotRetried) {
  auto tokens = source(config(plugin(std::string("printf '{\"apiVersion\":\"") + kV1 +
                                     "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":"
                                     "\"same\"}}'\n")));
  const Credentials used = *tokens.current();
  EXPECT_FALSE(tokens.renewAfterUnauthorized(used));
}

TEST_F(ExecCredentialTest, FailingPluginGivesOneLineWithCommandAndStderr) {
  const std::string command = plugin(
      "echo 'error: SSO session expired, run aws sso login' >&2\necho 'details' >&2\nexit 3\n");
  auto tokens = source(config(command));
  auto credentials = tokens.current();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().message, "exec credential plugin \"" + command +
                                             "\": exit 3: error: SSO session expired, run aws "
                                             "sso login");
  EXPECT_EQ(credentials.error().kind, ErrorKind::kTransport);
  EXPECT_FALSE(tokens.renewAfterUnauthorized(Credentials{"old", "", ""}));
}

TEST_F(ExecCredentialTest, BadJsonIsAnError) {
  const std::string command = plugin("echo 'Token: abc'\n");
  auto credentials = source(config(command)).current();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().message,
            "exec credential plugin \"" + command + "\": stdout is not a JSON object");
}

TEST_F(ExecCredentialTest, MissingCommandNamesItAndTheInstallHint) {
  ExecConfig exec = config("no-such-credential-plugin-x");
  exec.installHint = "install it with apt";
  auto credentials = source(exec).current();
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.error().message.find("\"no-such-credential-plugin-x\""), std::string::npos)
      << credentials.error().message;
  EXPECT_NE(credentials.error().message.find("(install it with apt)"), std::string::npos)
      << credentials.error().message;
}

bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  return text.empty() || (close != std::string::npos && text.substr(close + 2, 1) == "Z");
}

TEST_F(ExecCredentialTest, HangingPluginIsKilledWithItsChildrenAtTheTimeout) {
  ExecConfig exec =
      config(plugin("sleep 300 &\necho $! > " + (dir_ / "child").string() + "\nwait\n"));
  exec.timeout = 2s;
  auto credentials = source(exec).current();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().message,
            "exec credential plugin \"" + exec.command + "\": did not finish within 2 s");
  const pid_t child = std::stoi(read("child"));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!gone(child) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(gone(child)) << "the plugin's background child " << child << " survived";
  if (!gone(child)) ::kill(child, SIGKILL);
}

}  // namespace
}  // namespace ps::kube
