#include "cli/trust_options.h"

namespace ps::cli {

void addTrustOptions(CLI::App& command, TrustFlags& flags) {
  command.add_option("--policy", flags.policy,
                     "policy file, JSON or YAML (default: $PLUGIN_POLICY_FILE; unset = no policy)");
  command.add_option("--key", flags.key,
                     "trusted public key(s): PEM file or PEM text (default: $PLUGIN_SIGNING_KEY; "
                     "set = signature required)");
}

core::Result<core::LoadedTrust> loadTrustFromFlags(const TrustFlags& flags) {
  return core::loadTrust(core::mergeTrustSources(core::TrustSources{flags.policy, flags.key},
                                                 core::trustSourcesFromEnvironment()));
}

core::Result<CheckedPlugin> checkPluginDir(const TrustFlags& flags,
                                           const std::filesystem::path& dir) {
  auto trust = loadTrustFromFlags(flags);
  if (!trust) return trust.rejection();
  auto plugin = core::readPluginDir(dir);
  if (!plugin) return plugin.rejection();
  auto plan = core::checkPlugin(*plugin, trust->config());
  if (!plan) return plan.rejection();
  return CheckedPlugin{std::move(plugin).value(), std::move(plan).value()};
}

}  // namespace ps::cli
