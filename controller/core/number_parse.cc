#include "core/number_parse.h"

#include <charconv>

namespace ps::core {

std::optional<int64_t> parseInt64(std::string_view text, int base) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  // Parsed as unsigned so that int64's minimum, whose magnitude int64 cannot hold, still fits.
  uint64_t magnitude = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!negative) {
    if (magnitude > kMax) return std::nullopt;
    return static_cast<int64_t>(magnitude);
  }
  if (magnitude > kMax + 1) return std::nullopt;
  return magnitude == kMax + 1 ? std::numeric_limits<int64_t>::min()
                               : -static_cast<int64_t>(magnitude);
}

std::optional<double> parseFiniteDouble(std::string_view text) {
  // from_chars refuses a leading '+', which YAML and Kubernetes allow.
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text[0] == '+') return std::nullopt;
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value != value || value == std::numeric_limits<double>::infinity() ||
      value == -std::numeric_limits<double>::infinity()) {
    return std::nullopt;  // "inf" and "nan" are words, not numbers, here
  }
  return value;
}

std::optional<int64_t> jsonInteger(const nlohmann::json& value, int64_t minimum, int64_t maximum) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    const auto signedNumber = static_cast<int64_t>(number);
    if (signedNumber < minimum || signedNumber > maximum) return std::nullopt;
    return signedNumber;
  }
  if (!value.is_number_integer()) return std::nullopt;
  const auto number = value.get<int64_t>();
  if (number < minimum || number > maximum) return std::nullopt;
  return number;
}

}  // namespace ps::core
