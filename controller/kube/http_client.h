#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/kube_error.h"
#include "kube/stop_signal.h"

namespace ps::kube {

// The project's own small HTTP interface. The Kubernetes client speaks only to this, so the
// transport (cpprestsdk today) can change without touching anything above it.
struct HttpRequest {
  std::string method = "GET";
  std::string path;  // path and query, relative to the server, e.g. "/api/v1/namespaces"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Inactivity timeout; zero means the transport's default.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// Receives response body data as it arrives. Returning false stops the stream.
using ChunkHandler = std::function<bool(std::string_view chunk)>;

// Calls block the calling thread, which must be one of ours: never call from a transport pool
// thread (with cpprestsdk that would deadlock the PPLX pool).
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends one request and returns the whole response (any status), or a transport error.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;

  // Sends a request whose 2xx body is delivered to `onChunk` as it arrives, until the server
  // ends it, `onChunk` returns false, or `stop` fires (then the result is kCancelled). The
  // returned response has the status and headers; its body is filled only for non-2xx answers.
  virtual Result<HttpResponse> stream(const HttpRequest& request, const ChunkHandler& onChunk,
                                      StopSignal& stop) = 0;
};

using HttpClientPtr = std::unique_ptr<HttpClient>;

}  // namespace ps::kube
