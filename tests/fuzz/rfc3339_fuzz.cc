// libFuzzer target: arbitrary text as an RFC 3339 timestamp (creationTimestamp, status.startTime,
// Lease renewTime: written by the API server, but a tenant can write its own run's status). A
// parsed time must format to text that parses back to the same instant, in every fraction form.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "kube/rfc3339.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ps::kube;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto time = parseRfc3339(text);
  if (!time) return 0;
  for (auto fraction : {TimeFraction::kNone, TimeFraction::kMillis, TimeFraction::kMicros}) {
    const auto again = parseRfc3339(formatRfc3339(*time, fraction));
    FUZZ_CHECK(again && *again == *time);  // the parser drops fractions, so nothing is lost
  }
  return 0;
}
