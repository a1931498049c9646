#pragma once

#include <string>
#include <string_view>

namespace ps::core {

// "sha256:<64 lowercase hex>" — the form used in manifest `files` and key ids.
std::string sha256Digest(std::string_view bytes);

// Lowercase hex of SHA-256 only.
std::string sha256Hex(std::string_view bytes);

}  // namespace ps::core
