#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ps::core {

// Standard alphabet with '=' padding (RFC 4648 §4).
std::string base64Encode(std::string_view bytes);

// Strict: no whitespace, padding required, non-zero trailing bits refused, so each byte string
// has exactly one accepted encoding. nullopt on anything else.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace ps::core
