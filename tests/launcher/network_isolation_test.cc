#include "launcher/network_isolation.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace ps::launcher {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// A TCP listener on 127.0.0.1 standing in for the API server's Service: reachable means the Pod
// is not cut off yet. Connections wait in its backlog; nobody accepts them.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd_, 128) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = std::to_string(ntohs(address.sin_port));
  }
  ~Listener() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  ServiceAddress address() const { return {"127.0.0.1", port_}; }

 private:
  int fd_ = -1;
  std::string port_;
};

TEST(NetworkIsolationTest, ARefusedConnectionMeansIsolatedAndPassesAtOnce) {
  Listener gone;
  const ServiceAddress closed = gone.address();
  gone.close();  // nothing listens there now: the connection is refused, as an enforcer rejects it
  const auto start = steady_clock::now();
  EXPECT_TRUE(awaitNetworkIsolation({closed, 5s}));
  EXPECT_LT(steady_clock::now() - start, 1s);
}

TEST(NetworkIsolationTest, AReachableServiceKeepsThePluginFromStartingAndSaysWhy) {
  Listener apiServer;
  const auto start = steady_clock::now();
  const auto refused = awaitNetworkIsolation({apiServer.address(), 400ms});
  const auto waited = steady_clock::now() - start;
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("no network: the deny-all NetworkPolicy is not in effect"),
            std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("127.0.0.1:" + apiServer.address().port), std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("--network-isolation-wait=0"), std::string::npos)
      << refused.error();
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 3s);
}

// The policy arrives while the launcher waits (the listener goes away): the plugin may start.
TEST(NetworkIsolationTest, IsolationThatArrivesDuringTheWaitLetsThePluginStart) {
  Listener apiServer;
  const ServiceAddress address = apiServer.address();
  std::thread enforcer([&] {
    std::this_thread::sleep_for(300ms);
    apiServer.close();
  });
  const auto start = steady_clock::now();
  const auto refused = awaitNetworkIsolation({address, 10s});
  const auto waited = steady_clock::now() - start;
  enforcer.join();
  EXPECT_TRUE(refused) << refused.error();
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s);
}

TEST(NetworkIsolationTest, ANameInsteadOfAnAddressIsRefusedByName) {
  const auto refused = awaitNetworkIsolation({{"kubernetes.default", "443"}, 1s});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("kubernetes.default:443 is not a numeric address"),
            std::string::npos)
      << refused.error();
}

}  // namespace
}  // namespace ps::launcher
