// Hostile plugins against the seccomp allowlist (issue 13 items 1, 6, 8): each call must fail
// with the errno the filter sets (EPERM for known-dangerous, ENOSYS for what is not listed), not
// some other failure, and what can be seen from the host is checked there. Root and, under
// ctest's sandbox_tests_unprivileged, uid 65534.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "sandbox_fixture.h"

namespace ps::sandbox {
namespace {

constexpr int kAfVsock = 40;

struct SockaddrVsock {  // <linux/vm_sockets.h> needs kernel headers' sockaddr layout
  sa_family_t family;
  unsigned short reserved;
  unsigned int port, cid;
  unsigned char zero[4];
};

// True when the host can bind `port` on vsock right now (nobody else holds it).
bool hostBindsVsock(unsigned port) {
  int fd = socket(kAfVsock, SOCK_STREAM, 0);
  if (fd < 0) return true;  // no vsock on this host: nothing can be taken
  SockaddrVsock address{kAfVsock, 0, port, 0xFFFFFFFFu, {}};
  bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  int err = errno;
  close(fd);
  return bound || err != EADDRINUSE;
}

std::map<std::string, std::string> resultsOf(const std::string& out) {
  std::map<std::string, std::string> results;
  std::istringstream lines(out);
  for (std::string name, value; lines >> name >> value;) results[name] = value;
  return results;
}

testing::PluginRun runEscapes(unsigned port) {
  std::ifstream in(testing::hostileDir() / "seccomp_escapes.py");
  std::stringstream source;
  source << in.rdbuf();
  testing::RunOptions options;
  options.args = {"ps-marker-seccomp", std::to_string(port)};
  return testing::runPlugin(source.str(), options);
}

class HostileSeccompTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    port_ = 20000 + random() % 20000;
    std::atomic<bool> done{false};
    std::atomic<bool> taken{false};
    // The host watches the port for the whole run: a plugin that bound it makes bind fail here.
    std::thread watch([&] {
      while (!done) {
        if (!hostBindsVsock(port_)) taken = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    run_ = runEscapes(port_);
    done = true;
    watch.join();
    portTaken_ = taken;
    results_ = resultsOf(run_.out);
    std::cerr << run_.out << run_.err << run_.result.setupError << "\n";
  }

  unsigned port_ = 0;
  bool portTaken_ = false;
  testing::PluginRun run_;
  std::map<std::string, std::string> results_;
};

TEST_F(HostileSeccompTest, VsockCannotBeCreatedAndTheHostKeepsItsPorts) {
  ASSERT_EQ(run_.result.outcome, SandboxOutcome::kExited) << run_.result.setupError;
  EXPECT_EQ(results_["vsock"], "EPERM") << "the kernel itself would create a vsock socket";
  EXPECT_FALSE(portTaken_) << "the plugin held vsock port " << port_ << " on the host";
  EXPECT_TRUE(hostBindsVsock(port_));
  EXPECT_EQ(run_.out.find("LEAK"), std::string::npos) << run_.out;
}

TEST_F(HostileSeccompTest, NetlinkIsRouteOnlySoHostUeventsStayOut) {
  EXPECT_EQ(results_["uevent"], "EPERM");
  EXPECT_EQ(results_["netlink_route"], "OK") << "the C library's interface queries need it";
}

TEST_F(HostileSeccompTest, InotifyAndFanotifyAreRefused) {
  EXPECT_EQ(results_["inotify"], "EPERM") << "host file activity through shared inodes";
  EXPECT_EQ(results_["fanotify"], "EPERM");
}

TEST_F(HostileSeccompTest, CallsNewerThanTheAllowlistFailClosed) {
  EXPECT_EQ(results_["open_tree_attr"], "ENOSYS");
  EXPECT_EQ(results_["listmount"], "ENOSYS");
  EXPECT_EQ(results_["statmount"], "ENOSYS");
  EXPECT_EQ(results_["mq_open"], "ENOSYS") << "the per-uid mqueue quota stays out of reach";
}

}  // namespace
}  // namespace ps::sandbox
