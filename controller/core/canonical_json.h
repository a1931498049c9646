#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"

namespace ps::core {

// RFC 8785 (JCS) serialisation: no whitespace, object members sorted by the UTF-16 code units
// of their names, minimal string escaping, ECMAScript number formatting. nlohmann's dump() is
// not this (it sorts by bytes and formats numbers differently).
// Rule "json" for values JCS cannot express exactly (an integer whose IEEE
// double prints other digits, such as 2^53 + 1; NaN, infinities).
Result<std::string> canonicalJson(const nlohmann::json& value);

}  // namespace ps::core
