#include "observe/http_server.h"

#include <charconv>

namespace ps::observe {

ServerResponse dispatchRoute(const Routes& routes, const ServerRequest& request) {
  const auto found = routes.find(request.path);
  if (found == routes.end()) return {404, "text/plain; charset=utf-8", "not found\n"};
  if (request.method != "GET" && request.method != "HEAD")
    return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  return found->second(request);
}

std::optional<std::string> listenUrlFromBindAddress(const std::string& bindAddress) {
  if (bindAddress.empty() || bindAddress == "0") return std::nullopt;
  const auto colon = bindAddress.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = bindAddress.substr(0, colon);
  const std::string port = bindAddress.substr(colon + 1);
  int number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (error != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535)
    return std::nullopt;
  if (host.empty()) host = "0.0.0.0";
  if (host.find(':') != std::string::npos && host.front() != '[') return std::nullopt;
  return "http://" + host + ":" + port;
}

}  // namespace ps::observe
