#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace ps::cli {

struct KeygenOptions {
  std::string privateFile;
  std::string publicFile;
  bool force = false;  // overwrite existing files
};

// New Ed25519 key pair: private key PKCS#8 PEM created 0600, public key SubjectPublicKeyInfo PEM.
int runKeygen(const KeygenOptions& options, std::ostream& out, std::ostream& err);

// `pluginctl keygen --private K.pem --public K.pub.pem [--force]`
void addKeygenCommand(CLI::App& app);

}  // namespace ps::cli
