// The watcher's list-then-watch state machine and the informer's store/handlers, driven through
// the scripted transport: resume, bookmarks, 410 (as an event and as a status), transport errors,
// malformed lines, and the relist diff that keeps handlers exact.
#include "kube/informer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_http_client.h"
#include "manual_clock.h"

namespace ps::kube {
namespace {

using nlohmann::json;
using testing::FakeHttpClient;

const std::string kList = "/api/v1/namespaces/ns/configmaps?limit=";
const std::string kWatch = "/api/v1/namespaces/ns/configmaps?watch=true";

std::string item(const std::string& name, int rv) {
  return json{
      {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", std::to_string(rv)}}}}
      .dump();
}
std::string listBody(int rv, const std::vector<std::string>& items) {
  std::string body = R"({"metadata":{"resourceVersion":")" + std::to_string(rv) + R"("},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
  return body + "]}";
}
std::string event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}
std::string queryValue(const std::string& path, const std::string& name) {
  const auto at = path.find(name + "=");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 1;
  return path.substr(start, path.find('&', start) - start);
}

class Recorder {
 public:
  ResourceEventHandlers handlers() {
    return {[this](const ObjectPtr& o) { push("add " + objectKey(*o)); },
            [this](const ObjectPtr& old, const ObjectPtr& cur) {
              push("update " + objectKey(*cur) + " " + resourceVersionOf(*old) + "->" +
                   resourceVersionOf(*cur));
            },
            [this](const ObjectPtr& o) { push("delete " + objectKey(*o)); }};
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  void push(std::string text) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(text));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

InformerOptions fastRetries() {
  InformerOptions options;
  options.watcher.backoff.initial = std::chrono::milliseconds(1);
  options.watcher.backoff.max = std::chrono::milliseconds(5);
  return options;
}

std::vector<std::string> sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return items;
}

TEST(InformerTest, SurvivesExpiryErrorsAndGarbageWithoutLosingOrRepeatingChanges) {
  auto fake = std::make_unique<FakeHttpClient>();
  FakeHttpClient& server = *fake;
  ClientOptions clientOptions;
  clientOptions.qps = 0;
  KubeClient client(std::move(fake), clientOptions);

  server.script("GET", kList, {200, listBody(10, {item("a", 1), item("b", 1)})});
  // Watch 1: events split across chunk boundaries, a bookmark last; then the server times out.
  const std::string stream1 = event("ADDED", item("c", 11)) + event("MODIFIED", item("a", 12)) +
                              event("DELETED", item("b", 14)) +
                              event("BOOKMARK", R"({"metadata":{"resourceVersion":"15"}})");
  server.script("GET", kWatch,
                {200, "", {stream1.substr(0, 7), stream1.substr(7, 50), stream1.substr(57)}});
  // Watch 2: our version was compacted: an ERROR event with code 410 -> relist.
  server.script("GET", kWatch,
                {200, "", {event("ERROR", R"({"kind":"Status","code":410,"reason":"Expired"})")}});
  server.script("GET", kList, {200, listBody(21, {item("c", 20), item("d", 21)})});
  // Watch 3: connection refused -> back off, resume from 21 (no relist).
  server.script("GET", kWatch,
                {0, "", {}, false, KubeError{ErrorKind::kTransport, 0, "", "refused"}});
  // Watch 4: a malformed line -> back off, resume from 21.
  server.script("GET", kWatch, {200, "", {"garbage\n"}});
  // Watch 5: 410 as an HTTP status -> relist; nothing changed, so no handler runs.
  server.script("GET", kWatch, {410, R"({"kind":"Status","code":410,"reason":"Expired"})"});
  server.script("GET", kList, {200, listBody(21, {item("c", 20), item("d", 21)})});
  // Watch 6: unscripted, stays open until stop.

  Informer informer(client, configMapsResource(), "ns", fastRetries());
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  EXPECT_FALSE(informer.hasSynced());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  ASSERT_TRUE(server.waitForRequests(kWatch, 6, std::chrono::seconds(5)));
  informer.stop();

  const auto events = recorder.events();
  ASSERT_EQ(events.size(), 2u + 3u + 3u) << ::testing::PrintToString(events);
  EXPECT_EQ(sorted({events.begin(), events.begin() + 2}),
            (std::vector<std::string>{"add ns/a", "add ns/b"}));
  EXPECT_EQ(std::vector<std::string>(events.begin() + 2, events.begin() + 5),
            (std::vector<std::string>{"add ns/c", "update ns/a 1->12", "delete ns/b"}));
  EXPECT_EQ(sorted({events.begin() + 5, events.end()}),
            (std::vector<std::string>{"add ns/d", "delete ns/a", "update ns/c 11->20"}));

  std::vector<std::string> versions;
  for (const auto& request : server.requestsTo(kWatch))
    versions.push_back(queryValue(request.path, "resourceVersion"));
  EXPECT_EQ(versions, (std::vector<std::string>{"10", "15", "21", "21", "21", "21"}));
  EXPECT_EQ(informer.lists(), 3);
  EXPECT_EQ(sorted(informer.store().keys()), (std::vector<std::string>{"ns/c", "ns/d"}));
  ASSERT_TRUE(informer.lastError());
  EXPECT_EQ(informer.lastError()->kind, ErrorKind::kBadResponse);
}

TEST(InformerTest, FailedListKeepsRetryingAndIsNotSynced) {
  auto fake = std::make_unique<FakeHttpClient>();
  FakeHttpClient& server = *fake;
  ClientOptions clientOptions;
  clientOptions.qps = 0;
  KubeClient client(std::move(fake), clientOptions);
  server.script("GET", kList,
                {403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"no"})"});
  server.script("GET", kList, {200, listBody(3, {item("a", 3)})});
  Informer informer(client, configMapsResource(), "ns", fastRetries());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  informer.stop();
  EXPECT_EQ(server.requestsTo(kList).size(), 2u);
  EXPECT_EQ(informer.store().size(), 1u);
}

TEST(InformerTest, ResyncReplaysEveryObjectAsAnUpdate) {
  testing::ManualClock clock;
  auto fake = std::make_unique<FakeHttpClient>();
  FakeHttpClient& server = *fake;
  ClientOptions clientOptions;
  clientOptions.qps = 0;
  KubeClient client(std::move(fake), clientOptions);
  server.script("GET", kList, {200, listBody(3, {item("a", 3)})});
  InformerOptions options = fastRetries();
  options.resyncPeriod = std::chrono::minutes(10);
  Informer informer(client, configMapsResource(), "ns", options, clock);
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  clock.advance(std::chrono::minutes(11));
  for (int i = 0; i < 500 && recorder.events().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  informer.stop();
  const auto events = recorder.events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0], "add ns/a");
  EXPECT_EQ(events[1], "update ns/a 3->3");
}

TEST(InformerTest, TransformShapesWhatIsCached) {
  auto fake = std::make_unique<FakeHttpClient>();
  FakeHttpClient& server = *fake;
  ClientOptions clientOptions;
  clientOptions.qps = 0;
  KubeClient client(std::move(fake), clientOptions);
  json managed = json::parse(item("a", 3));
  managed["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  server.script("GET", kList, {200, listBody(3, {managed.dump()})});
  managed["metadata"]["resourceVersion"] = "4";
  server.script("GET", kWatch, {200, "", {event("MODIFIED", managed.dump())}, true});
  InformerOptions options = fastRetries();
  options.transform = stripManagedFields;
  Informer informer(client, configMapsResource(), "ns", options);
  Recorder recorder;
  informer.addHandlers(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  for (int i = 0; i < 500 && recorder.events().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  informer.stop();
  const auto cached = informer.store().get("ns/a");
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(resourceVersionOf(*cached), "4");
  EXPECT_FALSE((*cached)["metadata"].contains("managedFields"));
}

TEST(InformerTest, TransformTrimsEachListPageAsItArrives) {
  auto fake = std::make_unique<FakeHttpClient>();
  FakeHttpClient& server = *fake;
  ClientOptions clientOptions;
  clientOptions.qps = 0;
  KubeClient client(std::move(fake), clientOptions);
  auto managedItem = [](const std::string& name, int rv) {
    json object = json::parse(item(name, rv));
    object["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
    return object.dump();
  };
  std::string firstPage = listBody(7, {managedItem("a", 5), managedItem("b", 6)});
  firstPage.insert(firstPage.find("\"resourceVersion\""), R"("continue":"page2",)");
  server.script("GET", kList, {200, firstPage});
  server.script("GET", kList, {200, listBody(9, {managedItem("c", 7)})});
  server.script("GET", kWatch, {200, "", {}, true});
  InformerOptions options = fastRetries();
  options.watcher.listPageSize = 2;
  std::mutex mutex;
  std::vector<std::string> trimmed;  // names, in the order the transform saw them
  options.transform = [&](json& object) {
    std::lock_guard lock(mutex);
    trimmed.push_back(object["metadata"]["name"].get<std::string>());
    stripManagedFields(object);
  };
  Informer informer(client, configMapsResource(), "ns", options);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  ASSERT_TRUE(server.waitForRequests(kWatch, 1, std::chrono::seconds(5)));
  informer.stop();

  EXPECT_EQ(trimmed, (std::vector<std::string>{"a", "b", "c"})) << "each object trimmed once";
  EXPECT_EQ(informer.store().size(), 3u);
  for (const char* key : {"ns/a", "ns/b", "ns/c"}) {
    ASSERT_NE(informer.store().get(key), nullptr) << key;
    EXPECT_FALSE((*informer.store().get(key))["metadata"].contains("managedFields")) << key;
  }
  const auto pages = server.requestsTo(kList);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(queryValue(pages[1].path, "continue"), "page2");
  const auto watches = server.requestsTo(kWatch);
  EXPECT_EQ(queryValue(watches[0].path, "resourceVersion"), "7") << "the first page's snapshot";
}

}  // namespace
}  // namespace ps::kube
