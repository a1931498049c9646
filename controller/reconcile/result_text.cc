#include "reconcile/result_text.h"

#include <cstdint>

namespace ps::reconcile {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool isContinuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Length of the valid UTF-8 sequence starting at bytes[pos], or 0 when it is not valid.
size_t validSequenceLength(std::string_view bytes, size_t pos) {
  const auto lead = static_cast<unsigned char>(bytes[pos]);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t codePoint = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    codePoint = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    codePoint = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    codePoint = lead & 0x07u;
  } else {
    return 0;  // continuation byte, overlong 2-byte lead (C0, C1) or beyond U+10FFFF (F5..FF)
  }
  if (pos + length > bytes.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(bytes[pos + i]);
    if (!isContinuation(c)) return 0;
    codePoint = (codePoint << 6) | (c & 0x3Fu);
  }
  const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
  const bool surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
  if (overlong || surrogate || codePoint > 0x10FFFF) return 0;
  return length;
}

}  // namespace

std::string sanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t length = validSequenceLength(bytes, pos);
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

namespace {

std::string truncationMarker(size_t dropped) {
  return "\xE2\x80\xA6[truncated " + std::to_string(dropped) + " bytes]\n";
}

}  // namespace

std::string resultText(std::string_view message, size_t maxBytes) {
  std::string text = sanitizeUtf8(message);
  if (text.size() <= maxBytes) return text;
  // The marker's length depends on N and N on the marker's length; N only grows, so this settles.
  size_t dropped = text.size() - maxBytes;
  while (true) {
    const size_t markerSize = truncationMarker(dropped).size();
    if (markerSize >= maxBytes) return {};  // no room for any output at all
    size_t cut = text.size() - (maxBytes - markerSize);
    // Never start inside a character: move the cut forward past continuation bytes.
    while (cut < text.size() && isContinuation(static_cast<unsigned char>(text[cut]))) ++cut;
    if (truncationMarker(cut).size() == markerSize) return truncationMarker(cut) + text.substr(cut);
    dropped = cut;
  }
}

}  // namespace ps::reconcile
