#include "cli/verify_command.h"

#include <iostream>
#include <memory>

#include "cli/app_runner.h"
#include "cli/plan_output.h"
#include "core/exit_codes.h"
#include "core/key_ring.h"
#include "core/plugin_files.h"
#include "core/trust_check.h"
#include "core/trust_env.h"

namespace ps::cli {

int runVerify(const VerifyOptions& options, std::ostream& out, std::ostream& err) {
  std::optional<std::string> key = options.key.empty()
                                       ? core::trustSourcesFromEnvironment().signingKey
                                       : std::optional<std::string>(options.key);
  if (!key) {
    err << "pluginctl verify: --key is required (or set " << core::kSigningKeyEnv << ")\n";
    return kExitUsage;
  }
  auto keys = core::KeyRing::fromPemFileOrText(*key);
  if (!keys) return reportRejection(keys.rejection(), options.json, out, err);
  auto plugin = core::readPluginDir(options.dir);
  if (!plugin) return reportRejection(plugin.rejection(), options.json, out, err);
  auto plan = core::checkPluginIntegrity(*plugin, &*keys);
  if (!plan) return reportRejection(plan.rejection(), options.json, out, err);
  if (options.json) {
    out << planToJson(*plan).dump() << "\n";
  } else {
    out << planSummary(*plan) << "\n";
  }
  return kExitOk;
}

void addVerifyCommand(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* command = app.add_subcommand("verify", "check a plugin's signature and file digests");
  command->add_option("DIR", options->dir, "plugin directory")->required();
  command->add_option("--key", options->key,
                      "trusted public key(s): PEM file or PEM text (default: $PLUGIN_SIGNING_KEY)");
  command->add_flag("--json", options->json, "print the verdict as one JSON object");
  command->callback([options] {
    if (int code = runVerify(*options, std::cout, std::cerr); code != kExitOk) exitWith(code);
  });
}

}  // namespace ps::cli
