#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace ps::core {

// Every conversion of text or JSON to a number in the project goes through these: they return
// nullopt instead of throwing (std::stod, nlohmann's get<>) or wrapping silently (strtol, casts).

// The whole of `text` as a signed integer in `base` (an optional leading '-' or '+'), or nullopt
// when it is empty, has other characters, or leaves int64.
std::optional<int64_t> parseInt64(std::string_view text, int base = 10);

// The whole of `text` as a finite double (decimal, optional exponent), or nullopt when it is not
// a number or its magnitude leaves double's range (1e400 overflows, 1e-400 underflows).
std::optional<double> parseFiniteDouble(std::string_view text);

// A JSON integer (signed or unsigned) within [minimum, maximum]; nullopt for floats, booleans,
// strings and values out of range.
std::optional<int64_t> jsonInteger(const nlohmann::json& value,
                                   int64_t minimum = std::numeric_limits<int64_t>::min(),
                                   int64_t maximum = std::numeric_limits<int64_t>::max());

}  // namespace ps::core
