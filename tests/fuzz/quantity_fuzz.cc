// libFuzzer target: arbitrary text as a resource quantity (spec.resources, the controller's
// flags). A parsed quantity must print to text that parses back to the same value, and rounding to
// whole units must never shrink it (a limit must not get smaller by rounding).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "kube/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ps::kube::Quantity;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto quantity = Quantity::parse(text);
  if (!quantity) return 0;
  FUZZ_CHECK(quantity->milliValue() >= 0);
  const auto printed = Quantity::parse(quantity->toString());
  FUZZ_CHECK(printed && *printed == *quantity);
  FUZZ_CHECK(quantity->value() >= 0);
  if (const auto whole = Quantity::fromWhole(quantity->value())) FUZZ_CHECK(*whole >= *quantity);
  return 0;
}
