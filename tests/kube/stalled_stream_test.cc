// A watch stream that stalls without closing, over the real cpprestsdk transport: a loopback HTTP
// server of the test's own answers lists, and its first watch sends one event and then nothing
// while keeping the connection open. Cancelling such a stream must return at once and the next
// request must get a fresh connection, not an idle pooled one that may be as dead (the transport
// part); the Watcher must notice the silence after timeoutSeconds + stallMargin and resume from
// the event's version (the watcher part). The same against the real API server, through a
// stalling proxy: tests/integration/kube.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kube/cpprest_http_client.h"
#include "kube/resource.h"
#include "kube/watcher.h"
#include "loopback_listener.h"

namespace ps::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

std::string watchEvent(const std::string& name, int rv) {
  return R"({"type":"ADDED","object":{"metadata":{"name":")" + name +
         R"(","namespace":"ns","resourceVersion":")" + std::to_string(rv) +
         R"("}}})"
         "\n";
}

// Lists answer with an empty list at version 10. Watch number N (from 1) sends the N-th scripted
// event as one chunk and then holds the connection open, silent, until the server is destroyed.
class SilentWatchServer {
 public:
  explicit SilentWatchServer(std::vector<std::string> events) : events_(std::move(events)) {
    const auto listener = testing::listenOnLoopback();
    listener_ = listener.fd;
    port_ = listener.port;
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~SilentWatchServer() {
    stopping_ = true;
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& thread : connections_) thread.join();
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int watches() const { return watches_.load(); }
  int connections() const { return accepted_.load(); }
  // Whether the client closed the connection of watch `n` (1-based).
  bool watchClosedByClient(int n) const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(closed_.size()) >= n && closed_[static_cast<size_t>(n - 1)];
  }

 private:
  void acceptLoop() {
    while (!stopping_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      ++accepted_;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, connection] {
        serve(connection);
        ::close(connection);
      });
    }
  }
  void serve(int connection) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(connection, buffer, sizeof buffer);
      if (n <= 0) return;
      request.append(buffer, static_cast<size_t>(n));
    }
    if (request.find("watch=true") == std::string::npos) {
      const std::string body = R"({"metadata":{"resourceVersion":"10"},"items":[]})";
      send(connection, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
      return;
    }
    const int n = ++watches_;
    const std::string event =
        n <= static_cast<int>(events_.size()) ? events_[static_cast<size_t>(n - 1)] : "";
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (!event.empty()) {
      std::ostringstream chunk;
      chunk << std::hex << event.size() << "\r\n" << event << "\r\n";
      head += chunk.str();
    }
    send(connection, head);
    // Silent from here on; a read of 0 bytes means the client gave up on the connection.
    bool closed = false;
    while (!stopping_ && !closed) {
      pollfd ready{connection, POLLIN, 0};
      if (::poll(&ready, 1, 20) > 0) closed = ::read(connection, buffer, sizeof buffer) <= 0;
    }
    std::lock_guard lock(mutex_);
    if (closed_.size() < static_cast<size_t>(n)) closed_.resize(static_cast<size_t>(n));
    closed_[static_cast<size_t>(n - 1)] = closed;
  }
  static void send(int connection, const std::string& text) {
    (void)::send(connection, text.data(), text.size(), MSG_NOSIGNAL);
  }

  const std::vector<std::string> events_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> watches_{0};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::thread> connections_;  // guarded by mutex_
  std::vector<bool> closed_;              // guarded by mutex_
  std::thread acceptor_;
};

