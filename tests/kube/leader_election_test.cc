// LeaderElector against a scripted transport: Leases whose members are missing are read with the
// API's defaults and taken; Leases with a member of the wrong type (only a broken server or a
// hand-made object has one: the API server validates Leases) are never taken and never throw.
#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <thread>

#include "fake_http_client.h"
#include "manual_clock.h"

namespace ps::kube {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::FakeHttpClient;
using testing::ManualClock;

const std::string kLease = "/apis/coordination.k8s.io/v1/namespaces/ns/leases/lock";

TEST(LeaderElectionTest, MicroTimeIsRfc3339WithMicroseconds) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                    std::chrono::microseconds(42);
  EXPECT_EQ(formatMicroTime(time), "2023-11-14T22:13:20.000042Z");
}

json lease(const json& spec) {
  json object = {{"apiVersion", "coordination.k8s.io/v1"},
                 {"kind", "Lease"},
                 {"metadata", {{"name", "lock"}, {"namespace", "ns"}, {"resourceVersion", "5"}}}};
  if (!spec.is_discarded()) object["spec"] = spec;
  return object;
}

class LeaderElectionLeaseTest : public ::testing::Test {
 protected:
  LeaderElectionLeaseTest() {
    auto fake = std::make_unique<FakeHttpClient>();
    server_ = fake.get();
    ClientOptions options;
    options.qps = 0;
    client_ = std::make_unique<KubeClient>(std::move(fake), options);
  }

  // One campaign round (the next waits for the manual clock, which never moves).
  void campaignOnce() {
    LeaderElector elector(*client_, {"ns", "lock", "me"}, {}, clock_);
    StopSignal stop;
    std::thread thread([&] { elector.run(stop); });
    EXPECT_TRUE(server_->waitForRequests(kLease, 1, seconds(5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a PUT would follow at once
    leader_ = elector.isLeader();
    observed_ = elector.observedLeader();
    problem_ = elector.lastProblem();
    stop.stop();
    thread.join();
  }
  std::vector<HttpRequest> puts() const {
    std::vector<HttpRequest> found;
    for (const auto& request : server_->requestsTo(kLease))
      if (request.method == "PUT") found.push_back(request);
    return found;
  }

  FakeHttpClient* server_ = nullptr;
  std::unique_ptr<KubeClient> client_;
  ManualClock clock_;
  bool leader_ = false;
  std::string observed_;
  std::string problem_;
};

TEST_F(LeaderElectionLeaseTest, ALeaseWithAMemberOfTheWrongTypeIsNotTakenAndDoesNotThrow) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json::array({1, 2}), "the Lease is not a JSON object"},
      {lease("held"), "spec is not an object"},
      {lease({{"holderIdentity", 5}}), "spec.holderIdentity is not a string"},
      {lease({{"holderIdentity", nullptr}, {"renewTime", 7}}), "spec.renewTime is not a string"},
      {lease({{"acquireTime", json::object()}}), "spec.acquireTime is not a string"},
      {lease({{"holderIdentity", "other"}, {"leaseDurationSeconds", "15"}}),
       "spec.leaseDurationSeconds is not an integer in [1, 2147483647]"},
      {lease({{"leaseDurationSeconds", 0}}),
       "spec.leaseDurationSeconds is not an integer in [1, 2147483647]"},
      {lease({{"leaseDurationSeconds", 1e18}}),
       "spec.leaseDurationSeconds is not an integer in [1, 2147483647]"},
      {lease({{"leaseDurationSeconds", 9223372036854775807LL}}),
       "spec.leaseDurationSeconds is not an integer in [1, 2147483647]"},
      {lease({{"leaseTransitions", -1}}),
       "spec.leaseTransitions is not an integer in [0, 2147483647]"},
      {lease({{"leaseTransitions", "3"}}),
       "spec.leaseTransitions is not an integer in [0, 2147483647]"},
  };
  for (const auto& [object, rule] : cases) {
    SCOPED_TRACE(object.dump());
    const std::size_t before = puts().size();
    server_->script("GET", kLease, {200, object.dump()});
    campaignOnce();
    EXPECT_FALSE(leader_);
    EXPECT_EQ(observed_, "");
    EXPECT_EQ(problem_, "Lease ns/lock is unreadable, not taken: " + rule);
    EXPECT_EQ(puts().size(), before) << "an unreadable Lease must not be overwritten";
  }
}

TEST_F(LeaderElectionLeaseTest, ALeaseWithoutSpecOrHolderIsFreeAndTaken) {
  for (const json& object : {lease(json::value_t::discarded), lease(nullptr), lease(json::object()),
                             lease({{"holderIdentity", ""}, {"leaseTransitions", 2}})}) {
    SCOPED_TRACE(object.dump());
    json taken = object;
    taken["spec"] = {{"holderIdentity", "me"}, {"leaseDurationSeconds", 15}};
    const std::size_t before = puts().size();
    server_->script("GET", kLease, {200, object.dump()});
    server_->script("PUT", kLease, {200, taken.dump()});
    campaignOnce();
    EXPECT_TRUE(leader_);
    EXPECT_EQ(observed_, "me");
    EXPECT_EQ(problem_, "");
    ASSERT_EQ(puts().size(), before + 1);
    const json sent = json::parse(puts().back().body);
    EXPECT_EQ(sent["spec"]["holderIdentity"], "me");
    EXPECT_EQ(sent["spec"]["leaseTransitions"],
              object.dump().find("\"leaseTransitions\":2") != std::string::npos ? 3 : 0);
  }
}

TEST_F(LeaderElectionLeaseTest, AnAnswerWithAMemberOfTheWrongTypeDoesNotThrow) {
  server_->script("GET", kLease, {200, lease(json::object()).dump()});
  server_->script("PUT", kLease, {200, lease({{"holderIdentity", 42}}).dump()});
  campaignOnce();
  EXPECT_TRUE(leader_) << "the write was accepted";
  EXPECT_EQ(observed_, "") << "a holder that is no string reads as none";
}

}  // namespace
}  // namespace ps::kube
