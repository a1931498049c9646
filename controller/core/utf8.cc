#include "core/utf8.h"

#include <cstdint>

namespace ps::core {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool isContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::size_t utf8SequenceLength(std::string_view text, std::size_t pos) {
  auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t lead = byte(pos);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80, cp = lead & 0x1fu;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800, cp = lead & 0x0fu;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, cp = lead & 0x07u;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if (!isContinuationByte(text[pos + k])) return 0;
    cp = (cp << 6) | (byte(pos + k) & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return length;
}

std::string sanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t length = utf8SequenceLength(bytes, pos);
    if (length == 0) {
      out += kReplacement;
      ++pos;
    } else {
      out.append(bytes.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

std::size_t nextCharBoundary(std::string_view text, std::size_t pos) {
  while (pos < text.size() && isContinuationByte(text[pos])) ++pos;
  return pos;
}

std::size_t previousCharBoundary(std::string_view text, std::size_t pos) {
  while (pos > 0 && pos < text.size() && isContinuationByte(text[pos])) --pos;
  return pos;
}

std::string_view utf8Tail(std::string_view text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  return text.substr(nextCharBoundary(text, text.size() - maxBytes));
}

std::string_view utf8Head(std::string_view text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  return text.substr(0, previousCharBoundary(text, maxBytes));
}

std::string markedTail(std::string_view text, std::size_t maxBytes, bool alreadyCut) {
  if (!alreadyCut && text.size() <= maxBytes) return std::string(text);
  if (maxBytes <= kTruncationMarker.size()) return {};
  std::string marked(kTruncationMarker);
  marked += utf8Tail(text, maxBytes - kTruncationMarker.size());
  return marked;
}

SplitMarkedTail splitTruncationMarker(std::string_view text) {
  if (text.substr(0, kTruncationMarker.size()) == kTruncationMarker) {
    return {text.substr(kTruncationMarker.size()), true};
  }
  return {text, false};
}

}  // namespace ps::core
