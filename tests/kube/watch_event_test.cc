#include "kube/watch_event.h"

#include <gtest/gtest.h>

namespace ps::kube {
namespace {

TEST(WatchEventTest, ParsesEveryType) {
  auto added = parseWatchEvent(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"5"}}})");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->type, WatchEventType::kAdded);
  EXPECT_EQ(added->resourceVersion(), "5");
  EXPECT_EQ(parseWatchEvent(R"({"type":"MODIFIED","object":{}})")->type, WatchEventType::kModified);
  EXPECT_EQ(parseWatchEvent(R"({"type":"DELETED","object":{}})")->type, WatchEventType::kDeleted);
  EXPECT_EQ(parseWatchEvent(R"({"type":"BOOKMARK","object":{}})")->type, WatchEventType::kBookmark);
  auto error = parseWatchEvent(
      R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->statusCode(), 410);
}

TEST(WatchEventTest, RejectsMalformedLines) {
  for (const char* line : {"", "not json", "[]", R"({"object":{}})", R"({"type":"ADDED"})",
                           R"({"type":"ADDED","object":"x"})", R"({"type":"EXPLODED","object":{}})",
                           R"({"type":7,"object":{}})"}) {
    auto event = parseWatchEvent(line);
    ASSERT_FALSE(event) << line;
    EXPECT_EQ(event.error().kind, ErrorKind::kBadResponse) << line;
  }
}

// Found while writing watch_stream_fuzz (its harness aborted on it): a metadata member of another
// type made json::value() throw out of the watcher's thread, which terminated the process.
TEST(WatchEventTest, RejectsMetadataOfTheWrongType) {
  for (const char* line : {R"({"type":"ADDED","object":{"metadata":{"name":5}}})",
                           R"({"type":"ADDED","object":{"metadata":[]}})",
                           R"({"type":"DELETED","object":{"metadata":{"namespace":{}}}})",
                           R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":7}}})"}) {
    auto event = parseWatchEvent(line);
    ASSERT_FALSE(event) << line;
    EXPECT_EQ(event.error().kind, ErrorKind::kBadResponse) << line;
    EXPECT_NE(event.error().message.find("metadata"), std::string::npos) << event.error().message;
  }
}

TEST(LineSplitterTest, JoinsLinesAcrossChunksAndSkipsBlankLines) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  EXPECT_TRUE(splitter.feed("ab", collect));
  EXPECT_TRUE(splitter.feed("c\nde\n\nf", collect));
  EXPECT_TRUE(splitter.feed("g\n", collect));
  EXPECT_EQ(lines, (std::vector<std::string>{"abc", "de", "fg"}));
  EXPECT_EQ(splitter.pending(), 0u);
}

TEST(LineSplitterTest, RefusesOverlongLines) {
  LineSplitter splitter(8);
  auto ignore = [](std::string_view) { return true; };
  EXPECT_TRUE(splitter.feed("12345", ignore));
  EXPECT_FALSE(splitter.feed("6789", ignore));
  LineSplitter whole(8);
  EXPECT_FALSE(whole.feed("123456789\n", ignore));
}

TEST(LineSplitterTest, StopsWhenHandlerAsks) {
  LineSplitter splitter;
  int seen = 0;
  EXPECT_FALSE(splitter.feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace ps::kube
