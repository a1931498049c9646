#include "observe/logger.h"

#include <gtest/gtest.h>

#include <sstream>

namespace ps::observe {
namespace {

const auto kFixedTime = [] {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
         std::chrono::milliseconds(5);
};

TEST(LoggerTest, JsonLinesEscapeHostileText) {
  std::ostringstream out;
  Logger logger(out, LogFormat::kJson, LogLevel::kInfo, kFixedTime);
  logger.info("run \"x\"\nfinished", {{"plugin", "a\tb"}, {"exitCode", 3}, {"msg", "spoof"}});
  const std::string line = out.str();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per entry";
  const auto entry = nlohmann::json::parse(line);
  EXPECT_EQ(entry["ts"], "2023-11-14T22:13:20.005Z");
  EXPECT_EQ(entry["level"], "info");
  EXPECT_EQ(entry["msg"], "run \"x\"\nfinished") << "fields cannot overwrite the message";
  EXPECT_EQ(entry["plugin"], "a\tb");
  EXPECT_EQ(entry["exitCode"], 3);
}

TEST(LoggerTest, InvalidUtf8DoesNotThrow) {
  std::ostringstream out;
  Logger logger(out, LogFormat::kJson, LogLevel::kDebug, kFixedTime);
  EXPECT_NO_THROW(logger.warn("bad", {{"output", std::string("\xff\xfe")}}));
  EXPECT_NO_THROW(nlohmann::json::parse(out.str()));
}

TEST(LoggerTest, TextIsOneReadableLine) {
  std::ostringstream out;
  Logger logger(out, LogFormat::kText, LogLevel::kDebug, kFixedTime);
  logger.error("reconcile failed", {{"key", "ns/a"}, {"error", "line1\nline2"}});
  EXPECT_EQ(
      out.str(),
      "2023-11-14T22:13:20.005Z ERROR \"reconcile failed\" error=\"line1\\nline2\" key=ns/a\n")
      << "fields in key order; values with spaces or newlines quoted";
}

TEST(LoggerTest, LevelsFilter) {
  std::ostringstream out;
  Logger logger(out, LogFormat::kText, LogLevel::kWarn, kFixedTime);
  logger.debug("d");
  logger.info("i");
  EXPECT_TRUE(out.str().empty());
  logger.warn("w");
  EXPECT_FALSE(out.str().empty());
  EXPECT_EQ(parseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(parseLogLevel("loud"), std::nullopt);
  EXPECT_EQ(parseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(parseLogFormat("xml"), std::nullopt);
}

}  // namespace
}  // namespace ps::observe
