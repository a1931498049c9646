// libFuzzer target: RFC 8785 (JCS) canonicalisation of any JSON the strict parser accepts (the
// bytes a signature covers). Properties: canonical bytes parse back (strictly) to the same value,
// and canonicalising them again changes nothing. The comparison with a second implementation
// runs over the corpus in jcs_differential.py (ctest fuzz_jcs_differential).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/canonical_json.h"
#include "core/strict_json.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ps::core;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parseStrictJson(text, "input");
  if (!parsed.ok()) return 0;
  const auto canonical = canonicalJson(*parsed);
  if (!canonical.ok()) return 0;
  // Canonical numbers can be longer than the input's ("1e20"); the size cap is not the point.
  const StrictJsonLimits roomy{std::size_t{64} << 20, 64};
  const auto reparsed = parseStrictJson(*canonical, "canonical", roomy);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(*reparsed == *parsed);
  const auto again = canonicalJson(*reparsed);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *canonical);
  return 0;
}
