// The cpprestsdk transport against a small loopback HTTP server of the test's own that accepts
// one bearer token at a time: a refused (401) token is renewed (token file re-read, exec plugin
// re-run) and the request sent once more.
#include "kube/cpprest_http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "loopback_listener.h"

namespace ps::kube {
namespace {

namespace fs = std::filesystem;

// Answers every request 200 when its bearer token is the accepted one, else 401; remembers the
// tokens it saw. One request per connection.
class TokenCheckingServer {
 public:
  TokenCheckingServer() {
    const auto listener = testing::listenOnLoopback();
    listener_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { serve(); });
  }
  ~TokenCheckingServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void accept(std::string token) {
    std::lock_guard lock(mutex_);
    accepted_ = std::move(token);
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void serve() {
    while (!stopping_) {
      const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) return;
      answer(connection);
      ::close(connection);
    }
  }
  void answer(int connection) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(connection, buffer, sizeof buffer);
      if (n <= 0) return;
      request.append(buffer, static_cast<size_t>(n));
    }
    std::string token;
    if (const auto at = request.find("Bearer "); at != std::string::npos)
      token = request.substr(at + 7, request.find("\r\n", at) - at - 7);
    bool ok = false;
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(token);
      ok = token == accepted_;
    }
    const std::string body =
        ok ? R"({"kind":"Namespace"})" : R"({"kind":"Status","reason":"Unauthorized","code":401})";
    const std::string response =
        std::string("HTTP/1.1 ") + (ok ? "200 OK" : "401 Unauthorized") +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    (void)::write(connection, response.data(), response.size());
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::string accepted_;           // guarded by mutex_
  std::vector<std::string> seen_;  // guarded by mutex_
};

class CpprestHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cpprest-client-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  int get(HttpClient& client) {
    HttpRequest request;
    request.path = "/api/v1/namespaces/default";
    auto response = client.send(request);
    EXPECT_TRUE(response) << response.error().describe();
    return response ? response->status : 0;
  }
  // An exec plugin printing token t<N> on its N-th run.
  ExecConfig countingPlugin() {
    const fs::path script = dir_ / "plugin.sh";
    const std::string runs = (dir_ / "runs").string();
    std::ofstream(script) << "#!/bin/sh\nn=$(cat " << runs
                          << " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " << runs
                          << "\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                          << "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t%s\"}}' $n\n";
    ::chmod(script.c_str(), 0755);
    ExecConfig exec;
    exec.apiVersion = "client.authentication.k8s.io/v1beta1";
    exec.command = script.string();
    return exec;
  }

  fs::path dir_;
  TokenCheckingServer server_;
};

TEST_F(CpprestHttpClientTest, RotatedTokenFileIsReadAtOnceAfterA401AndTheRequestRetried) {
  write("token", "old\n");
  server_.accept("old");
  ClientConfig config;
  config.server = server_.url();
  config.bearerTokenFile = dir_ / "token";
  HttpClientPtr client = makeCpprestHttpClient(config);
  EXPECT_EQ(get(*client), 200);
  // The old token stops working and the file gets a new one, well within the minute between
  // periodic re-reads.
  server_.accept("new");
  write("token", "new\n");
  EXPECT_EQ(get(*client), 200);
  EXPECT_EQ(server_.seen(), (std::vector<std::string>{"old", "old", "new"}));
  EXPECT_EQ(get(*client), 200);
  EXPECT_EQ(server_.seen().back(), "new");
}

TEST_F(CpprestHttpClientTest, A401WithAnUnchangedTokenIsReturnedWithoutRetry) {
  write("token", "old");
  server_.accept("other");
  ClientConfig config;
  config.server = server_.url();
  config.bearerTokenFile = dir_ / "token";
  HttpClientPtr client = makeCpprestHttpClient(config);
  EXPECT_EQ(get(*client), 401);
  EXPECT_EQ(server_.seen(), (std::vector<std::string>{"old"}));
}

TEST_F(CpprestHttpClientTest, ExecPluginRunsOnceAndAgainAfterA401) {
  server_.accept("t1");
  ClientConfig config;
  config.server = server_.url();
  config.exec = countingPlugin();
  HttpClientPtr client = makeCpprestHttpClient(config);
  EXPECT_EQ(get(*client), 200);
  EXPECT_EQ(get(*client), 200);
  server_.accept("t2");  // t1 revoked
  EXPECT_EQ(get(*client), 200);
  EXPECT_EQ(server_.seen(), (std::vector<std::string>{"t1", "t1", "t1", "t2"}));
}

TEST_F(CpprestHttpClientTest, FailingExecPluginFailsTheRequestBeforeItIsSent) {
  const fs::path script = dir_ / "broken.sh";
  std::ofstream(script) << "#!/bin/sh\necho 'no credentials configured' >&2\nexit 1\n";
  ::chmod(script.c_str(), 0755);
  ClientConfig config;
  config.server = server_.url();
  config.exec = ExecConfig{"client.authentication.k8s.io/v1", script.string(), {}, {}, false, ""};
  HttpClientPtr client = makeCpprestHttpClient(config);
  HttpRequest request;
  request.path = "/api";
  auto response = client->send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(response.error().message, "exec credential plugin \"" + script.string() +
                                          "\": exit 1: no credentials configured");
  EXPECT_TRUE(server_.seen().empty());
}

}  // namespace
}  // namespace ps::kube
