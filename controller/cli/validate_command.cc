#include "cli/validate_command.h"

#include <iostream>
#include <memory>

#include "cli/app_runner.h"
#include "cli/plan_output.h"
#include "core/exit_codes.h"
#include "core/plugin_files.h"
#include "core/trust_check.h"

namespace ps::cli {

int runValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err) {
  auto checked = checkPluginDir(options.trust, options.dir);
  if (!checked) return reportRejection(checked.rejection(), options.json, out, err);
  const core::AcceptedPlan* plan = &checked->plan;
  if (options.json) {
    out << planToJson(*plan).dump() << "\n";
  } else {
    out << planSummary(*plan)
        << (plan->policyConfigured ? ", policy configured" : ", NO POLICY CONFIGURED") << "\n";
  }
  return kExitOk;
}

void addValidateCommand(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* command =
      app.add_subcommand("validate", "check a plugin as `run` would, without running it");
  command->add_option("DIR", options->dir, "plugin directory")->required();
  addTrustOptions(*command, options->trust);
  command->add_flag("--json", options->json, "print the verdict as one JSON object");
  command->callback([options] {
    if (int code = runValidate(*options, std::cout, std::cerr); code != kExitOk) exitWith(code);
  });
}

}  // namespace ps::cli
