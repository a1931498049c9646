#include "kube/quantity.h"

#include <array>
#include <limits>

namespace ps::kube {
namespace {

constexpr int64_t kMaxMilli = std::numeric_limits<int64_t>::max();

// A suffix scales the number by base^exponent (binary 2^10k or decimal 10^k).
struct Scale {
  int base = 10;
  int exponent = 0;
};

std::optional<Scale> suffixScale(std::string_view suffix) {
  struct Entry {
    std::string_view name;
    Scale scale;
  };
  static constexpr std::array<Entry, 16> kSuffixes{{
      {"", {10, 0}},
      {"n", {10, -9}},
      {"u", {10, -6}},
      {"m", {10, -3}},
      {"k", {10, 3}},
      {"M", {10, 6}},
      {"G", {10, 9}},
      {"T", {10, 12}},
      {"P", {10, 15}},
      {"E", {10, 18}},
      {"Ki", {2, 10}},
      {"Mi", {2, 20}},
      {"Gi", {2, 30}},
      {"Ti", {2, 40}},
      {"Pi", {2, 50}},
      {"Ei", {2, 60}},
  }};
  for (const auto& entry : kSuffixes) {
    if (entry.name == suffix) return entry.scale;
  }
  // Decimal exponent form: "e3", "E-2".
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string_view digits = suffix.substr(1);
    bool negative = false;
    if (digits[0] == '+' || digits[0] == '-') {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    int exponent = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      exponent = exponent * 10 + (c - '0');
    }
    return Scale{10, negative ? -exponent : exponent};
  }
  return std::nullopt;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Multiplies with an overflow check; false when the result leaves int64.
bool multiply(int64_t& value, int64_t factor) {
  return !__builtin_mul_overflow(value, factor, &value);
}

bool add(int64_t& value, int64_t addend) {
  return !__builtin_add_overflow(value, addend, &value);
}

}  // namespace

std::optional<Quantity> Quantity::parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (text[0] == '+') text.remove_prefix(1);
  size_t pos = 0;
  std::string_view whole, fraction;
  while (pos < text.size() && isDigit(text[pos])) ++pos;
  whole = text.substr(0, pos);
  if (pos < text.size() && text[pos] == '.') {
    const size_t start = ++pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    fraction = text.substr(start, pos - start);
  }
  if (whole.empty() && fraction.empty()) return std::nullopt;
  const auto scale = suffixScale(text.substr(pos));
  if (!scale) return std::nullopt;

  // Exact arithmetic: mantissa = whole.fraction as an integer, then apply 10^-|fraction| * scale *
  // 1000.
  int64_t mantissa = 0;
  for (char c : std::string(whole) + std::string(fraction)) {
    if (!multiply(mantissa, 10) || !add(mantissa, c - '0')) return std::nullopt;
  }
  int decimalExponent = 3 - static_cast<int>(fraction.size());  // milli-units
  if (scale->base == 10) {
    decimalExponent += scale->exponent;
  } else if (!multiply(mantissa, int64_t{1} << scale->exponent)) {
    return std::nullopt;
  }
  for (; decimalExponent > 0; --decimalExponent) {
    if (mantissa != 0 && !multiply(mantissa, 10)) return std::nullopt;
  }
  // Below one milli-unit: round up, as Kubernetes does, so "1n" of CPU is still a positive amount.
  bool remainder = false;
  for (; decimalExponent < 0; ++decimalExponent) {
    remainder = remainder || mantissa % 10 != 0;
    mantissa /= 10;
  }
  if (remainder && !add(mantissa, 1)) return std::nullopt;
  if (mantissa > kMaxMilli) return std::nullopt;
  return Quantity(mantissa);
}

std::optional<Quantity> Quantity::fromWhole(int64_t units) {
  int64_t milli = units;
  if (units < 0 || !multiply(milli, 1000)) return std::nullopt;
  return Quantity(milli);
}

std::string Quantity::toString() const {
  if (milli_ % 1000 == 0) return std::to_string(milli_ / 1000);
  return std::to_string(milli_) + "m";
}

}  // namespace ps::kube
