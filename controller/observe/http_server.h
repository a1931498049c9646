#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/expected.h"

namespace ps::observe {

// The project's own small HTTP listener interface, for /metrics and the probes.
struct ServerRequest {
  std::string method;
  std::string path;  // without the query
};

struct ServerResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

using RouteHandler = std::function<ServerResponse(const ServerRequest&)>;
using Routes = std::map<std::string, RouteHandler>;  // exact path -> handler; others get 404

// Answers a request from a route table (used by every listener implementation).
ServerResponse dispatchRoute(const Routes& routes, const ServerRequest& request);

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Starts listening, or fails saying why (address in use, bad address).
  virtual core::Status start() = 0;
  virtual void stop() = 0;
};

using HttpServerPtr = std::unique_ptr<HttpServer>;

// Parses controller-runtime style bind addresses: ":8080", "127.0.0.1:8080", "[::1]:8080".
// Empty optional for "0" (disabled) or a malformed address.
std::optional<std::string> listenUrlFromBindAddress(const std::string& bindAddress);

// The one listener implementation, over cpprestsdk's http_listener (fine for probes and metrics).
HttpServerPtr makeCpprestHttpServer(const std::string& listenUrl, Routes routes);

}  // namespace ps::observe
