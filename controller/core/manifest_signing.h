#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/ed25519.h"
#include "core/key_ring.h"
#include "core/manifest.h"
#include "core/plugin_files.h"
#include "core/result.h"

namespace ps::core {

// The signed bytes: RFC 8785 canonical JSON of the manifest without its `signature` member.
// `files` is inside, so the signature covers the code too.
Result<std::string> signingPayload(const nlohmann::json& manifestDocument);

// The keyid of the ring's key that signed `manifest`. Rule "signature" when the manifest is
// unsigned, names a key not in the ring, or the signature does not verify.
Result<std::string> verifyManifestSignature(const Manifest& manifest, const KeyRing& keys);

// `files` digests of every file but manifest.json.
std::map<std::string, std::string> digestFiles(const PluginFiles& plugin);

// The manifest document with `files` set from `plugin` and a fresh `signature` by `key`.
Result<nlohmann::json> signManifest(const nlohmann::json& manifestDocument,
                                    const PluginFiles& plugin, const PrivateKey& key);

}  // namespace ps::core
