#include "sandbox/termination_message.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/utf8.h"

namespace ps::sandbox {
namespace {

CapturedOutput captured(std::string tail, bool cut) {
  CapturedOutput out;
  out.stdoutTail = std::move(tail);
  out.tailCut = cut;
  return out;
}

bool startsOnCharacter(std::string_view text) {
  return text.empty() || (static_cast<unsigned char>(text.front()) & 0xC0) != 0x80;
}

TEST(TerminationMessageTest, ShortOutputIsKeptAsIs) {
  EXPECT_EQ(terminationMessage(captured("{\"todo\": 3}\n", false)), "{\"todo\": 3}\n");
  EXPECT_EQ(terminationMessage(captured("", false)), "");
}

TEST(TerminationMessageTest, CutOutputIsMarkedAndFitsTheKubeletCap) {
  std::string tail(4096, 'x');
  std::string message = terminationMessage(captured(tail, true));
  EXPECT_EQ(message.size(), kMaxTerminationMessageBytes);
  EXPECT_EQ(message.rfind(core::kTruncationMarker, 0), 0u) << "marker first";
  EXPECT_EQ(message.substr(core::kTruncationMarker.size()),
            tail.substr(core::kTruncationMarker.size()));
}

TEST(TerminationMessageTest, CutNeverSplitsAMultiByteCharacter) {
  // 3-byte characters: whatever the budget, the text after the marker starts on a lead byte.
  std::string euro;
  for (int i = 0; i < 2000; ++i) euro += "\xE2\x82\xAC";
  for (std::size_t cap : {64u, 65u, 66u, 67u, 4096u}) {
    std::string message = terminationMessage(captured(euro.substr(euro.size() - 4095), true), cap);
    ASSERT_LE(message.size(), cap);
    std::string_view body = std::string_view(message).substr(core::kTruncationMarker.size());
    EXPECT_TRUE(startsOnCharacter(body)) << "cap " << cap;
    EXPECT_EQ(body.size() % 3, 0u) << "whole characters only, cap " << cap;
  }
}

TEST(TerminationMessageTest, TailLongerThanTheCapIsCutEvenIfThePumpDidNot) {
  std::string message = terminationMessage(captured(std::string(100, 'y'), false), 50);
  EXPECT_EQ(message.size(), 50u);
  EXPECT_EQ(message.rfind(core::kTruncationMarker, 0), 0u);
}

TEST(TerminationMessageTest, CapSmallerThanTheMarkerGivesAnEmptyMessage) {
  EXPECT_EQ(terminationMessage(captured("abc", true), 3), "");
}

TEST(TerminationMessageTest, ParsingGivesBackTheTailAndWhetherItWasCut) {
  std::string tail(5000, 'z');
  auto parsed = parseTerminationMessage(terminationMessage(captured(tail.substr(0, 4096), true)));
  EXPECT_TRUE(parsed.cut);
  EXPECT_EQ(parsed.stdoutTail, tail.substr(0, 4096 - core::kTruncationMarker.size()));
  parsed = parseTerminationMessage("short\n");
  EXPECT_FALSE(parsed.cut);
  EXPECT_EQ(parsed.stdoutTail, "short\n");
  EXPECT_FALSE(parseTerminationMessage("").cut);
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(TerminationMessageTest, WritesAndTruncatesTheFile) {
  auto dir = std::filesystem::temp_directory_path() / ("tm-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "termination-log";
  std::ofstream(file) << "an older, longer message";
  const auto written = writeTerminationMessage(file, "new");
  EXPECT_TRUE(written) << written.error();
  EXPECT_EQ(readFile(file), "new");
  std::filesystem::remove_all(dir);
}

TEST(TerminationMessageTest, RefusesASymlinkAndReportsUnwritablePaths) {
  auto dir = std::filesystem::temp_directory_path() / ("tm-link-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "target") << "keep";
  std::filesystem::create_symlink(dir / "target", dir / "link");
  auto failed = writeTerminationMessage(dir / "link", "overwrite");
  ASSERT_FALSE(failed);
  EXPECT_EQ(readFile(dir / "target"), "keep");
  auto missing = writeTerminationMessage(dir / "no-such-dir" / "log", "x");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("no-such-dir"), std::string::npos) << missing.error();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ps::sandbox
