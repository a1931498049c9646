#include "launcher/network_isolation.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "sandbox/unique_fd.h"

namespace ps::launcher {
namespace {

constexpr auto kRetryEvery = std::chrono::milliseconds(100);

enum class Attempt { kConnected, kFailed, kUnusableAddress };

// One non-blocking connect, bounded by `timeout`; a timeout is a failure (a dropped SYN).
Attempt connectOnce(const ServiceAddress& probe, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(probe.host.c_str(), probe.port.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return Attempt::kUnusableAddress;
  }
  sandbox::UniqueFd fd(
      socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  Attempt result = Attempt::kFailed;
  if (fd) {
    int rc = connect(fd.get(), found->ai_addr, found->ai_addrlen);
    if (rc == 0) {
      result = Attempt::kConnected;
    } else if (errno == EINPROGRESS) {
      pollfd wait{fd.get(), POLLOUT, 0};
      int ready;
      do {
        ready = poll(&wait, 1, static_cast<int>(timeout.count()));
      } while (ready < 0 && errno == EINTR);
      int error = 0;
      socklen_t length = sizeof error;
      if (ready > 0 && getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
          error == 0) {
        result = Attempt::kConnected;
      }
    }
  }
  freeaddrinfo(found);
  return result;
}

std::string seconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count() / 1000) + "." +
         std::to_string(duration.count() % 1000 / 100) + " s";
}

}  // namespace

std::optional<ServiceAddress> kubernetesServiceFromEnvironment() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') return std::nullopt;
  return ServiceAddress{host, port};
}

core::Status awaitNetworkIsolation(const IsolationCheck& check) {
  const std::string target = check.probe.host + ":" + check.probe.port;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + check.wait;
  for (;;) {
    switch (connectOnce(check.probe, check.attemptTimeout)) {
      case Attempt::kFailed:
        return core::succeeded();
      case Attempt::kUnusableAddress:
        return core::failed(
            "no network: cannot check that the deny-all NetworkPolicy is in effect: " + target +
            " is not a numeric address");
      case Attempt::kConnected:
        break;
    }
    if (std::chrono::steady_clock::now() + kRetryEvery > deadline) break;
    std::this_thread::sleep_for(kRetryEvery);
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return core::failed(
      "no network: the deny-all NetworkPolicy is not in effect for this Pod after " +
      seconds(waited) + " (a connection to the API server's Service " + target +
      " still succeeds); the cluster's network plugin must enforce NetworkPolicy, "
      "or the controller's --network-isolation-wait=0 turns this check off");
}

}  // namespace ps::launcher
