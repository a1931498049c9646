#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ps::kube {

// A Kubernetes resource quantity ("500m", "256Mi", "1.5", "2e3"), held exactly in milli-units so
// that CPU and memory values compare without floating point. Values beyond int64 milli-units (about
// 8 PiB of memory) are refused rather than wrapped.
class Quantity {
 public:
  // Parses the Kubernetes quantity grammar; nullopt for anything else (empty, negative, unknown
  // suffix, trailing garbage, overflow). Negative quantities are never valid for limits.
  static std::optional<Quantity> parse(std::string_view text);
  // Whole units (e.g. bytes from a policy's maxMemory); nullopt when negative or out of range.
  static std::optional<Quantity> fromWhole(int64_t units);

  int64_t milliValue() const { return milli_; }
  // Whole units, rounded up (as Kubernetes' Value() does): a limit must never shrink by rounding.
  int64_t value() const { return milli_ / 1000 + (milli_ % 1000 != 0 ? 1 : 0); }
  // Canonical text: "<n>m" when not whole, else the whole number ("500m", "2", "268435456").
  std::string toString() const;

  auto operator<=>(const Quantity&) const = default;

 private:
  explicit Quantity(int64_t milli) : milli_(milli) {}
  int64_t milli_ = 0;
};

}  // namespace ps::kube
