#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube/http_client.h"

namespace ps::kube::testing {

// An in-process transport for unit tests of the client's parsing, watch state machine and
// backoff. Replies are scripted per (method, path prefix) and consumed in order. It is not an
// API server: integration tests use the real one.
class FakeHttpClient final : public HttpClient {
 public:
  struct Reply {
    Reply(int code = 200, std::string text = "", std::vector<std::string> parts = {},
          bool hold = false, std::optional<KubeError> failure = std::nullopt)
        : status(code),
          body(std::move(text)),
          chunks(std::move(parts)),
          holdOpen(hold),
          error(std::move(failure)) {}
    int status = 200;
    std::string body;                 // for send(), and for non-2xx stream answers
    std::vector<std::string> chunks;  // for stream(): delivered one by one
    bool holdOpen = false;            // stream(): after the chunks, wait until stopped
    std::optional<KubeError> error;   // a transport failure instead of a response
    // stream(): runs after the chunks (before holdOpen), so a test can send more when it wants.
    std::function<void(const ChunkHandler&, StopSignal&)> live;
  };

  void script(std::string method, std::string pathPrefix, Reply reply);
  std::vector<HttpRequest> requests() const;
  // Requests whose path starts with `prefix`.
  std::vector<HttpRequest> requestsTo(const std::string& prefix) const;
  // Blocks until `count` requests with `prefix` arrived or `timeout` passed.
  bool waitForRequests(const std::string& prefix, std::size_t count,
                       std::chrono::milliseconds timeout) const;

  Result<HttpResponse> send(const HttpRequest& request) override;
  Result<HttpResponse> stream(const HttpRequest& request, const ChunkHandler& onChunk,
                              StopSignal& stop) override;

 private:
  struct Scripted {
    std::string method;
    std::string pathPrefix;
    Reply reply;
  };
  std::optional<Reply> take(const HttpRequest& request);

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::deque<Scripted> script_;        // guarded by mutex_
  std::vector<HttpRequest> requests_;  // guarded by mutex_
};

}  // namespace ps::kube::testing