bool waitUntil(const std::function<bool()>& condition, Steady::duration timeout) {
  const auto deadline = Steady::now() + timeout;
  while (!condition()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

TEST(StalledStreamTest, CancellingASilentStreamReturnsAtOnceAndTheNextRequestGetsANewConnection) {
  SilentWatchServer server({watchEvent("a", 11), watchEvent("b", 12)});
  ClientConfig config;
  config.server = server.url();
  HttpClientPtr client = makeCpprestHttpClient(config);
  HttpRequest request;
  request.path = "/api/v1/namespaces/ns/configmaps?watch=true";
  request.timeout = seconds(60);  // the transport's own inactivity timeout is out of the picture

  for (const std::string name : {"a", "b"}) {
    StopSignal stop;
    std::atomic<bool> got{false};
    Steady::time_point stoppedAt;
    std::thread stopper([&] {
      waitUntil([&] { return got.load(); }, seconds(5));
      std::this_thread::sleep_for(milliseconds(300));  // silent for a while, then cancelled
      stoppedAt = Steady::now();
      stop.stop();
    });
    auto result = client->stream(
        request,
        [&](std::string_view chunk) {
          got = chunk.find("\"name\":\"" + name + "\"") != std::string_view::npos;
          return true;
        },
        stop);
    const auto returnedAt = Steady::now();
    stopper.join();
    EXPECT_TRUE(got.load()) << name;
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error().kind, ErrorKind::kCancelled) << result.error().describe();
    EXPECT_LT(returnedAt - stoppedAt, seconds(2)) << "cancel must cut a silent stream at once";
  }
  EXPECT_EQ(server.connections(), 2) << "the cancelled connection must not be reused";
  EXPECT_TRUE(waitUntil([&] { return server.watchClosedByClient(1); }, seconds(5)))
      << "the client closes the stalled connection";
}

// Keep-alive HTTP: "?finish" answers one chunk and ends the response (the connection may be
// pooled), "?silent" answers one chunk and then nothing. A second request on a connection gets
// no answer at all: every pooled connection is dead, as behind a wedged middlebox.
class DeadPoolServer {
 public:
  DeadPoolServer() {
    const auto listener = testing::listenOnLoopback();
    listener_ = listener.fd;
    port_ = listener.port;
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~DeadPoolServer() {
    stopping_ = true;
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& thread : connections_) thread.join();
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  int reusedConnectionRequests() const { return reused_.load(); }

 private:
  void acceptLoop() {
    while (!stopping_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, connection] {
        serve(connection);
        ::close(connection);
      });
    }
  }
  // Reads one request head; false when the client closed or the server stops.
  bool readRequest(int connection, std::string& request) {
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd ready{connection, POLLIN, 0};
      if (stopping_) return false;
      if (::poll(&ready, 1, 20) <= 0) continue;
      const ssize_t n = ::read(connection, buffer, sizeof buffer);
      if (n <= 0) return false;
      request.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }
  void holdSilent(int connection) {
    char buffer[4096];
    while (!stopping_) {
      pollfd ready{connection, POLLIN, 0};
      if (::poll(&ready, 1, 20) > 0 && ::read(connection, buffer, sizeof buffer) <= 0) return;
    }
  }
  void serve(int connection) {
    std::string request;
    if (!readRequest(connection, request)) return;
    ++requests_;
    const std::string line = watchEvent("x", 11);
    std::ostringstream head;
    head << "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
         << "Transfer-Encoding: chunked\r\n\r\n"
         << std::hex << line.size() << "\r\n"
         << line << "\r\n";
    const bool finish = request.find("finish") != std::string::npos;
    if (finish) head << "0\r\n\r\n";
    const std::string text = head.str();
    (void)::send(connection, text.data(), text.size(), MSG_NOSIGNAL);
    if (finish) {
      std::string next;
      if (!readRequest(connection, next)) return;
      ++requests_;
      ++reused_;  // never answered
    }
    holdSilent(connection);
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> reused_{0};
  std::mutex mutex_;
  std::vector<std::thread> connections_;  // guarded by mutex_
  std::thread acceptor_;
};

// What one stream() brought: whether any chunk came, and the result.
struct Streamed {
  bool gotChunk = false;
  Result<HttpResponse> result = KubeError{ErrorKind::kTransport, 0, "", "not run"};
};

Streamed streamFor(HttpClient& client, const std::string& query, StopSignal& stop) {
  HttpRequest request;
  request.path = "/api/v1/namespaces/ns/configmaps?watch=true&" + query;
  request.timeout = seconds(60);
  Streamed streamed;
  streamed.result = client.stream(
      request,
      [&](std::string_view) {
        streamed.gotChunk = true;
        return true;
      },
      stop);
  return streamed;
}

TEST(StalledStreamTest, AfterACancelledStreamTheNextRequestDoesNotInheritAPooledConnection) {
  DeadPoolServer server;
  ClientConfig config;
  config.server = server.url();
  HttpClientPtr client = makeCpprestHttpClient(config);
  // A silent stream on one connection while a finished one leaves a second connection idle.
  StopSignal stalled;
  Streamed silent;
  std::thread silentThread([&] { silent = streamFor(*client, "silent", stalled); });
  ASSERT_TRUE(waitUntil([&] { return server.requests() == 1; }, seconds(5)));
  StopSignal never;
  const Streamed finished = streamFor(*client, "finish", never);
  ASSERT_TRUE(finished.result) << finished.result.error().describe();
  EXPECT_TRUE(finished.gotChunk);
  std::this_thread::sleep_for(milliseconds(200));  // the finished connection back in the pool
  stalled.stop();
  silentThread.join();
  ASSERT_FALSE(silent.result);
  EXPECT_EQ(silent.result.error().kind, ErrorKind::kCancelled);

  // The next stream must reach the server on a fresh connection and get its answer.
  StopSignal limit;
  std::thread timer([&] {
    limit.sleepFor(SteadyClock::instance(), seconds(3));
    limit.stop();
  });
  const Streamed next = streamFor(*client, "finish", limit);
  limit.stop();
  timer.join();
  EXPECT_TRUE(next.gotChunk) << "the request went to a dead pooled connection";
  EXPECT_TRUE(next.result) << next.result.error().describe();
  EXPECT_EQ(server.reusedConnectionRequests(), 0);
}

class RecordingSink final : public WatcherSink {
 public:
  void restarted(std::vector<nlohmann::json>&&) override { push("restarted"); }
  void applied(nlohmann::json&& object) override {
    push("applied " + object["metadata"].value("name", ""));
  }
  void deleted(nlohmann::json&&) override { push("deleted"); }
  void failed(const KubeError& error) override { push("failed " + error.message); }
  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  bool saw(const std::string& call) const {
    const auto all = calls();
    return std::find(all.begin(), all.end(), call) != all.end();
  }

 private:
  void push(std::string call) {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(call));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

TEST(StalledStreamTest, TheWatcherCutsASilentWatchAfterTimeoutPlusMarginAndResumes) {
  SilentWatchServer server({watchEvent("before", 11), watchEvent("after", 12)});
  ClientConfig config;
  config.server = server.url();
  ClientOptions clientOptions;
  clientOptions.qps = 0;
  KubeClient client(makeCpprestHttpClient(config), clientOptions);
  WatcherOptions options;
  options.minWatchSeconds = 1;
  options.maxWatchSeconds = 1;
  options.stallMargin = seconds(1);  // silent for 2 s is a stall; the transport waits 61 s
  Watcher watcher(client, configMapsResource(), "ns", options, SteadyClock::instance());
  RecordingSink sink;
  StopSignal stop;
  std::thread runner([&] { watcher.run(sink, stop); });
  ASSERT_TRUE(waitUntil([&] { return sink.saw("applied before"); }, seconds(10)));
  const auto quietFrom = Steady::now();
  const bool resumed = waitUntil([&] { return sink.saw("applied after"); }, seconds(10));
  const auto took = Steady::now() - quietFrom;
  stop.stop();
  runner.join();
  ASSERT_TRUE(resumed) << ::testing::PrintToString(sink.calls());
  EXPECT_GE(took, milliseconds(1500)) << "cut before the stated silence of 2 s";
  EXPECT_EQ(sink.calls(),
            (std::vector<std::string>{"restarted", "applied before",
                                      "failed watch stalled: no bytes for 2 s (its timeoutSeconds "
                                      "plus the stall margin); reconnecting",
                                      "applied after"}));
  EXPECT_EQ(server.watches(), 2);
}

}  // namespace
}  // namespace ps::kube
