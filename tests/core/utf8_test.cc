#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace ps::core {
namespace {

const std::string kEuro = "\xE2\x82\xAC";  // three bytes

TEST(Utf8Test, SequenceLengthAcceptsWellFormedAndRefusesTheRest) {
  EXPECT_EQ(utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(utf8SequenceLength("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8SequenceLength(kEuro, 0), 3u);
  EXPECT_EQ(utf8SequenceLength("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(utf8SequenceLength("\x80", 0), 0u);              // a lone continuation byte
  EXPECT_EQ(utf8SequenceLength("\xC0\xAF", 0), 0u);          // overlong
  EXPECT_EQ(utf8SequenceLength("\xED\xA0\x80", 0), 0u);      // a surrogate
  EXPECT_EQ(utf8SequenceLength("\xF4\x90\x80\x80", 0), 0u);  // above U+10FFFF
  EXPECT_EQ(utf8SequenceLength("\xE2\x82", 0), 0u);          // cut short
}

TEST(Utf8Test, SanitizeReplacesEachBadByte) {
  EXPECT_EQ(sanitizeUtf8("ok " + kEuro), "ok " + kEuro);
  EXPECT_EQ(sanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Utf8Test, TailNeverStartsInsideACharacter) {
  const std::string text = "ab" + kEuro + kEuro;  // 8 bytes
  EXPECT_EQ(utf8Tail(text, 100), text);
  EXPECT_EQ(utf8Tail(text, 6), kEuro + kEuro);
  EXPECT_EQ(utf8Tail(text, 5), kEuro);  // the cut fell inside the first euro: moved forward
  EXPECT_EQ(utf8Tail(text, 4), kEuro);
  EXPECT_EQ(utf8Tail(text, 2), "");
}

TEST(Utf8Test, HeadNeverEndsInsideACharacter) {
  const std::string text = kEuro + kEuro + "ab";  // 8 bytes
  EXPECT_EQ(utf8Head(text, 100), text);
  EXPECT_EQ(utf8Head(text, 6), kEuro + kEuro);
  EXPECT_EQ(utf8Head(text, 5), kEuro);  // the cut fell inside the second euro: moved back
  EXPECT_EQ(utf8Head(text, 2), "");
}

TEST(Utf8Test, BoundariesMovePastContinuationBytesOnly) {
  const std::string text = "a" + kEuro;
  EXPECT_EQ(nextCharBoundary(text, 0), 0u);
  EXPECT_EQ(nextCharBoundary(text, 2), 4u);
  EXPECT_EQ(previousCharBoundary(text, 3), 1u);
  EXPECT_EQ(previousCharBoundary(text, 4), 4u);  // the end is a boundary
}

TEST(Utf8Test, MarkedTailPutsTheOneMarkerInFrontOfACutTail) {
  const std::string marker(kTruncationMarker);
  EXPECT_EQ(markedTail("short", 100), "short");
  EXPECT_EQ(markedTail("short", 100, /*alreadyCut=*/true), marker + "short");
  const std::string text = "ab" + kEuro + kEuro;  // 8 bytes
  // 5 bytes left after the marker: the cut falls inside the first euro and moves past it.
  EXPECT_EQ(markedTail(text, marker.size() + 5, /*alreadyCut=*/true), marker + kEuro);
  EXPECT_EQ(markedTail(text, marker.size(), /*alreadyCut=*/true), "") << "no room past the marker";
  EXPECT_EQ(markedTail(std::string(30, 'z'), marker.size() + 5), marker + "zzzzz");
}

TEST(Utf8Test, SplitTruncationMarkerUndoesMarkedTail) {
  const std::string marked = markedTail(std::string(50, 'x'), 40);
  auto split = splitTruncationMarker(marked);
  EXPECT_TRUE(split.cut);
  EXPECT_EQ(split.tail, std::string(40 - kTruncationMarker.size(), 'x'));
  split = splitTruncationMarker("plain");
  EXPECT_FALSE(split.cut);
  EXPECT_EQ(split.tail, "plain");
}

}  // namespace
}  // namespace ps::core
