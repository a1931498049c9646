#include "kube/api_client.h"

#include <gtest/gtest.h>

#include "fake_http_client.h"
#include "manual_clock.h"

namespace ps::kube {
namespace {

using nlohmann::json;
using testing::FakeHttpClient;

class RecordingMetrics final : public RequestMetrics {
 public:
  void requestDone(std::string_view verb, std::string_view method, std::string_view code,
                   double) override {
    calls.push_back(std::string(verb) + " " + std::string(code));
    methods.push_back(std::string(method));
  }
  std::vector<std::string> calls;
  std::vector<std::string> methods;  // the HTTP method of each call
};

class ApiClientTest : public ::testing::Test {
 protected:
  ApiClientTest() {
    auto fake = std::make_unique<FakeHttpClient>();
    fake_ = fake.get();
    ClientOptions options;
    options.metrics = &metrics_;
    options.qps = 0;
    client_ = std::make_unique<KubeClient>(std::move(fake), options);
  }
  FakeHttpClient* fake_;
  RecordingMetrics metrics_;
  std::unique_ptr<KubeClient> client_;
};

const char* kConflictStatus = R"({"kind":"Status","apiVersion":"v1","status":"Failure",
  "message":"Operation cannot be fulfilled on configmaps \"a\": the object has been modified",
  "reason":"Conflict","code":409})";

TEST_F(ApiClientTest, GetReturnsObjectAndRecordsMetrics) {
  fake_->script("GET", "/api/v1/namespaces/ns/configmaps/a", {200, R"({"metadata":{"name":"a"}})"});
  auto object = client_->get(configMapsResource(), "ns", "a");
  ASSERT_TRUE(object) << object.error().describe();
  EXPECT_EQ((*object)["metadata"]["name"], "a");
  EXPECT_EQ(metrics_.calls, std::vector<std::string>{"GET 200"});
}

TEST_F(ApiClientTest, StatusErrorsCarryReasonAndMessage) {
  fake_->script("PUT", "/api/v1/namespaces/ns/configmaps/a", {409, kConflictStatus});
  auto result = client_->replace(configMapsResource(), "ns",
                                 json{{"metadata", {{"name", "a"}, {"resourceVersion", "1"}}}});
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().isConflict());
  EXPECT_FALSE(result.error().isAlreadyExists());
  EXPECT_NE(result.error().describe().find("the object has been modified"), std::string::npos);

  fake_->script(
      "POST", "/api/v1/namespaces/ns/configmaps",
      {409, R"({"kind":"Status","reason":"AlreadyExists","message":"exists","code":409})"});
  auto created = client_->create(configMapsResource(), "ns", json{{"metadata", {{"name", "a"}}}});
  ASSERT_FALSE(created);
  EXPECT_TRUE(created.error().isAlreadyExists());
  EXPECT_FALSE(created.error().isConflict());

  fake_->script("GET", "/api/v1/namespaces/ns/configmaps/gone", {404, "not json at all"});
  auto missing = client_->get(configMapsResource(), "ns", "gone");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().isNotFound());
  EXPECT_EQ(missing.error().message, "not json at all");
}

TEST_F(ApiClientTest, TransportAndParseFailuresAreValues) {
  fake_->script("GET", "/api/v1/namespaces/ns/configmaps/a",
                {0, "", {}, false, KubeError{ErrorKind::kTransport, 0, "", "connection refused"}});
  auto down = client_->get(configMapsResource(), "ns", "a");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(metrics_.calls.back(), "GET <error>");

  fake_->script("GET", "/api/v1/namespaces/ns/configmaps/a", {200, "{truncated"});
  auto garbled = client_->get(configMapsResource(), "ns", "a");
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().kind, ErrorKind::kBadResponse);
}

TEST_F(ApiClientTest, ListAllFollowsContinueTokensAndKeepsFirstVersion) {
  fake_->script("GET", "/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=2",
                {200, R"({"metadata":{"resourceVersion":"7","continue":"tok"},
                          "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"});
  fake_->script(
      "GET", "/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=2&continue=tok",
      {200, R"({"metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"c"}}]})"});
  ListOptions options;
  options.labelSelector = "app=x";
  options.limit = 2;
  auto all = client_->listAll(configMapsResource(), "ns", options);
  ASSERT_TRUE(all) << all.error().describe();
  EXPECT_EQ(all->items.size(), 3u);
  EXPECT_EQ(all->resourceVersion, "7");
  EXPECT_EQ(fake_->requests().size(), 2u);
}

