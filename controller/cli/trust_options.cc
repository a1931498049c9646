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

}  // namespace ps::cli
