#include "core/trust_check.h"

#include "core/digest.h"
#include "core/manifest.h"
#include "core/manifest_signing.h"
#include "core/trust_check_memo.h"

namespace ps::core {
namespace {

// With `files`: exactly the listed files exist and their digests match. Without (only allowed
// unsigned): the plugin may hold nothing but manifest.json and plugin.py, so no file can ride
// along unaccounted for.
Result<std::vector<VerifiedFile>> checkFiles(const Manifest& manifest, const PluginFiles& plugin) {
  std::vector<VerifiedFile> verified;
  if (!plugin.files.count("plugin.py"))
    return reject("layout", "plugin \"" + manifest.id + "\" has no plugin.py");
  if (!manifest.files) {
    for (const auto& [path, bytes] : plugin.files) {
      if (path != "manifest.json" && path != "plugin.py") {
        return reject("layout", "\"" + path +
                                    "\" is present but the manifest has no files list "
                                    "(without one only manifest.json and plugin.py may exist)");
      }
      if (path == "plugin.py") verified.push_back({path, sha256Digest(bytes)});
    }
    return verified;
  }
  for (const auto& [path, bytes] : plugin.files) {
    if (path == "manifest.json") continue;
    auto listed = manifest.files->find(path);
    if (listed == manifest.files->end())
      return reject("digest", "\"" + path + "\" is not listed in the manifest's files");
    std::string digest = sha256Digest(bytes);
    if (digest != listed->second) {
      return reject("digest",
                    "\"" + path + "\" has digest " + digest + ", manifest lists " + listed->second);
    }
    verified.push_back({path, std::move(digest)});
  }
  for (const auto& [path, digest] : *manifest.files) {
    if (!plugin.files.count(path))
      return reject("digest", "\"" + path + "\" is listed in the manifest but missing");
  }
  return verified;
}

// Returns the verified signer, or nullopt when unsigned and no key is configured.
Result<std::optional<std::string>> checkSignature(const Manifest& manifest, const KeyRing* keys) {
  if (manifest.signature && !manifest.files) {
    return reject(
        "signature",
        "plugin \"" + manifest.id +
            "\" is signed but has no files list, so the signature would not cover its code");
  }
  if (keys != nullptr) {
    auto signer = verifyManifestSignature(manifest, *keys);
    if (!signer) return signer.rejection();
    return std::optional<std::string>(*signer);
  }
  // No key ring: nothing to verify against. parseManifest already refused a malformed
  // signature; a well-formed one is unattributed, so the plan names no signer.
  return std::optional<std::string>();
}

}  // namespace

Result<AcceptedPlan> checkPluginIntegrity(const PluginFiles& plugin, const KeyRing* keys) {
  auto manifestBytes = plugin.files.find("manifest.json");
  if (manifestBytes == plugin.files.end()) return reject("layout", "plugin has no manifest.json");
  auto manifest = parseManifest(manifestBytes->second);
  if (!manifest) return manifest.rejection();
  auto signer = checkSignature(*manifest, keys);
  if (!signer) return signer.rejection();
  auto files = checkFiles(*manifest, plugin);
  if (!files) return files.rejection();

  AcceptedPlan plan;
  plan.id = manifest->id;
  plan.version = manifest->version;
  plan.permissions = manifest->permissions;
  plan.signerKeyId = std::move(*signer);
  plan.files = std::move(*files);
  return plan;
}

Result<AcceptedPlan> checkPlugin(const PluginFiles& plugin, const TrustConfig& trust) {
  std::string memoKey;
  if (trust.memo != nullptr) {
    memoKey = trustCheckKey(plugin, trust.policy, trust.keys);
    if (auto remembered = trust.memo->find(memoKey)) return std::move(*remembered);
  }
  auto plan = checkPluginIntegrity(plugin, trust.keys);
  if (!plan) return plan;
  auto grant = trust.policy ? trust.policy->evaluate(plan->id, plan->version, plan->permissions,
                                                     plan->signerKeyId)
                            : evaluateWithoutPolicy(plan->id, plan->permissions);
  if (!grant) return grant.rejection();
  plan->permissions = std::move(grant->permissions);
  plan->limits = grant->limits;
  plan->policyConfigured = trust.policy != nullptr;
  if (trust.memo != nullptr) trust.memo->remember(memoKey, *plan);
  return plan;
}

}  // namespace ps::core
