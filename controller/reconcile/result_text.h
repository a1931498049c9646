#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/utf8.h"

namespace ps::reconcile {

// The most bytes of plugin output kept in status.result: the kubelet's termination-message cap.
inline constexpr size_t kMaxResultBytes = 4096;

// Every invalid UTF-8 sequence replaced by U+FFFD (core/utf8.h), so the text is safe in JSON.
using core::sanitizeUtf8;

// Makes a termination message fit status.result: valid UTF-8 and at most `maxBytes` bytes.
// The message is the TAIL of the plugin's stdout, so when it is too long the beginning is dropped,
// the cut falls on a character boundary, and the text is prefixed with core::kTruncationMarker,
// once: a message the launcher already cut keeps its one marker.
std::string resultText(std::string_view message, size_t maxBytes = kMaxResultBytes);

}  // namespace ps::reconcile
