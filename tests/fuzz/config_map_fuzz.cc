// libFuzzer target: a ConfigMap object (JSON, as the API server sends it) into plugin files. A
// tenant writes this ConfigMap. Accepted files must obey the limits and the flat layout; a
// rejection must be one line of valid UTF-8 (it becomes a condition message and an Event).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/plugin_config_map.h"
#include "core/strict_json.h"
#include "fuzz_check.h"

namespace {

void checkFiles(const nlohmann::json& configMap, const ps::core::PluginDirLimits& limits) {
  const auto files = ps::reconcile::pluginFilesFromConfigMap(configMap, limits);
  if (!files.ok()) {
    const std::string line = files.rejection().line();
    FUZZ_CHECK(line.find('\n') == std::string::npos);
    FUZZ_CHECK(ps::core::findInvalidUtf8(line) == std::string::npos);
    return;
  }
  FUZZ_CHECK(files->files.size() <= limits.maxFiles);
  std::size_t total = 0;
  for (const auto& [name, bytes] : files->files) {
    FUZZ_CHECK(!name.empty() && name.find('/') == std::string::npos);
    FUZZ_CHECK(bytes.size() <= limits.maxFileBytes);
    total += bytes.size();
  }
  FUZZ_CHECK(total <= limits.maxTotalBytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto configMap = nlohmann::json::parse(text, nullptr, false);
  if (configMap.is_discarded()) return 0;
  checkFiles(configMap, {});
  // Small limits, so that the fuzzer reaches every limit with small inputs.
  ps::core::PluginDirLimits small;
  small.maxFiles = 4;
  small.maxFileBytes = 64;
  small.maxTotalBytes = 128;
  checkFiles(configMap, small);
  return 0;
}
