#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ps::core {

struct ManifestSignature {
  std::string keyId;      // "sha256:<hex>"
  std::string algorithm;  // always "ed25519"
  std::string value;      // decoded signature bytes (64)
};

struct Manifest {
  nlohmann::json document;  // the whole manifest as parsed (strict)
  std::string id;
  std::string version;
  std::vector<std::string> permissions;
  std::optional<std::map<std::string, std::string>> files;  // path -> "sha256:<hex>"
  std::optional<ManifestSignature> signature;
};

inline constexpr std::size_t kMaxManifestBytes = 1 << 20;

// Strict JSON (size cap, UTF-8, depth, duplicate keys) then the manifest schema, then the
// hand checks the schema cannot express safely. Rules "json" and "schema".
Result<Manifest> parseManifest(std::string_view bytes);

}  // namespace ps::core
