#include "core/ecmascript_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "core/number_parse.h"

namespace ps::core {
namespace {

// Lays out `digits` (no leading/trailing zeros) with decimal exponent n, meaning the value is
// 0.d1d2...dk × 10^n, following the ECMAScript steps.
std::string layOut(const std::string& digits, int n) {
  const int k = static_cast<int>(digits.size());
  if (k <= n && n <= 21) return digits + std::string(static_cast<std::size_t>(n - k), '0');
  if (0 < n && n <= 21) {
    return digits.substr(0, static_cast<std::size_t>(n)) + "." +
           digits.substr(static_cast<std::size_t>(n));
  }
  if (-6 < n && n <= 0) return "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
  const int exponent = n - 1;
  std::string out = digits.substr(0, 1);
  if (k > 1) out += "." + digits.substr(1);
  out += exponent < 0 ? "e-" : "e+";
  out += std::to_string(std::abs(exponent));
  return out;
}

}  // namespace

std::optional<std::string> formatEcmaScriptNumber(double value) {
  if (std::isnan(value) || std::isinf(value)) return std::nullopt;
  if (value == 0) return "0";  // both +0 and -0
  if (value < 0) return "-" + *formatEcmaScriptNumber(-value);

  // to_chars in scientific form gives the shortest round-trip digits: "d.ddde±XX".
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (error != std::errc()) return std::nullopt;
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  // to_chars wrote the exponent itself ("+05", "-324"): it always parses and fits.
  const int exponent = static_cast<int>(parseInt64(text.substr(e + 1)).value_or(0));
  return layOut(digits, exponent + 1);
}

}  // namespace ps::core
