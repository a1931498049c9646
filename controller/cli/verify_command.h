#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace ps::cli {

struct VerifyOptions {
  std::string dir;
  std::string key;  // PEM file or text; empty = $PLUGIN_SIGNING_KEY
  bool json = false;
};

// Signature and digests only (no policy). A key is mandatory: verifying against nothing would
// prove nothing.
int runVerify(const VerifyOptions& options, std::ostream& out, std::ostream& err);

// `pluginctl verify DIR --key K.pub.pem [--json]`
void addVerifyCommand(CLI::App& app);

}  // namespace ps::cli
