#include "core/canonical_json.h"

#include <gtest/gtest.h>

namespace ps::core {
namespace {

std::string canonical(const std::string& json) {
  auto result = canonicalJson(nlohmann::json::parse(json));
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.rejection().line());
  return result.ok() ? *result : "";
}

// RFC 8785 §3.2.2: whitespace, literals, numbers and string escaping.
TEST(CanonicalJson, MatchesRfc8785SerializationExample) {
  const std::string input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(canonical(input),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 §3.2.3: member names sorted by UTF-16 code units, not by UTF-8 bytes.
TEST(CanonicalJson, SortsKeysByUtf16CodeUnitsAsInRfc8785) {
  const std::string input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(canonical(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
            "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
            "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(CanonicalJson, DiffersFromNlohmannDumpWhereJcsDoes) {
  // Byte order would put U+FFFF after U+10000; UTF-16 order puts the surrogate pair first.
  EXPECT_EQ(canonical(R"({"\uffff":1,"\ud800\udc00":2})"),
            "{\"\xf0\x90\x80\x80\":2,\"\xef\xbf\xbf\":1}");
  EXPECT_EQ(canonical("[1e20, 1e-6, 1.0, -0.0]"), "[100000000000000000000,0.000001,1,0]");
  EXPECT_NE(nlohmann::json::parse("[1e20, 1e-6, 1.0, -0.0]").dump(),
            "[100000000000000000000,0.000001,1,0]");
}

TEST(CanonicalJson, EscapesOnlyWhatJcsEscapes) {
  EXPECT_EQ(canonical(R"(["\u0001\b\t\n\f\r\u001f\u007f/\u00e9"])"),
            "[\"\\u0001\\b\\t\\n\\f\\r\\u001f\x7f/\xc3\xa9\"]");
}

TEST(CanonicalJson, NestedObjectsAreSortedToo) {
  EXPECT_EQ(canonical(R"({"b":{"z":1,"a":[{"y":2,"x":1}]},"a":null})"),
            R"({"a":null,"b":{"a":[{"x":1,"y":2}],"z":1}})");
}

TEST(CanonicalJson, RefusesIntegersThatAreNotExactDoubles) {
  EXPECT_EQ(canonical("[9007199254740992, -9007199254740992]"),
            "[9007199254740992,-9007199254740992]");
  auto tooLarge = canonicalJson(nlohmann::json::parse("[9007199254740993]"));
  ASSERT_FALSE(tooLarge.ok());
  EXPECT_EQ(tooLarge.rejection().rule, "json");
  EXPECT_FALSE(canonicalJson(nlohmann::json::parse("[18446744073709551615]")).ok());
  EXPECT_FALSE(canonicalJson(nlohmann::json::parse("[9223372036854775807]")).ok());
  EXPECT_FALSE(canonicalJson(nlohmann::json(std::numeric_limits<double>::quiet_NaN())).ok());
}

// Found by canonical_json_fuzz: the canonical text of the double 1.234567890123456e17 reads back
// as an integer above 2^53, which was refused, so canonical bytes did not canonicalise again.
// An integer is kept exactly when its double prints the same digits.
TEST(CanonicalJson, IntegersWhoseDoublePrintsTheSameDigitsAreKept) {
  EXPECT_EQ(canonical("[1234567890123456e2, 5.234567890474099e16]"),
            "[123456789012345600,52345678904740990]");
  EXPECT_EQ(canonical("[123456789012345600, 52345678904740990, -100000000000000000000]"),
            "[123456789012345600,52345678904740990,-100000000000000000000]");
  for (const char* changed :
       {"[52345678904740992]", "[18446744073709549568]", "[-9223372036854775808]"}) {
    EXPECT_FALSE(canonicalJson(nlohmann::json::parse(changed)).ok()) << changed;
  }
}

}  // namespace
}  // namespace ps::core
