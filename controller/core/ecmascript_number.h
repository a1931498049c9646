#pragma once

#include <optional>
#include <string>

namespace ps::core {

// Number::toString of ECMAScript (ECMA-262 §6.1.6.1.20), as RFC 8785 requires: the shortest
// digits that round-trip, laid out in fixed or exponent form by the exponent's range.
// nullopt for NaN and the infinities, which JSON cannot hold.
std::optional<std::string> formatEcmaScriptNumber(double value);

}  // namespace ps::core
