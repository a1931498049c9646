// pluginctl: check, sign and run third-party plugins. Each subcommand lives in controller/cli/.
#include <CLI/CLI.hpp>
#include <csignal>

#include "cli/app_runner.h"
#include "cli/keygen_command.h"
#include "cli/render_command.h"
#include "cli/run_command.h"
#include "cli/sign_command.h"
#include "cli/validate_command.h"
#include "cli/verify_command.h"

int main(int argc, char** argv) {
  // `pluginctl run ... | head` must not die of SIGPIPE with its run directory and cgroups left
  // behind: a closed pipe is a write error, which the output pump handles (it stops forwarding).
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"pluginctl: validate, sign, verify and run sandboxed Python plugins"};
  app.require_subcommand(1);
  ps::cli::addValidateCommand(app);
  ps::cli::addKeygenCommand(app);
  ps::cli::addSignCommand(app);
  ps::cli::addVerifyCommand(app);
  ps::cli::addRunCommand(app);
  ps::cli::addRenderCommand(app);
  return ps::cli::runApp(app, argc, argv);
}
