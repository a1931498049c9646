#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ps::core {

struct PolicyLimits {
  std::optional<int64_t> maxTimeoutSeconds;
  std::optional<int64_t> maxMemory;
};

struct PolicyEntry {
  std::vector<std::string> permissions;             // sorted
  std::optional<std::vector<std::string>> signers;  // keyids allowed to sign this plugin
  std::optional<std::string> minVersion;
  PolicyLimits limits;
};

// What a policy allows a given plugin, once the plugin passed.
struct PolicyGrant {
  std::vector<std::string> permissions;  // requested == granted, sorted
  PolicyLimits limits;
};

// The platform's decision on what each plugin may do. JSON or YAML (YAML 1.2 core schema),
// validated against plugins/policy_schema.json.
class Policy {
 public:
  static Result<Policy> load(const std::filesystem::path& file);
  // `yaml` false: strict JSON. The source name is only used in messages.
  static Result<Policy> parse(std::string_view text, bool yaml);

  const PolicyEntry* find(std::string_view pluginId) const;
  const std::map<std::string, PolicyEntry, std::less<>>& entries() const { return entries_; }
  // SHA-256 of the parsed document (as nlohmann dumps it, keys sorted): equal digests, equal
  // policies. Empty for a default-constructed (empty) policy.
  const std::string& digest() const { return digest_; }

  // Rule "policy" when the plugin is unlisted, asks for more than its entry grants, was signed
  // by a key its entry does not name, or is older than its entry's minVersion.
  Result<PolicyGrant> evaluate(std::string_view id, std::string_view version,
                               const std::vector<std::string>& permissions,
                               const std::optional<std::string>& signerKeyId) const;

 private:
  std::map<std::string, PolicyEntry, std::less<>> entries_;
  std::string digest_;
};

// With no policy configured every permission but "network" is allowed.
Result<PolicyGrant> evaluateWithoutPolicy(std::string_view id,
                                          const std::vector<std::string>& permissions);

}  // namespace ps::core
