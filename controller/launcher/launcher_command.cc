#include "launcher/launcher_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "launcher/plugin_launch.h"
#include "launcher/termination_message.h"

namespace ps::launcher {
namespace {

void writeLine(int fd, const std::string& line) {
  std::string text = line + "\n";
  if (fd >= 0) (void)!write(fd, text.data(), text.size());
}

std::filesystem::path defaultTerminationLog() {
  const char* configured = std::getenv(kTerminationLogEnv);
  return configured != nullptr && *configured != '\0' ? configured : kDefaultTerminationLog;
}

void addOptions(CLI::App& app, LaunchSpec& spec, std::filesystem::path& terminationLog,
                uint64_t& timeoutSeconds, uint64_t& cpuSeconds) {
  auto& limits = spec.limits;
  app.add_option("--root", spec.root, "sandbox root holding plugin.py")->capture_default_str();
  app.add_option("--termination-log", terminationLog, "where the stdout tail is written")
      ->capture_default_str();
  app.add_option("--python", spec.interpreter, "interpreter (default: PLUGIN_SANDBOX_PYTHON)");
  app.add_option("--timeout", timeoutSeconds, "wall-clock limit in seconds")
      ->check(CLI::Range(uint64_t{1}, uint64_t{86'400}));
  app.add_option("--cpu-seconds", cpuSeconds, "CPU time limit")
      ->check(CLI::Range(uint64_t{1}, uint64_t{86'400}));
  app.add_option("--memory", limits.memoryBytes, "address-space limit in bytes")
      ->check(CLI::Range(uint64_t{16} << 20, uint64_t{1} << 40));
  app.add_option("--max-processes", limits.maxProcesses)->check(CLI::Range(1, 1 << 20));
  app.add_option("--max-open-files", limits.maxOpenFiles)->check(CLI::Range(16, 1 << 20));
  app.add_option("--max-file-bytes", limits.maxFileBytes);
  app.add_option("--output-bytes", limits.outputBytes, "output forwarded before the cut");
  app.add_option("args", spec.args, "arguments for plugin.py (after --)");
}

// What the termination message says when the plugin could not even start.
std::string setupMessage(const LaunchOutcome& outcome) {
  return "sandbox setup failed: " + outcome.setupError;
}

}  // namespace

int runLauncher(const std::vector<std::string>& argv, sandbox::OutputSinks sinks) {
  LaunchSpec spec;
  std::filesystem::path terminationLog = defaultTerminationLog();
  uint64_t timeoutSeconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(spec.limits.wallTime).count());
  uint64_t cpuSeconds = static_cast<uint64_t>(spec.limits.cpuTime.count());

  CLI::App app{"Runs python -I plugin.py in the sandbox root (the sandbox image's entrypoint)",
               "plugin-launcher"};
  addOptions(app, spec, terminationLog, timeoutSeconds, cpuSeconds);
  try {
    std::vector<std::string> reversed(argv.rbegin(), argv.rend() - (argv.empty() ? 0 : 1));
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    writeLine(sinks.stderrFd, "plugin-launcher: " + std::string(e.what()));
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  spec.limits.wallTime = std::chrono::seconds(timeoutSeconds);
  spec.limits.cpuTime = std::chrono::seconds(cpuSeconds);

  LaunchOutcome outcome = launchPlugin(spec, sinks);
  std::string message = outcome.exitCode == 126 && !outcome.setupError.empty()
                            ? setupMessage(outcome)
                            : terminationMessage(outcome.output);
  if (!outcome.setupError.empty()) writeLine(sinks.stderrFd, setupMessage(outcome));
  if (outcome.timedOut) {
    writeLine(sinks.stderrFd, "plugin-launcher: time limit of " + std::to_string(timeoutSeconds) +
                                  " s reached, plugin killed");
  }
  if (auto failed = writeTerminationMessage(terminationLog, message)) {
    writeLine(sinks.stderrFd, "plugin-launcher: " + *failed);
  }
  return outcome.exitCode;
}

}  // namespace ps::launcher
