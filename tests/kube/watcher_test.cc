// The Watcher alone, with a sink that records what it is told: paged relist pinned to the first
// page's version, the transform per page, events and bookmarks in order, 410 as an event and as a
// status (relist), a failed watch (reported, resumed from the last version), the timeout
// window, and a stream that stalls without closing (cancelled once it was silent for longer than
// its timeoutSeconds plus the margin, on a ManualClock). The informer's tests drive the same
// machine through its store and handlers.
#include "kube/watcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>

#include "fake_http_client.h"
#include "kube/resource.h"
#include "manual_clock.h"

namespace ps::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeHttpClient;
using testing::ManualClock;

const std::string kList = "/api/v1/namespaces/ns/configmaps?limit=";
const std::string kWatch = "/api/v1/namespaces/ns/configmaps?watch=true";

json item(const std::string& name, int rv) {
  return {
      {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", std::to_string(rv)}}}};
}
std::string page(int rv, const std::vector<json>& items, const std::string& next = "") {
  json metadata = {{"resourceVersion", std::to_string(rv)}};
  if (!next.empty()) metadata["continue"] = next;
  return json{{"metadata", metadata}, {"items", items}}.dump();
}
std::string event(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}
std::string queryValue(const std::string& path, const std::string& name) {
  const auto at = path.find(name + "=");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 1;
  return path.substr(start, path.find('&', start) - start);
}

// Records every call as one line, e.g. "restarted a b", "applied c", "bookmark 15".
class RecordingSink final : public WatcherSink {
 public:
  void restarted(std::vector<json>&& objects) override {
    std::string line = "restarted";
    for (const json& object : objects) line += " " + object["metadata"].value("name", "");
    push(line);
  }
  void applied(json&& object) override { push("applied " + object["metadata"].value("name", "")); }
  void deleted(json&& object) override { push("deleted " + object["metadata"].value("name", "")); }
  void bookmark(const std::string& version) override { push("bookmark " + version); }
  void failed(const KubeError& error) override { push("failed " + error.message); }

  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  void push(std::string line) {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(line));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

class WatcherTest : public ::testing::Test {
 protected:
  WatcherTest() {
    auto fake = std::make_unique<FakeHttpClient>();
    server_ = fake.get();
    ClientOptions options;
    options.qps = 0;
    client_ = std::make_unique<KubeClient>(std::move(fake), options);
    options_.backoff.initial = std::chrono::milliseconds(1);
    options_.backoff.max = std::chrono::milliseconds(5);
  }

  // Runs the watcher until `watches` watch requests arrived (the last one, unscripted, stays
  // open), then stops it.
  std::vector<std::string> runUntilWatches(std::size_t watches) {
    Watcher watcher(*client_, configMapsResource(), "ns", options_, SteadyClock::instance());
    StopSignal stop;
    std::thread thread([&] { watcher.run(sink_, stop); });
    EXPECT_TRUE(server_->waitForRequests(kWatch, watches, std::chrono::seconds(5)));
    stop.stop();
    thread.join();
    return sink_.calls();
  }

  std::vector<std::string> watchVersions() const {
    std::vector<std::string> versions;
    for (const auto& request : server_->requestsTo(kWatch)) {
      versions.push_back(queryValue(request.path, "resourceVersion"));
    }
    return versions;
  }

  FakeHttpClient* server_ = nullptr;
  std::unique_ptr<KubeClient> client_;
  WatcherOptions options_;
  RecordingSink sink_;
};

TEST_F(WatcherTest, ListsEveryPageAtTheFirstPagesVersionThenWatchesFromIt) {
  options_.listPageSize = 2;
  options_.transform = [](json& object) { object["metadata"].erase("namespace"); };
  server_->script("GET", kList, {200, page(10, {item("a", 1), item("b", 2)}, "more")});
  server_->script("GET", kList, {200, page(12, {item("c", 3)})});
  const auto calls = runUntilWatches(1);
  EXPECT_EQ(calls, (std::vector<std::string>{"restarted a b c"}));
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10"})) << "the snapshot of page one";
  const auto lists = server_->requestsTo(kList);
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(queryValue(lists[0].path, "limit"), "2");
  EXPECT_EQ(queryValue(lists[1].path, "continue"), "more");
}

TEST_F(WatcherTest, DeliversEventsInOrderAndResumesFromTheLastVersion) {
  server_->script("GET", kList, {200, page(10, {item("a", 1)})});
  const std::string stream = event("ADDED", item("b", 11)) + event("MODIFIED", item("a", 12)) +
                             event("DELETED", item("b", 13)) +
                             event("BOOKMARK", {{"metadata", {{"resourceVersion", "15"}}}});
  // Split inside a line: the watcher reassembles lines across chunks.
  server_->script("GET", kWatch, {200, "", {stream.substr(0, 9), stream.substr(9)}});
  const auto calls = runUntilWatches(2);
  EXPECT_EQ(calls, (std::vector<std::string>{"restarted a", "applied b", "applied a", "deleted b",
                                             "bookmark 15"}));
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10", "15"}));
}

TEST_F(WatcherTest, AnExpiredVersionRelistsWhetherAnEventOrAStatusSaysSo) {
  const std::string gone = R"({"kind":"Status","code":410,"reason":"Expired"})";
  server_->script("GET", kList, {200, page(10, {item("a", 1)})});
  server_->script("GET", kWatch, {200, "", {event("ERROR", json::parse(gone))}});
  server_->script("GET", kList, {200, page(20, {item("b", 20)})});
  server_->script("GET", kWatch, {410, gone});
  server_->script("GET", kList, {200, page(30, {})});
  const auto calls = runUntilWatches(3);
  EXPECT_EQ(calls, (std::vector<std::string>{"restarted a", "restarted b", "restarted"}))
      << "410 is no failure: the watcher starts over";
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10", "20", "30"}));
}

TEST_F(WatcherTest, AFailedWatchIsReportedAndResumedWithoutARelist) {
  server_->script("GET", kList, {200, page(10, {})});
  server_->script("GET", kWatch,
                  {0, "", {}, false, KubeError{ErrorKind::kTransport, 0, "", "refused"}});
  server_->script("GET", kWatch, {200, "", {"not json\n"}});
  const auto calls = runUntilWatches(3);
  ASSERT_EQ(calls.size(), 3u) << ::testing::PrintToString(calls);
  EXPECT_EQ(calls[0], "restarted");
  EXPECT_EQ(calls[1], "failed refused");
  EXPECT_EQ(calls[2].rfind("failed ", 0), 0u) << calls[2];
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10", "10", "10"}));
  EXPECT_EQ(server_->requestsTo(kList).size(), 1u);
}

TEST_F(WatcherTest, AFailedListIsReportedAndRetried) {
  server_->script("GET", kList, {500, R"({"kind":"Status","code":500,"message":"etcd down"})"});
  server_->script("GET", kList, {200, page(10, {item("a", 1)})});
  const auto calls = runUntilWatches(1);
  ASSERT_EQ(calls.size(), 2u) << ::testing::PrintToString(calls);
  EXPECT_EQ(calls[0].rfind("failed ", 0), 0u) << calls[0];
  EXPECT_EQ(calls[1], "restarted a");
}

TEST_F(WatcherTest, EachWatchAsksForATimeoutInsideTheWindow) {
  options_.minWatchSeconds = 290;
  options_.maxWatchSeconds = 292;
  server_->script("GET", kList, {200, page(10, {})});
  for (int i = 0; i < 20; ++i) server_->script("GET", kWatch, {200, "", {}});
  runUntilWatches(21);
  for (const auto& request : server_->requestsTo(kWatch)) {
    const int timeout = std::stoi(queryValue(request.path, "timeoutSeconds"));
    EXPECT_GE(timeout, 290);
    EXPECT_LT(timeout, 292);
  }
}

// A watch of timeoutSeconds 10 with a stall margin of 5 s: silent for 15 s is a stall.
class StalledWatchTest : public WatcherTest {
 protected:
  StalledWatchTest() {
    options_.minWatchSeconds = 10;
    options_.maxWatchSeconds = 10;
    options_.stallMargin = seconds(5);
  }
  ~StalledWatchTest() override {
    stop_.stop();
    if (thread_.joinable()) thread_.join();
  }
  void start() {
    watcher_.emplace(*client_, configMapsResource(), "ns", options_, clock_);
    thread_ = std::thread([this] { watcher_->run(sink_, stop_); });
  }
  bool waitForCall(const std::string& call) {
    for (int i = 0; i < 500; ++i) {
      const auto calls = sink_.calls();
      if (std::find(calls.begin(), calls.end(), call) != calls.end()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // No new watch within a short real-time wait: the watchdog has not fired.
  bool stillOneWatch(std::size_t expected) {
    std::this_thread::sleep_for(milliseconds(200));
    return server_->requestsTo(kWatch).size() == expected;
  }
  bool reportedStall() const {
    for (const auto& call : sink_.calls()) {
      if (call.rfind("failed watch stalled: no bytes for 15 s", 0) == 0) return true;
    }
    return false;
  }

  ManualClock clock_;
  StopSignal stop_;
  std::optional<Watcher> watcher_;
  std::thread thread_;
};

TEST_F(StalledWatchTest, ASilentStreamIsCancelledAfterTimeoutPlusMarginAndResumed) {
  server_->script("GET", kList, {200, page(10, {item("a", 1)})});
  server_->script("GET", kWatch, {200, "", {event("ADDED", item("b", 11))}, /*hold=*/true});
  start();
  ASSERT_TRUE(waitForCall("applied b"));
  clock_.advance(seconds(14));
  EXPECT_TRUE(stillOneWatch(1)) << "14 s of silence is inside timeoutSeconds + margin";
  EXPECT_FALSE(reportedStall());
  clock_.advance(seconds(2));
  ASSERT_TRUE(server_->waitForRequests(kWatch, 2, seconds(5))) << "the stalled watch was not cut";
  EXPECT_TRUE(reportedStall()) << ::testing::PrintToString(sink_.calls());
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10", "11"})) << "resumed, not relisted";
  EXPECT_EQ(server_->requestsTo(kList).size(), 1u);
}

TEST_F(StalledWatchTest, EveryByteMovesTheDeadline) {
  StopSignal sendBookmark;
  FakeHttpClient::Reply quiet{200, "", {}, /*hold=*/true};
  quiet.live = [&sendBookmark](const ChunkHandler& onChunk, StopSignal& stop) {
    while (!sendBookmark.stopped() && stop.sleepFor(SteadyClock::instance(), milliseconds(5))) {
    }
    if (!stop.stopped()) onChunk(event("BOOKMARK", {{"metadata", {{"resourceVersion", "17"}}}}));
  };
  server_->script("GET", kList, {200, page(10, {})});
  server_->script("GET", kWatch, std::move(quiet));
  start();
  ASSERT_TRUE(server_->waitForRequests(kWatch, 1, seconds(5)));
  clock_.advance(seconds(10));
  sendBookmark.stop();
  ASSERT_TRUE(waitForCall("bookmark 17"));
  clock_.advance(seconds(10));  // 20 s since the watch began, 10 s since its last byte
  EXPECT_TRUE(stillOneWatch(1)) << "the BOOKMARK reset the silence";
  clock_.advance(seconds(6));
  ASSERT_TRUE(server_->waitForRequests(kWatch, 2, seconds(5)));
  EXPECT_TRUE(reportedStall()) << ::testing::PrintToString(sink_.calls());
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10", "17"}));
}

TEST_F(StalledWatchTest, AStalledWatchWhoseVersionIsGoneRelists) {
  const std::string gone = R"({"kind":"Status","code":410,"reason":"Expired"})";
  server_->script("GET", kList, {200, page(10, {item("a", 1)})});
  server_->script("GET", kWatch, {200, "", {}, /*hold=*/true});
  server_->script("GET", kWatch, {410, gone});
  server_->script("GET", kList, {200, page(30, {item("c", 30)})});
  start();
  ASSERT_TRUE(server_->waitForRequests(kWatch, 1, seconds(5)));
  clock_.advance(seconds(16));
  ASSERT_TRUE(server_->waitForRequests(kWatch, 3, seconds(5)));
  ASSERT_TRUE(waitForCall("restarted c"));
  EXPECT_TRUE(reportedStall()) << ::testing::PrintToString(sink_.calls());
  EXPECT_EQ(watchVersions(), (std::vector<std::string>{"10", "10", "30"}));
}

}  // namespace
}  // namespace ps::kube
