#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.h"
#include "sandbox/output_pump.h"

namespace ps::sandbox {

// The kubelet keeps at most 4096 bytes of a container's termination message.
inline constexpr std::size_t kMaxTerminationMessageBytes = 4096;

// The last bytes of the plugin's stdout, at most `maxBytes` in all. When stdout was longer,
// core::kTruncationMarker comes first and the text after it still starts on a UTF-8 character
// boundary (core::markedTail).
std::string terminationMessage(const CapturedOutput& output,
                               std::size_t maxBytes = kMaxTerminationMessageBytes);

// The inverse of terminationMessage(), for readers of the file (the container level): the stdout
// tail without the marker, and whether the marker was there.
struct ParsedTerminationMessage {
  std::string stdoutTail;
  bool cut = false;
};
ParsedTerminationMessage parseTerminationMessage(std::string_view message);

// Writes `message` to `path` (truncating it; the file is usually a bind mount the runtime made).
core::Status writeTerminationMessage(const std::filesystem::path& path, std::string_view message);

}  // namespace ps::sandbox
