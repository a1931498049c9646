#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"

namespace ps::core {

struct StrictJsonLimits {
  std::size_t maxBytes = 1 << 20;
  int maxDepth = 64;
};

// Parses JSON that means exactly one thing to every reader: rule "json" for input over the
// size cap, invalid UTF-8, a NUL byte, nesting deeper than maxDepth (checked by a byte scan before any
// recursive code sees it), duplicate object keys at any depth, or a syntax error.
// `what` names the document in messages ("manifest.json").
Result<nlohmann::json> parseStrictJson(std::string_view text, std::string_view what,
                                       const StrictJsonLimits& limits = {});

// Offset of the first byte that is not well-formed UTF-8 (no overlongs, surrogates or
// code points above U+10FFFF), or npos.
std::size_t findInvalidUtf8(std::string_view text);

}  // namespace ps::core
