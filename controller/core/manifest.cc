#include "core/manifest.h"

#include <algorithm>

#include "core/base64.h"
#include "core/plugin_files.h"
#include "core/schema_validator.h"
#include "core/semver.h"
#include "core/strict_json.h"

namespace ps::core {
namespace {

bool isValidId(std::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  };
  return id[0] != '-' && std::all_of(id.begin(), id.end(), allowed);
}

// What the schema says too, checked by hand first so that no regex ever sees a long string
// and messages stay specific.
Check checkBeforeSchema(const nlohmann::json& document) {
  if (!document.is_object())
    return reject("schema", "manifest.json: <root>: must be a JSON object");
  if (auto it = document.find("id"); it != document.end() && it->is_string()) {
    const auto& id = it->get_ref<const std::string&>();
    if (!isValidId(id)) {
      return reject("schema",
                    "manifest.json: id must be 1-63 characters of [a-z0-9-] not starting "
                    "with '-' (got " +
                        std::to_string(id.size()) + " bytes)");
    }
  }
  return accepted();
}

Check checkAfterSchema(const Manifest& manifest) {
  if (!parseSemVer(manifest.version)) {
    return reject("schema", "manifest.json: version \"" + manifest.version +
                                "\" is not a semantic version (MAJOR.MINOR.PATCH)");
  }
  if (manifest.files) {
    for (const auto& [path, digest] : *manifest.files) {
      if (!isSafeRelativePath(path) || path == "manifest.json") {
        return reject("layout",
                      "manifest.json: files entry \"" + path + "\" is not an allowed path");
      }
    }
  }
  return accepted();
}

}  // namespace

Result<Manifest> parseManifest(std::string_view bytes) {
  auto document = parseStrictJson(bytes, "manifest.json", {kMaxManifestBytes, 32});
  if (!document) return document.rejection();
  if (auto check = checkBeforeSchema(*document); !check) return check.rejection();
  if (auto check = validateAgainstSchema(*document, SchemaKind::kManifest, "manifest.json");
      !check) {
    return check.rejection();
  }

  Manifest manifest;
  const nlohmann::json& doc = *document;
  manifest.id = doc.at("id").get<std::string>();
  manifest.version = doc.at("version").get<std::string>();
  manifest.permissions = doc.at("permissions").get<std::vector<std::string>>();
  std::sort(manifest.permissions.begin(), manifest.permissions.end());
  if (auto files = doc.find("files"); files != doc.end()) {
    manifest.files = files->get<std::map<std::string, std::string>>();
  }
  if (auto signature = doc.find("signature"); signature != doc.end()) {
    auto value = base64Decode(signature->at("value").get<std::string>());
    if (!value || value->size() != 64) {
      return reject("signature", "manifest.json: signature value is not the base64 of 64 bytes");
    }
    manifest.signature = ManifestSignature{signature->at("keyid").get<std::string>(),
                                           signature->at("algorithm").get<std::string>(), *value};
  }
  if (auto check = checkAfterSchema(manifest); !check) return check.rejection();
  manifest.document = std::move(*document);
  return manifest;
}

}  // namespace ps::core
