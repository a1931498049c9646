#include "core/policy.h"

#include <algorithm>
#include <fstream>

#include "core/digest.h"
#include "core/number_parse.h"
#include "core/schema_validator.h"
#include "core/semver.h"
#include "core/strict_json.h"
#include "core/yaml_to_json.h"

namespace ps::core {
namespace {

constexpr std::size_t kMaxPolicyBytes = 1 << 20;
// The same bounds as plugins/policy_schema.json.
constexpr int64_t kMaxTimeoutSeconds = 86400;
constexpr int64_t kMinMemoryBytes = int64_t{1} << 20;
constexpr int64_t kMaxMemoryBytes = int64_t{64} << 30;

std::string listOf(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

bool looksLikeYaml(const std::filesystem::path& file, std::string_view text) {
  const auto extension = file.extension().string();
  if (extension == ".yaml" || extension == ".yml") return true;
  if (extension == ".json") return false;
  auto first = text.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos || text[first] != '{';
}

// The schema bounds both limits; the checked conversion keeps an out-of-range value from wrapping
// even if the schema and this code ever disagree.
Result<int64_t> limitField(const std::string& id, const nlohmann::json& value, const char* name,
                           int64_t minimum, int64_t maximum) {
  if (auto number = jsonInteger(value, minimum, maximum)) return *number;
  return reject("schema", "policy: /plugins/" + id + "/" + name + " must be an integer in [" +
                              std::to_string(minimum) + ", " + std::to_string(maximum) + "]");
}

Result<PolicyEntry> entryFromJson(const std::string& id, const nlohmann::json& json) {
  PolicyEntry entry;
  entry.permissions = json.at("permissions").get<std::vector<std::string>>();
  std::sort(entry.permissions.begin(), entry.permissions.end());
  if (auto it = json.find("signers"); it != json.end())
    entry.signers = it->get<std::vector<std::string>>();
  if (auto it = json.find("minVersion"); it != json.end())
    entry.minVersion = it->get<std::string>();
  if (auto it = json.find("maxTimeoutSeconds"); it != json.end()) {
    auto seconds = limitField(id, *it, "maxTimeoutSeconds", 1, kMaxTimeoutSeconds);
    if (!seconds) return seconds.rejection();
    entry.limits.maxTimeoutSeconds = *seconds;
  }
  if (auto it = json.find("maxMemory"); it != json.end()) {
    auto bytes = limitField(id, *it, "maxMemory", kMinMemoryBytes, kMaxMemoryBytes);
    if (!bytes) return bytes.rejection();
    entry.limits.maxMemory = *bytes;
  }
  return entry;
}

Check checkPermissions(std::string_view id, const std::vector<std::string>& requested,
                       const std::vector<std::string>& granted) {
  for (const auto& permission : requested) {
    if (std::find(granted.begin(), granted.end(), permission) == granted.end()) {
      return reject("policy", "plugin \"" + std::string(id) + "\" requests \"" + permission +
                                  "\", policy grants " + listOf(granted));
    }
  }
  return accepted();
}

Check checkSigner(std::string_view id, const PolicyEntry& entry,
                  const std::optional<std::string>& signer) {
  if (!entry.signers) return accepted();
  if (!signer) {
    return reject("policy", "plugin \"" + std::string(id) + "\" must be signed by one of " +
                                listOf(*entry.signers) + ", but no verified signature was found");
  }
  if (std::find(entry.signers->begin(), entry.signers->end(), *signer) == entry.signers->end()) {
    return reject("policy", "plugin \"" + std::string(id) + "\" is signed by " + *signer +
                                ", policy allows only " + listOf(*entry.signers));
  }
  return accepted();
}

Check checkMinVersion(std::string_view id, std::string_view version, const PolicyEntry& entry) {
  if (!entry.minVersion) return accepted();
  auto have = parseSemVer(version);
  auto least = parseSemVer(*entry.minVersion);
  if (!have || !least || compareSemVer(*have, *least) < 0) {
    return reject("policy", "plugin \"" + std::string(id) + "\" version " + std::string(version) +
                                " is older than the policy's minVersion " + *entry.minVersion);
  }
  return accepted();
}

}  // namespace

Result<Policy> Policy::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return reject("policy", "cannot read policy file \"" + file.string() + "\"");
  std::string text(kMaxPolicyBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return reject("policy", "cannot read policy file \"" + file.string() + "\"");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxPolicyBytes)
    return reject("policy", "policy file \"" + file.string() + "\" is larger than 1 MiB");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return reject("policy", "policy file \"" + file.string() + "\" is empty");
  }
  auto policy = parse(text, looksLikeYaml(file, text));
  if (!policy)
    return reject("policy",
                  "policy file \"" + file.string() + "\": " + policy.rejection().line().substr(10));
  return policy;
}

Result<Policy> Policy::parse(std::string_view text, bool yaml) {
  auto document =
      yaml ? yamlToJson(text, "policy") : parseStrictJson(text, "policy", {kMaxPolicyBytes, 32});
  if (!document) return document.rejection();
  if (auto check = validateAgainstSchema(*document, SchemaKind::kPolicy, "policy"); !check) {
    return check.rejection();
  }
  Policy policy;
  for (const auto& [id, entry] : document->at("plugins").items()) {
    auto parsed = entryFromJson(id, entry);
    if (!parsed) return parsed.rejection();
    if (parsed->minVersion && !parseSemVer(*parsed->minVersion)) {
      return reject("schema", "policy: /plugins/" + id + "/minVersion is not a semantic version");
    }
    policy.entries_.emplace(id, std::move(parsed).value());
  }
  policy.digest_ = sha256Hex(document->dump());
  return policy;
}

const PolicyEntry* Policy::find(std::string_view pluginId) const {
  auto it = entries_.find(pluginId);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<PolicyGrant> Policy::evaluate(std::string_view id, std::string_view version,
                                     const std::vector<std::string>& permissions,
                                     const std::optional<std::string>& signerKeyId) const {
  const PolicyEntry* entry = find(id);
  if (entry == nullptr)
    return reject("policy", "plugin \"" + std::string(id) + "\" is not listed in the policy");
  if (auto check = checkPermissions(id, permissions, entry->permissions); !check)
    return check.rejection();
  if (auto check = checkSigner(id, *entry, signerKeyId); !check) return check.rejection();
  if (auto check = checkMinVersion(id, version, *entry); !check) return check.rejection();
  std::vector<std::string> granted = permissions;
  std::sort(granted.begin(), granted.end());
  return PolicyGrant{granted, entry->limits};
}

Result<PolicyGrant> evaluateWithoutPolicy(std::string_view id,
                                          const std::vector<std::string>& permissions) {
  if (std::find(permissions.begin(), permissions.end(), "network") != permissions.end()) {
    return reject("policy", "plugin \"" + std::string(id) +
                                "\" requests \"network\", which only an explicit policy entry "
                                "grants (no policy configured)");
  }
  std::vector<std::string> granted = permissions;
  std::sort(granted.begin(), granted.end());
  return PolicyGrant{granted, {}};
}

}  // namespace ps::core
