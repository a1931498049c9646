#pragma once

// Helpers shared by the core tests: a scratch directory and plugin builders.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "core/ed25519.h"
#include "core/key_ring.h"
#include "core/manifest_signing.h"
#include "core/plugin_files.h"

namespace ps::core::testing {

// A fresh directory under $TMPDIR, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ps-core-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void writeFile(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline const char* kPluginPy = "print('hello')\n";

inline std::string manifestJson(const std::string& id = "demo",
                                const std::string& version = "1.0.0",
                                const std::string& permissions = "[\"read_files\"]") {
  return "{\"id\":\"" + id + "\",\"version\":\"" + version + "\",\"permissions\":" + permissions +
         "}";
}

// An unsigned plugin in memory: manifest.json + plugin.py (+ extra files).
inline PluginFiles unsignedPlugin(const std::string& manifest = manifestJson(),
                                  std::map<std::string, std::string> extra = {}) {
  PluginFiles plugin;
  plugin.files = std::move(extra);
  plugin.files["manifest.json"] = manifest;
  plugin.files["plugin.py"] = kPluginPy;
  return plugin;
}

// The same plugin with `files` and a signature by `key` written into its manifest.
inline PluginFiles signPlugin(PluginFiles plugin, const PrivateKey& key) {
  auto manifest = nlohmann::json::parse(plugin.files.at("manifest.json"));
  auto signedManifest = signManifest(manifest, plugin, key);
  EXPECT_TRUE(signedManifest.ok()) << signedManifest.rejection().line();
  plugin.files["manifest.json"] = signedManifest->dump(2);
  return plugin;
}

// Edits manifest.json as JSON without re-signing.
template <class Edit>
PluginFiles editManifest(PluginFiles plugin, Edit edit) {
  auto manifest = nlohmann::json::parse(plugin.files.at("manifest.json"));
  edit(manifest);
  plugin.files["manifest.json"] = manifest.dump();
  return plugin;
}

inline std::string fromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string toHex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// PEM of a freshly generated key of another algorithm ("RSA", "EC" with "P-256"), to check
// that only Ed25519 gets in.
inline std::string generatedKeyPem(const char* algorithm, const char* parameter, bool privateKey) {
  EVP_PKEY* key = parameter == nullptr
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm, size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm, parameter);
  BIO* bio = BIO_new(BIO_s_mem());
  if (privateKey) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, key);
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

}  // namespace ps::core::testing
