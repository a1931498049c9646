#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8 as the project cuts and cleans it: every cut of text that may hold multi-byte characters
// (stdout tails, termination messages, status.result, condition messages) goes through here.
namespace ps::core {

inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // "…"

// Length of the well-formed UTF-8 sequence starting at text[pos], or 0 when it is not one (a bad
// lead byte, a truncated or overlong sequence, a surrogate, a code point above U+10FFFF).
std::size_t utf8SequenceLength(std::string_view text, std::size_t pos);

// Every ill-formed sequence replaced by U+FFFD, so the text is safe to put in JSON.
std::string sanitizeUtf8(std::string_view bytes);

// `pos` moved forward (or back) past continuation bytes, onto the start of a character.
std::size_t nextCharBoundary(std::string_view text, std::size_t pos);
std::size_t previousCharBoundary(std::string_view text, std::size_t pos);

// The last (or first) at most `maxBytes` bytes of `text`, never splitting a character.
std::string_view utf8Tail(std::string_view text, std::size_t maxBytes);
std::string_view utf8Head(std::string_view text, std::size_t maxBytes);

// The one marker put in front of a text whose beginning was dropped (the plugin's stdout tail in
// a termination message and in status.result), so a reader knows output is missing.
inline constexpr std::string_view kTruncationMarker =
    "\xE2\x80\xA6[truncated]\n";  // "…[truncated]\n"

// `text` when it fits `maxBytes` and was not cut before (`alreadyCut`); otherwise
// kTruncationMarker followed by the longest tail of `text` that fits with it, starting on a
// character boundary (empty when the marker alone does not fit).
std::string markedTail(std::string_view text, std::size_t maxBytes, bool alreadyCut = false);

// `text` without a leading kTruncationMarker, and whether it had one.
struct SplitMarkedTail {
  std::string_view tail;
  bool cut = false;
};
SplitMarkedTail splitTruncationMarker(std::string_view text);

}  // namespace ps::core
