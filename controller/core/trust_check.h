#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/key_ring.h"
#include "core/plugin_files.h"
#include "core/policy.h"
#include "core/result.h"

namespace ps::core {

class TrustCheckMemo;

struct TrustConfig {
  const Policy* policy = nullptr;  // null = no policy configured
  const KeyRing* keys = nullptr;   // null = signatures optional (a present one is still checked)
  TrustCheckMemo* memo = nullptr;  // accepted checks to reuse (trust_check_memo.h); null = none
};

struct VerifiedFile {
  std::string path;
  std::string digest;  // as sha256Digest()
};

struct AcceptedPlan {
  std::string id, version;
  std::vector<std::string> permissions;    // requested == granted (sorted)
  std::optional<std::string> signerKeyId;  // "sha256:..." when a signature was verified
  std::vector<VerifiedFile> files;         // every file except manifest.json, verified
  PolicyLimits limits;                     // from the policy entry, if any
  bool policyConfigured = false;           // false => callers record "no policy configured"
};

// The one entry point: manifest, layout, digests, signature, policy. Either an accepted plan or
// the first rule that failed. With a memo, an accepted check of the same bytes under the same
// policy and keys is answered from it (no parse, no signature verify) and a new one is kept.
Result<AcceptedPlan> checkPlugin(const PluginFiles& plugin, const TrustConfig& trust);

// Everything but the policy (manifest, layout, digests, signature): what `pluginctl verify`
// checks. The plan's permissions are the requested ones; policyConfigured is false.
Result<AcceptedPlan> checkPluginIntegrity(const PluginFiles& plugin, const KeyRing* keys);

}  // namespace ps::core
