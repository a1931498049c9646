#pragma once

#include <optional>
#include <string>

#include "core/key_ring.h"
#include "core/policy.h"
#include "core/result.h"
#include "core/trust_check.h"

namespace ps::core {

inline constexpr const char* kPolicyFileEnv = "PLUGIN_POLICY_FILE";
inline constexpr const char* kSigningKeyEnv = "PLUGIN_SIGNING_KEY";

// Where the policy and keys come from. nullopt = not configured; a set-but-empty value is
// configured (and then fails closed when loaded).
struct TrustSources {
  std::optional<std::string> policyFile;
  std::optional<std::string> signingKey;  // path or PEM text
};

// Reads PLUGIN_POLICY_FILE / PLUGIN_SIGNING_KEY.
TrustSources trustSourcesFromEnvironment();

// Flags win over the environment, field by field.
TrustSources mergeTrustSources(const TrustSources& flags, const TrustSources& environment);

// The loaded policy and keys. Not movable once config() was taken: it points into this object.
struct LoadedTrust {
  std::optional<Policy> policy;
  std::optional<KeyRing> keys;
  TrustConfig config() const {
    return TrustConfig{policy ? &*policy : nullptr, keys ? &*keys : nullptr};
  }
};

// Fails closed: a source that is set but unreadable, empty or invalid is a Rejection
// ("policy" or "key"), never a silent fallback to "not configured".
Result<LoadedTrust> loadTrust(const TrustSources& sources);

}  // namespace ps::core
