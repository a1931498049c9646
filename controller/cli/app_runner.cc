#include "cli/app_runner.h"

#include "core/exit_codes.h"

namespace ps::cli {

void exitWith(int code) {
  throw CLI::RuntimeError(code);
}

int runApp(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return kExitOk;
  } catch (const CLI::RuntimeError& exit) {
    return exit.get_exit_code();
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);  // prints the message
    return kExitUsage;
  }
}

}  // namespace ps::cli
