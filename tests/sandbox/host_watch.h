#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace ps::sandbox::testing {

// The host side of a hostile-plugin test: loopback listeners that must receive nothing, a
// sentinel process that must survive, a planted secret (file, environment variable, inherited
// descriptor) that must not leak, and a scan for processes that outlive the run.
class HostWatch {
 public:
  HostWatch() {
    std::random_device random;
    token_ = "ps-secret-" + std::to_string(random()) + std::to_string(random());
    secretFile_ =
        std::filesystem::temp_directory_path() / ("ps-planted-" + std::to_string(random()));
    std::ofstream(secretFile_) << token_ << "\n";
    setenv("PS_TEST_SECRET", token_.c_str(), 1);
    secretFd_ = open(secretFile_.c_str(), O_RDONLY);  // deliberately inheritable
    tcp_ = listenOn(SOCK_STREAM, tcpPort_);
    udp_ = listenOn(SOCK_DGRAM, udpPort_);
    sentinel_ = fork();
    if (sentinel_ == 0) {
      for (;;) pause();
    }
  }
  ~HostWatch() {
    kill(sentinel_, SIGKILL);
    waitpid(sentinel_, nullptr, 0);
    for (int fd : {secretFd_, tcp_, udp_}) close(fd);
    unsetenv("PS_TEST_SECRET");
    std::filesystem::remove(secretFile_);
  }
  HostWatch(const HostWatch&) = delete;
  HostWatch& operator=(const HostWatch&) = delete;

  const std::string& token() const { return token_; }
  std::string secretFile() const { return secretFile_.string(); }
  int tcpPort() const { return tcpPort_; }
  int udpPort() const { return udpPort_; }
  pid_t sentinel() const { return sentinel_; }

  bool sentinelAlive() const { return waitpid(sentinel_, nullptr, WNOHANG) == 0; }
  bool tcpReceivedNothing() const {
    int conn = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0) close(conn);
    return conn < 0;
  }
  bool udpReceivedNothing() const {
    char byte;
    return recv(udp_, &byte, 1, MSG_DONTWAIT) < 0;
  }

  // Processes whose command line contains `marker` (the plugin's argument).
  static int processesWith(const std::string& marker) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      if (cmdlineOf(entry.path()).find(marker) != std::string::npos) ++count;
    }
    return count;
  }

  // A process may exit while we read it (ESRCH); ifstream throws on that, read() just stops.
  static std::string cmdlineOf(const std::filesystem::path& procDir) {
    std::string cmdline;
    const int fd = open((procDir / "cmdline").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cmdline;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0)
      cmdline.append(buffer, static_cast<size_t>(n));
    close(fd);
    return cmdline;
  }

 private:
  static int listenOn(int type, int& port) {
    int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (type == SOCK_STREAM) listen(fd, 4);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
  }

  std::string token_;
  std::filesystem::path secretFile_;
  int secretFd_ = -1, tcp_ = -1, udp_ = -1;
  int tcpPort_ = 0, udpPort_ = 0;
  pid_t sentinel_ = -1;
};

}  // namespace ps::sandbox::testing
