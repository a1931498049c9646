#include "sandbox/output_guard.h"

#include <array>
#include <cstdio>

namespace ps::sandbox {
namespace {

constexpr std::array<std::string_view, 3> kReservedStarts = {
    "pluginctl:", "rejected:", "[output truncated"};

bool isPrefixOfReserved(std::string_view text) {
  for (auto word : kReservedStarts) {
    if (word.substr(0, text.size()) == text) return true;
  }
  return false;
}

bool isReserved(std::string_view text) {
  for (auto word : kReservedStarts) {
    if (word == text) return true;
  }
  return false;
}

void appendEscape(const char* format, unsigned value, std::string& out) {
  char text[16];
  std::snprintf(text, sizeof text, format, value);
  out += text;
}

}  // namespace

std::string OutputGuard::filter(std::string_view data) {
  std::string out;
  if (passesThrough()) return std::string(data);
  out.reserve(data.size() + 16);
  for (char c : data) {
    if (mode_.guardOwnLines) {
      guardLines(c, out);
    } else {
      emit(std::string_view(&c, 1), out);
    }
  }
  return out;
}

std::string OutputGuard::finish() {
  std::string out;
  emit(held_, out);
  held_.clear();
  if (heldC2_ && mode_.neutralizeControls) appendEscape("\\x%02x", 0xc2, out);
  heldC2_ = false;
  return out;
}

void OutputGuard::guardLines(char c, std::string& out) {
  if (!lineStart_) {
    emit(std::string_view(&c, 1), out);
    if (c == '\n') lineStart_ = true;
    return;
  }
  held_.push_back(c);
  if (isReserved(held_)) {
    emit(kPluginLineTag, out);
  } else if (isPrefixOfReserved(held_)) {
    return;  // not decided yet
  }
  const std::string decided = std::move(held_);
  held_.clear();
  lineStart_ = false;
  for (char d : decided) {
    emit(std::string_view(&d, 1), out);
    if (d == '\n') lineStart_ = true;
  }
}

void OutputGuard::emit(std::string_view bytes, std::string& out) {
  for (char c : bytes) {
    if (mode_.neutralizeControls) {
      neutralize(static_cast<unsigned char>(c), out);
    } else {
      out.push_back(c);
    }
  }
}

void OutputGuard::neutralize(unsigned char c, std::string& out) {
  if (heldC2_) {
    heldC2_ = false;
    continuationLeft_ = 0;
    if (c >= 0x80 && c <= 0x9f) {  // U+0080..U+009F: the C1 controls (0x9b is CSI)
      appendEscape("\\u%04x", c, out);
      return;
    }
    out.push_back(static_cast<char>(0xc2));
    if (c >= 0x80 && c <= 0xbf) {
      out.push_back(static_cast<char>(c));
      return;
    }
  }
  if (c == '\n' || c == '\t') {
    continuationLeft_ = 0;
    out.push_back(static_cast<char>(c));
  } else if (c < 0x20 || c == 0x7f) {
    continuationLeft_ = 0;
    appendEscape("\\x%02x", c, out);
  } else if (c < 0x80) {
    continuationLeft_ = 0;
    out.push_back(static_cast<char>(c));
  } else if (c <= 0xbf) {
    // A continuation byte: part of a sequence, or a stray one that an 8-bit terminal would take
    // for a C1 control when it is below 0xa0.
    if (continuationLeft_ > 0) {
      --continuationLeft_;
      out.push_back(static_cast<char>(c));
    } else if (c <= 0x9f) {
      appendEscape("\\x%02x", c, out);
    } else {
      out.push_back(static_cast<char>(c));
    }
  } else if (c == 0xc2) {
    heldC2_ = true;
  } else {
    continuationLeft_ = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    out.push_back(static_cast<char>(c));
  }
}

}  // namespace ps::sandbox
