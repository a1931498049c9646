// libFuzzer target: arbitrary bytes as manifest.json through parsing, schema validation,
// canonicalisation and the whole trust check. Any crash, hang, sanitizer report or exception
// escaping is a bug: hostile manifests must end as a Rejection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/canonical_json.h"
#include "core/manifest.h"
#include "core/manifest_signing.h"
#include "core/trust_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto manifest = ps::core::parseManifest(bytes);
  if (manifest.ok()) {
    // A parsed manifest must always have a canonical form to sign.
    if (!ps::core::signingPayload(manifest->document).ok()) __builtin_trap();
  }
  ps::core::PluginFiles plugin;
  plugin.files["manifest.json"] = bytes;
  plugin.files["plugin.py"] = "print('fuzz')\n";
  auto plan = ps::core::checkPlugin(plugin, {});
  if (plan.ok() && plan->files.empty()) __builtin_trap();  // plugin.py is always verified
  return 0;
}