TEST_F(ApiClientTest, PatchApplyDeleteAndStatusUseTheRightShapes) {
  fake_->script("PATCH", "/api/v1/namespaces/ns/configmaps/a", {200, "{}"});
  fake_->script("PATCH", "/api/v1/namespaces/ns/configmaps/a?fieldManager=mgr&force=true",
                {200, "{}"});
  fake_->script("DELETE", "/api/v1/namespaces/ns/configmaps/a", {200, "{}"});
  const GroupVersionResource runs{"sandbox.plugins.dev", "v1alpha1", "pluginruns", true};
  fake_->script("PUT", "/apis/sandbox.plugins.dev/v1alpha1/namespaces/ns/pluginruns/r/status",
                {200, "{}"});
  ASSERT_TRUE(client_->mergePatch(configMapsResource(), "ns", "a", json{{"data", {{"k", "v"}}}}));
  ASSERT_TRUE(client_->apply(configMapsResource(), "ns", "a", json::object(), "mgr", true));
  DeleteOptions preconditions;
  preconditions.uid = "u-1";
  preconditions.resourceVersion = "5";
  ASSERT_TRUE(client_->remove(configMapsResource(), "ns", "a", preconditions));
  ASSERT_TRUE(client_->updateStatus(runs, "ns",
                                    json{{"metadata", {{"name", "r"}, {"resourceVersion", "3"}}}}));

  const auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 4u);
  auto contentType = [](const HttpRequest& request) {
    for (const auto& [name, value] : request.headers)
      if (name == "Content-Type") return value;
    return std::string();
  };
  EXPECT_EQ(contentType(requests[0]), "application/merge-patch+json");
  EXPECT_EQ(contentType(requests[1]), "application/apply-patch+yaml");
  const json deleteBody = json::parse(requests[2].body);
  EXPECT_EQ(deleteBody["preconditions"]["uid"], "u-1");
  EXPECT_EQ(deleteBody["preconditions"]["resourceVersion"], "5");
  EXPECT_EQ(json::parse(requests[3].body)["metadata"]["resourceVersion"], "3");
}

// rest_client_requests_total's `method` is the HTTP method, whatever the client's verb.
TEST_F(ApiClientTest, MetricsGetTheHttpMethodOfEachVerb) {
  fake_->script("PATCH", "/api/v1/namespaces/ns/configmaps/a", {200, "{}"});
  fake_->script("GET", "/api/v1/namespaces/ns/configmaps", {200, R"({"items":[]})"});
  fake_->script("DELETE", "/api/v1/namespaces/ns/configmaps/a", {200, "{}"});
  ASSERT_TRUE(client_->apply(configMapsResource(), "ns", "a", json::object(), "mgr"));
  ASSERT_TRUE(client_->list(configMapsResource(), "ns"));
  ASSERT_TRUE(client_->remove(configMapsResource(), "ns", "a"));
  EXPECT_EQ(metrics_.calls, (std::vector<std::string>{"APPLY 200", "LIST 200", "DELETE 200"}));
  EXPECT_EQ(metrics_.methods, (std::vector<std::string>{"PATCH", "GET", "DELETE"}));
}

TEST_F(ApiClientTest, EventNamesItsObject) {
  fake_->script("POST", "/api/v1/namespaces/ns/events", {201, "{}"});
  EventSpec event;
  event.involvedObject = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                          {"kind", "PluginRun"},
                          {"metadata", {{"name", "r"}, {"namespace", "ns"}, {"uid", "u"}}}};
  event.type = "Warning";
  event.reason = "Rejected";
  event.message = "policy";
  event.component = "plugin-controller";
  ASSERT_TRUE(client_->createEvent("ns", event));
  const json body = json::parse(fake_->requests().at(0).body);
  EXPECT_EQ(body["involvedObject"]["kind"], "PluginRun");
  EXPECT_EQ(body["involvedObject"]["uid"], "u");
  EXPECT_EQ(body["reason"], "Rejected");
  EXPECT_EQ(body["metadata"]["generateName"], "r.");
  EXPECT_FALSE(body.value("lastTimestamp", "").empty());
  EXPECT_EQ(body["firstTimestamp"], body["lastTimestamp"]);
}

TEST_F(ApiClientTest, WatchAsksForBookmarksAndOutlastsServerTimeout) {
  fake_->script("GET", "/api/v1/namespaces/ns/configmaps?watch=true", {200, "", {"line\n"}});
  WatchOptions options;
  options.resourceVersion = "42";
  options.timeoutSeconds = 400;
  StopSignal stop;
  std::string seen;
  auto result = client_->watch(
      configMapsResource(), "ns", options,
      [&](std::string_view chunk) {
        seen.append(chunk);
        return true;
      },
      stop);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(seen, "line\n");
  const auto request = fake_->requests().at(0);
  EXPECT_NE(request.path.find("resourceVersion=42"), std::string::npos);
  EXPECT_NE(request.path.find("allowWatchBookmarks=true"), std::string::npos);
  EXPECT_NE(request.path.find("timeoutSeconds=400"), std::string::npos);
  EXPECT_GT(request.timeout, std::chrono::seconds(400));

  fake_->script(
      "GET", "/api/v1/namespaces/ns/configmaps?watch=true",
      {410,
       R"({"kind":"Status","reason":"Expired","message":"too old resource version","code":410})"});
  auto gone = client_->watch(
      configMapsResource(), "ns", options, [](std::string_view) { return true; }, stop);
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().isGone());
}

TEST(ApiClientRateLimitTest, RequestsWaitForTokens) {
  testing::ManualClock clock;
  auto fake = std::make_unique<FakeHttpClient>();
  auto* raw = fake.get();
  for (int i = 0; i < 3; ++i) raw->script("GET", "/api/v1/namespaces/ns/configmaps/a", {200, "{}"});
  ClientOptions options;
  options.qps = 1;
  options.burst = 2;
  options.clock = &clock;
  KubeClient client(std::move(fake), options);
  ASSERT_TRUE(client.get(configMapsResource(), "ns", "a"));
  ASSERT_TRUE(client.get(configMapsResource(), "ns", "a"));
  std::atomic<bool> third{false};
  std::thread waiter([&] { third = client.get(configMapsResource(), "ns", "a").ok(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(third.load()) << "the third request must wait for a token";
  clock.advance(std::chrono::seconds(1));
  waiter.join();
  EXPECT_TRUE(third.load());
}

}  // namespace
}  // namespace ps::kube
