// Two electors on one real Lease: one leader at a time, takeover after the leader stops renewing
// (within the lease time), immediate handover on release.
#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>

#include "kube_client_fixture.h"

namespace ps::kube::integration {
namespace {

using ps::testing::cluster;
using ps::testing::waitFor;
using namespace std::chrono_literals;

LeaderElectionConfig shortLease(const std::string& ns, const std::string& identity, bool release) {
  LeaderElectionConfig config;
  config.leaseNamespace = ns;
  config.leaseName = "plugin-controller";
  config.identity = identity;
  // Scaled down from 15 s / 10 s / 2 s to keep the test short; the same ratios.
  config.leaseDuration = 3s;
  config.renewDeadline = 2s;
  config.retryPeriod = 400ms;
  config.releaseOnStop = release;
  return config;
}

struct Candidate {
  Candidate(KubeClient& client, LeaderElectionConfig config)
      : elector(client, std::move(config),
                {[this] { leading = true; }, [this] { leading = false; },
                 [this](const std::string& identity) {
                   (void)elector.isLeader();  // callbacks may query the elector
                   std::lock_guard lock(mutex);
                   othersSeen.push_back(identity);
                 }}) {}
  void start() {
    thread = std::thread([this] { elector.run(stop); });
  }
  void halt() {
    stop.stop();
    if (thread.joinable()) thread.join();
  }
  ~Candidate() { halt(); }
  LeaderElector elector;
  StopSignal stop;
  std::atomic<bool> leading{false};
  std::mutex mutex;
  std::vector<std::string> othersSeen;  // guarded by mutex
  std::thread thread;
};

// Samples both candidates until stopped and counts moments where both believed they lead.
class OverlapMonitor {
 public:
  OverlapMonitor(const LeaderElector& a, const LeaderElector& b)
      : thread_([this, &a, &b] {
          while (!done_) {
            if (a.isLeader() && b.isLeader()) ++overlaps_;
            std::this_thread::sleep_for(5ms);
          }
        }) {}
  int finish() {
    done_ = true;
    thread_.join();
    return overlaps_;
  }

 private:
  std::atomic<bool> done_{false};
  std::atomic<int> overlaps_{0};
  std::thread thread_;
};

TEST(LeaderElectionIntegration, SecondTakesOverAfterFirstStopsRenewingNeverBoth) {
  auto client = adminClient(2s);
  ASSERT_TRUE(client);
  auto ns = cluster().uniqueNamespace("kube-lease");
  Candidate first(*client, shortLease(ns.name(), "first", /*release=*/false));
  Candidate second(*client, shortLease(ns.name(), "second", false));
  OverlapMonitor monitor(first.elector, second.elector);
  first.start();
  ASSERT_TRUE(waitFor([&] { return first.elector.isLeader(); }, 20s, "first to lead"));
  second.start();
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(second.elector.isLeader()) << "the lease is held and renewed";
  EXPECT_EQ(second.elector.observedLeader(), "first");
  {
    std::lock_guard lock(second.mutex);
    EXPECT_EQ(second.othersSeen, std::vector<std::string>{"first"});
  }

  const auto stoppedAt = std::chrono::steady_clock::now();
  first.halt();  // stops renewing without releasing, like a hung or partitioned replica
  ASSERT_TRUE(waitFor([&] { return second.elector.isLeader(); }, 20s, "second to take over"));
  const auto takeover = std::chrono::steady_clock::now() - stoppedAt;
  EXPECT_GE(takeover, 2s) << "must wait for the lease to expire";
  EXPECT_LE(takeover, 3s + 2 * 400ms + 1s) << "lease duration plus a retry or two";
  EXPECT_EQ(monitor.finish(), 0) << "two leaders at once";
  second.halt();
  EXPECT_FALSE(second.leading.load());

  const auto lease = client->get(leasesResource(), ns.name(), "plugin-controller");
  ASSERT_TRUE(lease);
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
}

TEST(LeaderElectionIntegration, ReleaseOnStopHandsOverImmediately) {
  auto client = adminClient(2s);
  ASSERT_TRUE(client);
  auto ns = cluster().uniqueNamespace("kube-release");
  auto config = shortLease(ns.name(), "first", /*release=*/true);
  config.leaseDuration = 15s;  // release must make the wait for expiry unnecessary
  config.renewDeadline = 10s;
  Candidate first(*client, config);
  config.identity = "second";
  Candidate second(*client, config);
  first.start();
  ASSERT_TRUE(waitFor([&] { return first.elector.isLeader(); }, 20s, "first to lead"));
  second.start();
  std::this_thread::sleep_for(1s);
  const auto stoppedAt = std::chrono::steady_clock::now();
  first.halt();
  EXPECT_FALSE(first.elector.isLeader());
  ASSERT_TRUE(waitFor([&] { return second.elector.isLeader(); }, 20s, "second to take over"));
  EXPECT_LT(std::chrono::steady_clock::now() - stoppedAt, 5s) << "well before the 15 s lease";
}

}  // namespace
}  // namespace ps::kube::integration
