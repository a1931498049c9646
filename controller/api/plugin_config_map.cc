#include "api/plugin_config_map.h"

#include <cstdio>

#include "core/base64.h"
#include "core/utf8.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

// A key as a rejection shows it: quoted, at most 64 bytes, whole characters, control characters
// escaped, so the message stays one line of valid UTF-8 whatever the tenant put in the key.
std::string shownKey(const std::string& key) {
  const std::string clean = core::sanitizeUtf8(key);
  const std::string_view head = core::utf8Head(clean, 64);
  std::string shown = "\"";
  for (char c : head) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      shown += escaped;
    } else {
      shown += c;
    }
  }
  return shown + (head.size() < clean.size() ? "...\"" : "\"");
}

core::Rejection layoutError(const std::string& message) {
  return core::reject("layout", "ConfigMap " + message);
}

// Adds the entries of `map` (data or binaryData) to `files`, keeping count of the bytes.
core::Check addEntries(const json& map, bool base64, const core::PluginDirLimits& limits,
                       core::PluginFiles& plugin, size_t& totalBytes) {
  if (map.is_null()) return core::accepted();
  if (!map.is_object())
    return layoutError(std::string(base64 ? "binaryData" : "data") + " is not a map");
  for (const auto& [key, value] : map.items()) {
    if (key.find('/') != std::string::npos || !core::isSafeRelativePath(key)) {
      return layoutError("key " + shownKey(key) + " is not a safe file name");
    }
    if (!value.is_string()) return layoutError("key " + shownKey(key) + " is not a string");
    std::optional<std::string> bytes = value.get<std::string>();
    if (base64) bytes = core::base64Decode(*bytes);
    if (!bytes) return layoutError("key " + shownKey(key) + " is not valid base64");
    if (bytes->size() > limits.maxFileBytes) {
      return layoutError("key " + shownKey(key) + " is larger than " +
                         std::to_string(limits.maxFileBytes) + " bytes");
    }
    totalBytes += bytes->size();
    if (!plugin.files.emplace(key, std::move(*bytes)).second) {
      return layoutError("key " + shownKey(key) + " is in both data and binaryData");
    }
  }
  return core::accepted();
}

}  // namespace

core::Result<core::PluginFiles> pluginFilesFromConfigMap(const json& configMap,
                                                         const core::PluginDirLimits& limits) {
  if (!configMap.is_object()) return layoutError("is not an object");
  core::PluginFiles plugin;
  size_t totalBytes = 0;
  const json none;
  const auto data = configMap.find("data");
  const auto binary = configMap.find("binaryData");
  if (auto checked =
          addEntries(data == configMap.end() ? none : *data, false, limits, plugin, totalBytes);
      !checked) {
    return checked.rejection();
  }
  if (auto checked =
          addEntries(binary == configMap.end() ? none : *binary, true, limits, plugin, totalBytes);
      !checked) {
    return checked.rejection();
  }
  if (plugin.files.size() > limits.maxFiles) {
    return layoutError("has more than " + std::to_string(limits.maxFiles) + " files");
  }
  if (totalBytes > limits.maxTotalBytes) {
    return layoutError("holds more than " + std::to_string(limits.maxTotalBytes) + " bytes");
  }
  return plugin;
}

}  // namespace ps::reconcile
