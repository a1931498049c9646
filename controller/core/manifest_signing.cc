#include "core/manifest_signing.h"

#include "core/base64.h"
#include "core/canonical_json.h"
#include "core/digest.h"

namespace ps::core {

Result<std::string> signingPayload(const nlohmann::json& manifestDocument) {
  nlohmann::json unsignedDocument = manifestDocument;
  unsignedDocument.erase("signature");
  return canonicalJson(unsignedDocument);
}

Result<std::string> verifyManifestSignature(const Manifest& manifest, const KeyRing& keys) {
  if (!manifest.signature) {
    return reject("signature",
                  "plugin \"" + manifest.id + "\" is unsigned but a signing key is configured");
  }
  const PublicKey* key = keys.find(manifest.signature->keyId);
  if (key == nullptr) {
    return reject("signature", "plugin \"" + manifest.id + "\" is signed by " +
                                   manifest.signature->keyId + ", which is not a trusted key");
  }
  auto payload = signingPayload(manifest.document);
  if (!payload) return reject("signature", payload.rejection().message);
  if (!key->verify(*payload, manifest.signature->value)) {
    return reject("signature", "signature of plugin \"" + manifest.id + "\" by " + key->keyId() +
                                   " does not verify (manifest or files changed after signing)");
  }
  return key->keyId();
}

std::map<std::string, std::string> digestFiles(const PluginFiles& plugin) {
  std::map<std::string, std::string> digests;
  for (const auto& [path, bytes] : plugin.files) {
    if (path != "manifest.json") digests.emplace(path, sha256Digest(bytes));
  }
  return digests;
}

Result<nlohmann::json> signManifest(const nlohmann::json& manifestDocument,
                                    const PluginFiles& plugin, const PrivateKey& key) {
  nlohmann::json document = manifestDocument;
  document["files"] = digestFiles(plugin);
  document.erase("signature");
  auto payload = canonicalJson(document);
  if (!payload) return payload.rejection();
  const PublicKey publicKey = key.publicKey();
  document["signature"] = {{"keyid", publicKey.keyId()},
                           {"algorithm", "ed25519"},
                           {"value", base64Encode(key.sign(*payload))}};
  return document;
}

}  // namespace ps::core
