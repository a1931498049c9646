#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "cli/trust_options.h"

namespace ps::cli {

struct ValidateOptions {
  std::string dir;
  TrustFlags trust;
  bool json = false;
};

// Every check `run` makes before running: layout, schema, digests, signature (required when a
// key is configured), policy. Returns the exit code.
int runValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

// `pluginctl validate DIR [--policy F] [--key F] [--json]`
void addValidateCommand(CLI::App& app);

}  // namespace ps::cli
