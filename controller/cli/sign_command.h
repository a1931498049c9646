#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace ps::cli {

struct SignOptions {
  std::string dir;
  std::string keyFile;  // Ed25519 private key, PKCS#8 PEM
  bool json = false;
};

// Writes `files` (digest of every file but manifest.json) and `signature` into
// DIR/manifest.json, replacing it atomically, then verifies the result.
int runSign(const SignOptions& options, std::ostream& out, std::ostream& err);

// `pluginctl sign DIR --key K.pem [--json]`
void addSignCommand(CLI::App& app);

}  // namespace ps::cli
