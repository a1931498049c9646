#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ps::kube::integration {

// A loopback TCP proxy in front of the API server that can make the connections open right now
// go silent without closing them: no bytes either way, no FIN, no RST (a wedged middlebox, a peer
// that vanished). TLS passes through untouched. Connections accepted later forward normally.
class StallingProxy {
 public:
  explicit StallingProxy(int upstreamPort);  // listens on 127.0.0.1, a port the kernel picks
  StallingProxy(const StallingProxy&) = delete;
  StallingProxy& operator=(const StallingProxy&) = delete;
  ~StallingProxy();

  int port() const { return port_; }
  bool listening() const { return listenFd_ >= 0; }
  // Stalls every open connection; returns how many there were.
  int stallOpenConnections();
  int accepted() const { return accepted_.load(); }

 private:
  struct Connection {
    int client = -1;
    int upstream = -1;
    std::atomic<bool> stalled{false};
    std::atomic<bool> closed{false};
    std::thread thread;
  };
  void acceptLoop();
  void forward(Connection& connection);

  const int upstreamPort_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> connections_;  // guarded by mutex_
  std::thread acceptor_;
};

}  // namespace ps::kube::integration
