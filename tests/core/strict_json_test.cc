#include "core/strict_json.h"

#include <gtest/gtest.h>

namespace ps::core {
namespace {

void expectRejected(std::string_view text, const std::string& fragment) {
  auto result = parseStrictJson(text, "doc");
  ASSERT_FALSE(result.ok()) << text.substr(0, 80);
  EXPECT_EQ(result.rejection().rule, "json");
  EXPECT_NE(result.rejection().message.find(fragment), std::string::npos)
      << result.rejection().message;
  EXPECT_EQ(result.rejection().line().find('\n'), std::string::npos);
}

TEST(StrictJson, AcceptsOrdinaryJson) {
  auto result = parseStrictJson(R"({"a":[1,2,{"b":"c"}],"d":null})", "doc");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((*result)["a"][2]["b"], "c");
}

TEST(StrictJson, RejectsDuplicateKeysAtAnyDepth) {
  expectRejected(R"({"a":1,"a":2})", "duplicate key \"a\"");
  expectRejected(R"({"x":{"y":[{"k":1,"k":1}]}})", "duplicate key \"k\"");
  // The same key spelled with an escape is still the same key.
  expectRejected(R"({"id":"a","\u0069d":"b"})", "duplicate key \"id\"");
}

TEST(StrictJson, SameKeyInSiblingObjectsIsFine) {
  EXPECT_TRUE(parseStrictJson(R"([{"a":1},{"a":2}])", "doc").ok());
}

TEST(StrictJson, RejectsInvalidUtf8) {
  expectRejected("{\"a\":\"\xff\"}", "not valid UTF-8");
  expectRejected("{\"a\":\"\xc0\xaf\"}", "not valid UTF-8");          // overlong '/'
  expectRejected("{\"a\":\"\xed\xa0\x80\"}", "not valid UTF-8");      // encoded surrogate
  expectRejected("{\"a\":\"\xf4\x90\x80\x80\"}", "not valid UTF-8");  // above U+10FFFF
  expectRejected("{\"a\":\"\xe2\x82\"}", "not valid UTF-8");          // truncated
}

TEST(StrictJson, RejectsLoneSurrogateEscapes) {
  expectRejected(R"({"a":"\ud800"})", "not valid JSON");
}

TEST(StrictJson, RejectsDeepNestingWithoutRecursing) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  expectRejected(deep, "nests deeper than 64");
  const std::string deepObjects = [] {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "{\"a\":";
    return s + "1" + std::string(100000, '}');
  }();
  expectRejected(deepObjects, "nests deeper than 64");
}

TEST(StrictJson, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string text =
      "{\"a\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  EXPECT_TRUE(parseStrictJson(text, "doc").ok());
}

TEST(StrictJson, RejectsOversizeInputBeforeParsing) {
  const std::string huge = "{\"a\":\"" + std::string(32 << 20, 'x') + "\"}";
  expectRejected(huge, "limit is 1048576");
}

TEST(StrictJson, RejectsSyntaxErrorsAndTrailingData) {
  expectRejected("{\"a\":1,}", "not valid JSON");
  expectRejected("{\"a\":1} {}", "not valid JSON");
  expectRejected("", "not valid JSON");
  expectRejected("{\"a\":\"x\ny\"}", "not valid JSON");  // raw control character
  expectRejected("[NaN]", "not valid JSON");
}

// Found by the RFC 8785 differential over canonical_json_fuzz's corpus: nlohmann stopped at a
// NUL byte and ignored the rest, so "[1]\0garbage" was a valid document to us and to no one else.
TEST(StrictJson, RejectsNulBytesAnywhere) {
  using namespace std::string_view_literals;
  expectRejected("[1]\0\0garbage"sv, "NUL byte (byte offset 3)");
  expectRejected("\0"sv, "NUL byte (byte offset 0)");
  expectRejected("{\"a\":\"x\0y\"}"sv, "NUL byte");
  EXPECT_TRUE(parseStrictJson(R"({"a":"x\u0000y"})", "doc").ok());  // an escaped NUL is text
}

TEST(StrictJson, FindInvalidUtf8ReportsOffset) {
  EXPECT_EQ(findInvalidUtf8("abc"), std::string_view::npos);
  EXPECT_EQ(findInvalidUtf8("ab\x80"), 2u);
  EXPECT_EQ(findInvalidUtf8("\xf0\x9f\x98\x80ok"), std::string_view::npos);
}

}  // namespace
}  // namespace ps::core
