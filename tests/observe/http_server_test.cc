#include "observe/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kube/cpprest_http_client.h"

namespace ps::observe {
namespace {

TEST(BindAddressTest, ControllerRuntimeForms) {
  EXPECT_EQ(listenUrlFromBindAddress(":8080"), "http://0.0.0.0:8080");
  EXPECT_EQ(listenUrlFromBindAddress("127.0.0.1:9440"), "http://127.0.0.1:9440");
  EXPECT_EQ(listenUrlFromBindAddress("[::1]:9440"), "http://[::1]:9440");
  for (const char* bad : {"", "0", "8080", ":", ":0", ":65536", ":80x", "::1:80", "host:-1"})
    EXPECT_EQ(listenUrlFromBindAddress(bad), std::nullopt) << bad;
}

// A port that was free a moment ago (cpprestsdk's listener cannot report a port-0 binding).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

TEST(CpprestHttpServerTest, ServesRoutesOverRealHttp) {
  Routes routes;
  routes["/healthz"] = [](const ServerRequest&) {
    return ServerResponse{200, "text/plain", "ok\n"};
  };
  // The listener takes a URL, not port 0: another test may grab a probed free port before
  // we bind it, so probe again a few times rather than fail on that race.
  std::string url;
  HttpServerPtr server;
  core::Status started = core::failed("not started");
  for (int attempt = 0; attempt < 5 && !started; ++attempt) {
    url = "http://127.0.0.1:" + std::to_string(freePort());
    server = makeCpprestHttpServer(url, routes);
    started = server->start();
  }
  ASSERT_TRUE(started) << started.error();

  kube::ClientConfig config;
  config.server = url;
  auto client = kube::makeCpprestHttpClient(config);
  kube::HttpRequest request;
  request.path = "/healthz";
  auto healthy = client->send(request);
  ASSERT_TRUE(healthy) << healthy.error().describe();
  EXPECT_EQ(healthy->status, 200);
  EXPECT_EQ(healthy->body, "ok\n");
  request.path = "/nothing?x=1";
  auto missing = client->send(request);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto clash = makeCpprestHttpServer(url, routes);
  const core::Status refused = clash->start();
  ASSERT_FALSE(refused) << "a taken address is reported, not thrown";
  EXPECT_NE(refused.error().find("cannot listen on " + url), std::string::npos) << refused.error();
  server->stop();
}

}  // namespace
}  // namespace ps::observe
