#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/plugin_files.h"
#include "core/result.h"
#include "core/trust_check.h"
#include "core/trust_env.h"

namespace ps::cli {

// --policy / --key, defaulting to PLUGIN_POLICY_FILE / PLUGIN_SIGNING_KEY. Shared by every
// subcommand that decides whether a plugin may run (validate, run, render).
struct TrustFlags {
  std::optional<std::string> policy;
  std::optional<std::string> key;
};

void addTrustOptions(CLI::App& command, TrustFlags& flags);

// Flags over environment; fails closed on a set-but-bad source (rules "policy" / "key").
core::Result<core::LoadedTrust> loadTrustFromFlags(const TrustFlags& flags);

// A plugin directory read and checked against the trust the flags name: what validate and run
// start with. The first rejection of the three steps (trust, reading, checking) otherwise.
struct CheckedPlugin {
  core::PluginFiles plugin;
  core::AcceptedPlan plan;
};
core::Result<CheckedPlugin> checkPluginDir(const TrustFlags& flags,
                                           const std::filesystem::path& dir);

}  // namespace ps::cli
