#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

// A listening TCP socket on 127.0.0.1 at a port the kernel picks, for the tests' in-process
// servers (the network rule: tests talk to loopback only).
namespace ps::kube::testing {

struct LoopbackListener {
  int fd = -1;
  int port = 0;
};

inline LoopbackListener listenOnLoopback(int backlog = 16) {
  LoopbackListener listener;
  listener.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listener.fd, backlog);
  socklen_t size = sizeof address;
  ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &size);
  listener.port = ntohs(address.sin_port);
  return listener;
}

}  // namespace ps::kube::testing
