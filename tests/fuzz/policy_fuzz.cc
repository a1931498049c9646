// libFuzzer target: arbitrary bytes as a policy, read both as strict JSON and as YAML.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = ps::core::Policy::parse(text, false);
  auto yaml = ps::core::Policy::parse(text, true);
  if (json.ok()) (void)json->evaluate("techdebt", "1.0.0", {"read_files"}, std::nullopt);
  if (yaml.ok()) (void)yaml->evaluate("techdebt", "1.0.0", {"network"}, std::nullopt);
  return 0;
}
