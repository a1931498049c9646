#include "stalling_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ps::kube::integration {
namespace {

constexpr int kPollMillis = 50;

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

bool writeAll(int fd, const char* data, ssize_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, static_cast<size_t>(size), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

}  // namespace

StallingProxy::StallingProxy(int upstreamPort) : upstreamPort_(upstreamPort) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (listenFd_ < 0 || ::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listenFd_, 64) != 0 ||
      ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listenFd_ >= 0) ::close(listenFd_);
    listenFd_ = -1;
    return;
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

StallingProxy::~StallingProxy() {
  stopping_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  std::lock_guard lock(mutex_);
  for (auto& connection : connections_) {
    connection->thread.join();
    ::close(connection->client);
    ::close(connection->upstream);
  }
  if (listenFd_ >= 0) ::close(listenFd_);
}

int StallingProxy::stallOpenConnections() {
  std::lock_guard lock(mutex_);
  int stalled = 0;
  for (auto& connection : connections_) {
    if (connection->closed.load()) continue;
    connection->stalled.store(true);
    ++stalled;
  }
  return stalled;
}

void StallingProxy::acceptLoop() {
  while (!stopping_.load()) {
    pollfd ready{listenFd_, POLLIN, 0};
    if (::poll(&ready, 1, kPollMillis) <= 0) continue;
    const int client = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(upstreamPort_);
    if (upstream < 0 ||
        ::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(client);
      if (upstream >= 0) ::close(upstream);
      continue;
    }
    ++accepted_;
    auto connection = std::make_unique<Connection>();
    connection->client = client;
    connection->upstream = upstream;
    Connection& added = *connection;
    std::lock_guard lock(mutex_);
    connections_.push_back(std::move(connection));
    added.thread = std::thread([this, &added] { forward(added); });
  }
}

// Copies bytes both ways until either side closes. Once stalled it reads nothing more, so the
// server's bytes and its FIN stay in the kernel's buffers and the client hears silence.
void StallingProxy::forward(Connection& connection) {
  char buffer[16 * 1024];
  while (!stopping_.load()) {
    if (connection.stalled.load()) {
      ::usleep(kPollMillis * 1000);
      continue;
    }
    pollfd ready[2] = {{connection.client, POLLIN, 0}, {connection.upstream, POLLIN, 0}};
    if (::poll(ready, 2, kPollMillis) <= 0) continue;
    if (connection.stalled.load()) continue;
    for (int side = 0; side < 2; ++side) {
      if (!(ready[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = side == 0 ? connection.client : connection.upstream;
      const int to = side == 0 ? connection.upstream : connection.client;
      const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !writeAll(to, buffer, n)) {
        ::shutdown(connection.client, SHUT_RDWR);
        ::shutdown(connection.upstream, SHUT_RDWR);
        connection.closed.store(true);
        return;
      }
    }
  }
}

}  // namespace ps::kube::integration
