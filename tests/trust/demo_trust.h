#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "trust/trust_snapshot.h"

// What the controller's unit tests share about the repository's demo plugins: the demo policy and
// key as the trust in force, and a plugin folder as the ConfigMap a user would create from it.
namespace ps::testing {

// <checkout>/plugins
std::filesystem::path demoPluginsDir();

// plugins/policy.json and plugins/keys/demo.pub.pem; the test fails (and the snapshot is empty)
// when either does not load.
reconcile::TrustSnapshot demoTrust();

std::string readFile(const std::filesystem::path& path);

// ConfigMap `plugin` holding plugins/<plugin>/manifest.json and plugin.py.
nlohmann::json demoConfigMap(const std::string& plugin);

}  // namespace ps::testing
