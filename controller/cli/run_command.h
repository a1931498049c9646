#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/trust_options.h"
#include "core/trust_check.h"
#include "sandbox/output_pump.h"
#include "sandbox/sandbox_limits.h"

namespace ps::cli {

struct RunOptions {
  std::string dir;
  std::vector<std::string> args;  // passed to plugin.py
  TrustFlags trust;
  std::optional<std::string> input;
  std::optional<int64_t> timeoutSeconds;
  std::optional<int64_t> memoryBytes;
  std::optional<std::string> python;  // default: $PLUGIN_SANDBOX_PYTHON, else /usr/bin/python3
  std::string sandbox = "local";      // --sandbox local|container
  std::optional<std::string> image;   // container level only
  std::optional<std::string> engine;  // container level only: podman|docker
  bool json = false;
};

// Defaults, lowered by the flags, then clamped by the policy entry's limits (never raised).
sandbox::SandboxLimits effectiveLimits(const RunOptions& options, const core::PolicyLimits& policy);

// The full pipeline: trust sources, plugin dir, checkPlugin, permission of --input, verified copy,
// local sandbox. Plugin output streams to `sinks` (with --json both go to stderr, so that stdout
// holds one JSON object). Returns DESIGN.md's exit status (plugin's own, 124, 125, 126, 128+N).
int runRun(const RunOptions& options, std::ostream& out, std::ostream& err,
           sandbox::OutputSinks sinks);

// pluginctl's own stdout/stderr as sinks. stderr carries pluginctl's lines, so a plugin line there
// that starts like one of them is tagged "[plugin] "; so is stdout when it is a terminal or the
// same file as stderr. A terminal gets control characters neutralized.
sandbox::OutputSinks pluginctlSinks(bool json);

// `pluginctl run DIR [ARGS...] [--policy F] [--key F] [--input DIR] [--timeout S]
//  [--memory BYTES] [--sandbox local|container] [--python PATH] [--image REF] [--engine E]
//  [--json]`
void addRunCommand(CLI::App& app);

}  // namespace ps::cli
