#include "reconcile/result_text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace ps::reconcile {
namespace {

// Independent check: every byte sequence decodes as well-formed UTF-8 (RFC 3629).
bool isValidUtf8(const std::string& text) {
  return sanitizeUtf8(text) == text;
}

TEST(SanitizeUtf8Test, KeepsValidText) {
  const std::string text = "plain ascii, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80";
  EXPECT_EQ(sanitizeUtf8(text), text);
}

TEST(SanitizeUtf8Test, ReplacesEveryKindOfInvalidSequence) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(sanitizeUtf8("a\xFF"
                         "b"),
            "a" + fffd + "b");
  EXPECT_EQ(sanitizeUtf8("\x80"), fffd);                                    // lone continuation
  EXPECT_EQ(sanitizeUtf8("\xC0\xAF"), fffd + fffd);                         // overlong '/'
  EXPECT_EQ(sanitizeUtf8("\xE0\x80\xAF"), fffd + fffd + fffd);              // overlong 3-byte
  EXPECT_EQ(sanitizeUtf8("\xED\xA0\x80"), fffd + fffd + fffd);              // surrogate U+D800
  EXPECT_EQ(sanitizeUtf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);   // > U+10FFFF
  EXPECT_EQ(sanitizeUtf8("x\xE2\x82"), "x" + fffd + fffd);                  // truncated at the end
  EXPECT_EQ(sanitizeUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));  // NUL is valid
}

TEST(ResultTextTest, ShortMessagesAreUnchanged) {
  EXPECT_EQ(resultText("found 3 TODOs\n"), "found 3 TODOs\n");
  EXPECT_EQ(resultText(""), "");
  const std::string exact(kMaxResultBytes, 'x');
  EXPECT_EQ(resultText(exact), exact);
}

TEST(ResultTextTest, LongMessagesKeepTheTailBehindTheOneMarker) {
  const std::string text = "HEAD" + std::string(5000, 'x') + "TAIL";
  const std::string result = resultText(text);
  EXPECT_LE(result.size(), kMaxResultBytes);
  EXPECT_EQ(result.substr(result.size() - 4), "TAIL");
  ASSERT_EQ(result.rfind(core::kTruncationMarker, 0), 0u) << result.substr(0, 40);
  EXPECT_EQ(result.substr(core::kTruncationMarker.size()),
            text.substr(text.size() - (kMaxResultBytes - core::kTruncationMarker.size())));
  EXPECT_EQ(result.size(), kMaxResultBytes);
}

// The launcher's termination message already starts with the marker: a further cut (invalid
// bytes grow when replaced) keeps one marker, never two.
TEST(ResultTextTest, AMessageTheLauncherCutKeepsOneMarker) {
  const std::string launcherCut = std::string(core::kTruncationMarker) + "tail\n";
  EXPECT_EQ(resultText(launcherCut), launcherCut);
  const std::string grows =
      std::string(core::kTruncationMarker) + std::string(2000, '\xFF') + "END";
  const std::string result = resultText(grows);
  EXPECT_LE(result.size(), kMaxResultBytes);
  EXPECT_EQ(result.rfind(core::kTruncationMarker, 0), 0u);
  EXPECT_EQ(result.find(core::kTruncationMarker, 1), std::string::npos) << "one marker";
  EXPECT_EQ(result.substr(result.size() - 3), "END");
}

TEST(ResultTextTest, CutNeverSplitsACharacter) {
  // Multi-byte characters at every alignment relative to the cut.
  for (size_t pad = 0; pad < 4; ++pad) {
    std::string text(pad, 'a');
    while (text.size() < 6000) text += "\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9";
    const std::string result = resultText(text);
    EXPECT_LE(result.size(), kMaxResultBytes) << pad;
    EXPECT_TRUE(isValidUtf8(result)) << pad;
  }
}

TEST(ResultTextTest, InvalidBytesAreReplacedBeforeCutting) {
  const std::string result = resultText(std::string(3000, '\xFF'));  // 9000 bytes once replaced
  EXPECT_LE(result.size(), kMaxResultBytes);
  EXPECT_TRUE(isValidUtf8(result));
  EXPECT_NE(result.find("truncated"), std::string::npos);
}

TEST(ResultTextTest, TinyLimitsDoNotOverflow) {
  EXPECT_EQ(resultText("0123456789", 5), "");
  const std::string result = resultText(std::string(100, 'z'), 30);
  EXPECT_LE(result.size(), 30u);
  EXPECT_TRUE(isValidUtf8(result));
}

TEST(ResultTextTest, LongMessagesFillTheLimitExactly) {
  for (size_t size = 4096 + 1; size < 4096 + 20000; size += 997) {
    const std::string result = resultText(std::string(size, 'q'));
    EXPECT_EQ(result.size(), kMaxResultBytes) << size;
  }
}

// Property: for any bytes, the result is valid UTF-8, within the limit, and its text part is
// a suffix of the sanitized input (nothing but the beginning is ever dropped).
TEST(ResultTextPropertyTest, RandomBytesAlwaysGiveValidBoundedTails) {
  std::mt19937 random(20261127);  // fixed seed: a failure reproduces
  const char alphabet[] = {'a',    '\n',   '\x7F', '\x80', '\xBF', '\xC3', '\xA9', '\xE2',
                           '\x82', '\xAC', '\xF0', '\x9F', '\x98', '\xFF', '\xED', '\xA0'};
  for (int round = 0; round < 2000; ++round) {
    const size_t size = random() % 9000;
    std::string bytes(size, '\0');
    for (char& c : bytes) c = alphabet[random() % sizeof alphabet];
    const size_t limit = 64 + random() % 4096;
    const std::string result = resultText(bytes, limit);
    ASSERT_LE(result.size(), limit) << round;
    ASSERT_TRUE(isValidUtf8(result)) << round;
    const std::string clean = sanitizeUtf8(bytes);
    const std::string tail = result.rfind(core::kTruncationMarker, 0) == 0
                                 ? result.substr(core::kTruncationMarker.size())
                                 : result;
    ASSERT_GE(clean.size(), tail.size());
    ASSERT_EQ(clean.compare(clean.size() - tail.size(), tail.size(), tail), 0) << round;
  }
}

}  // namespace
}  // namespace ps::reconcile
