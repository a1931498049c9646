#include "demo_trust.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/key_ring.h"
#include "core/policy.h"

namespace ps::testing {

std::filesystem::path demoPluginsDir() {
  return std::filesystem::path(PS_SOURCE_DIR) / "plugins";
}

reconcile::TrustSnapshot demoTrust() {
  auto trust = std::make_shared<core::LoadedTrust>();
  auto policy = core::Policy::load(demoPluginsDir() / "policy.json");
  EXPECT_TRUE(policy.ok()) << policy.rejection().line();
  if (!policy) return trust;
  trust->policy.emplace(std::move(*policy));
  auto keys = core::KeyRing::fromPemFile((demoPluginsDir() / "keys" / "demo.pub.pem").string());
  EXPECT_TRUE(keys.ok()) << keys.rejection().line();
  if (!keys) return trust;
  trust->keys.emplace(std::move(*keys));
  return trust;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json demoConfigMap(const std::string& plugin) {
  nlohmann::json data = nlohmann::json::object();
  for (const char* name : {"manifest.json", "plugin.py"}) {
    data[name] = readFile(demoPluginsDir() / plugin / name);
  }
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", plugin}}},
          {"data", data}};
}

}  // namespace ps::testing
