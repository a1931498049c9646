// The only file of observe/ that includes cpprestsdk.
#include <cpprest/http_listener.h>

#include "observe/http_server.h"

namespace ps::observe {
namespace {

namespace http = web::http;

class CpprestHttpServer final : public HttpServer {
 public:
  CpprestHttpServer(std::string listenUrl, Routes routes)
      : listenUrl_(std::move(listenUrl)), routes_(std::move(routes)) {}
  ~CpprestHttpServer() override { stop(); }

  core::Status start() override {
    try {
      listener_ =
          std::make_unique<http::experimental::listener::http_listener>(web::uri(listenUrl_));
      // Handlers are quick and never block on other tasks, so running them on the pool is safe.
      listener_->support([this](const http::http_request& request) { answer(request); });
      listener_->open().wait();  // our own thread, not a pool thread
      return core::succeeded();
    } catch (const std::exception& e) {
      listener_.reset();
      return core::failed("cannot listen on " + listenUrl_ + ": " + e.what());
    }
  }

  void stop() override {
    if (!listener_) return;
    try {
      listener_->close().wait();
    } catch (const std::exception&) {
      // Closing a listener that failed half-way: nothing left to release.
    }
    listener_.reset();
  }

 private:
  void answer(const http::http_request& request) const {
    const ServerRequest ours{request.method(), request.relative_uri().path()};
    const ServerResponse response = dispatchRoute(routes_, ours);
    http::http_response reply(static_cast<http::status_code>(response.status));
    reply.set_body(response.body, response.contentType);
    request.reply(reply);
  }

  const std::string listenUrl_;
  const Routes routes_;
  std::unique_ptr<http::experimental::listener::http_listener> listener_;
};

}  // namespace

HttpServerPtr makeCpprestHttpServer(const std::string& listenUrl, Routes routes) {
  return std::make_unique<CpprestHttpServer>(listenUrl, std::move(routes));
}

}  // namespace ps::observe
