#include "core/yaml_to_json.h"

#include <gtest/gtest.h>

#include <limits>

namespace ps::core {
namespace {

nlohmann::json convert(const std::string& yaml) {
  auto result = yamlToJson(yaml, "doc");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.rejection().line());
  return result.ok() ? *result : nlohmann::json();
}

TEST(YamlToJson, ResolvesScalarsByTheYaml12CoreSchema) {
  auto json = convert(
      "a: no\nb: on\nc: yes\nd: off\ne: true\nf: False\ng: ~\nh: null\ni:\nj: 0o17\nk: 0x1F\n"
      "l: -12\nm: 1.5e3\nn: .5\no: 012\np: '123'\nq: \"true\"\nr: !!str 7\ns: 1_000\nt: y\n");
  EXPECT_EQ(json["a"], "no");
  EXPECT_EQ(json["b"], "on");
  EXPECT_EQ(json["c"], "yes");
  EXPECT_EQ(json["d"], "off");
  EXPECT_EQ(json["e"], true);
  EXPECT_EQ(json["f"], false);
  EXPECT_TRUE(json["g"].is_null());
  EXPECT_TRUE(json["h"].is_null());
  EXPECT_TRUE(json["i"].is_null());
  EXPECT_EQ(json["j"], 15);
  EXPECT_EQ(json["k"], 31);
  EXPECT_EQ(json["l"], -12);
  EXPECT_EQ(json["m"], 1500.0);
  EXPECT_EQ(json["n"], 0.5);
  EXPECT_EQ(json["o"], 12);  // 1.2: a leading zero is decimal, not octal
  EXPECT_EQ(json["p"], "123");
  EXPECT_EQ(json["q"], "true");
  EXPECT_EQ(json["r"], "7");
  EXPECT_EQ(json["s"], "1_000");  // 1.1 allowed underscores, 1.2 does not
  EXPECT_EQ(json["t"], "y");
}

TEST(YamlToJson, KeepsStructure) {
  auto json =
      convert("plugins:\n  techdebt:\n    permissions: [read_files]\n    signers:\n      - a\n");
  EXPECT_EQ(json["plugins"]["techdebt"]["permissions"][0], "read_files");
  EXPECT_EQ(json["plugins"]["techdebt"]["signers"][0], "a");
}

void expectRejected(const std::string& yaml, const std::string& fragment) {
  auto result = yamlToJson(yaml, "doc");
  ASSERT_FALSE(result.ok()) << yaml.substr(0, 60);
  EXPECT_EQ(result.rejection().rule, "json");
  EXPECT_NE(result.rejection().message.find(fragment), std::string::npos)
      << result.rejection().line();
}

TEST(YamlToJson, RejectsWhatJsonCannotSayOrWouldSayTwice) {
  expectRejected("a: 1\na: 2\n", "duplicate key");
  expectRejected("a: .inf\n", "no JSON equivalent");
  expectRejected("a: .nan\n", "no JSON equivalent");
  expectRejected("? [a, b]\n: 1\n", "not a string");
  expectRejected("a: !custom x\n", "tag");
  expectRejected("a: b: c\n", "not valid YAML");
  expectRejected("a: [1, 2\n", "");  // unterminated flow sequence
  expectRejected("a: \"\xff\"\n", "UTF-8");
  expectRejected("a: 99999999999999999999\n", "outside the 64-bit range");
  expectRejected("a: " + std::string(100000, '1') + "\n",
                 "longer than 1024 bytes");  // before any regex
}

// Issue 13 item 4: std::stod threw std::out_of_range on these and aborted pluginctl.
TEST(YamlToJson, RefusesNumbersOutsideTheirRangeInsteadOfThrowing) {
  for (const char* number : {"1e400", "-1e999", "1e-400", "+1E+400", ".1e-999", "1.0e99999"}) {
    auto result = yamlToJson(std::string("maxMemory: ") + number + "\n", "policy");
    ASSERT_FALSE(result.ok()) << number;
    EXPECT_EQ(result.rejection().rule, "json");
    EXPECT_EQ(result.rejection().message, std::string("policy holds the number \"") + number +
                                              "\", which is outside the range of a 64-bit float");
  }
  for (const char* number : {"9223372036854775808", "-9223372036854775809", "0x10000000000000000",
                             "0o7777777777777777777777"}) {
    auto result = yamlToJson(std::string("a: [") + number + "]\n", "doc");
    ASSERT_FALSE(result.ok()) << number;
    EXPECT_NE(result.rejection().message.find("outside the 64-bit range"), std::string::npos)
        << result.rejection().message;
  }
  auto edges = convert("a: 9223372036854775807\nb: -9223372036854775808\nc: 1e308\nd: -0.0\n");
  EXPECT_EQ(edges["a"], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(edges["b"], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(edges["c"], 1e308);
  EXPECT_TRUE(edges["d"].is_number_float());
}

TEST(YamlToJson, RejectsDeepNestingAndAliasBombs) {
  expectRejected(std::string(200000, '[') + std::string(200000, ']'), "deeper");
  std::string block;
  for (int i = 0; i < 100; ++i) block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "a:\n";
  expectRejected(block, "");
  // Each level doubles the previous one: expanded, this would be 2^30 nodes. Aliases are refused.
  std::string bomb = "a0: &a0 [x, x]\n";
  for (int i = 1; i < 30; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) +
            ", *a" + std::to_string(i - 1) + "]\n";
  }
  expectRejected(bomb, "alias");
  expectRejected("a: &x 1\nb: *x\n", "alias");
  expectRejected("a: 1\n---\nb: 2\n", "more than one YAML document");
}

}  // namespace
}  // namespace ps::core
