#include "launcher/launcher_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "core/exit_codes.h"
#include "launcher/expected_files.h"
#include "launcher/network_isolation.h"
#include "launcher/plugin_launch.h"
#include "launcher/verified_volume.h"
#include "sandbox/termination_message.h"

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

struct CommandLine {
  LaunchSpec spec;
  std::filesystem::path terminationLog = defaultTerminationLog();
  uint64_t timeoutSeconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(spec.limits.wallTime).count());
  uint64_t cpuSeconds = static_cast<uint64_t>(spec.limits.cpuTime.count());
  std::vector<std::string> expect;  // --expect NAME=sha256:HEX, as given
  uint64_t memoryBytes = spec.limits.memoryBytes;
  uint64_t isolationWaitSeconds = 0;  // --await-network-isolation; 0: no check
};

// In a Pod the memory cgroup is the cap and its OOM kill is what the run reports as "out of
// memory". An RLIMIT_AS equal to it would fire first (virtual size runs well above resident
// size), turning the kill into a MemoryError inside the plugin; so RLIMIT_AS is only a backstop
// this many times above the cgroup limit.
constexpr uint64_t kAddressSpaceHeadroom = 4;

uint64_t addressSpaceLimit(uint64_t memoryBytes) {
  return memoryBytes * kAddressSpaceHeadroom;
}

void addOptions(CLI::App& app, CommandLine& line) {
  auto& spec = line.spec;
  auto& limits = spec.limits;
  app.add_option("--root", spec.root, "sandbox root holding plugin.py")->capture_default_str();
  app.add_option("--expect", line.expect,
                 "NAME=sha256:HEX, once per file: the root must hold exactly these files with "
                 "these digests; the plugin then runs from a private copy of them")
      ->allow_extra_args(false);
  app.add_option("--termination-log", line.terminationLog, "where the stdout tail is written")
      ->capture_default_str();
  app.add_option("--python", spec.interpreter, "interpreter (default: PLUGIN_SANDBOX_PYTHON)");
  app.add_option("--timeout", line.timeoutSeconds, "wall-clock limit in seconds")
      ->check(CLI::Range(uint64_t{1}, uint64_t{86'400}));
  app.add_option("--cpu-seconds", line.cpuSeconds, "CPU time limit")
      ->check(CLI::Range(uint64_t{1}, uint64_t{86'400}));
  app.add_option("--memory", line.memoryBytes,
                 "the Pod's memory limit in bytes; the address space is capped at " +
                     std::to_string(kAddressSpaceHeadroom) + " times it")
      ->check(CLI::Range(sandbox::kMinMemoryBytes, uint64_t{1} << 40));
  app.add_option("--await-network-isolation", line.isolationWaitSeconds,
                 "seconds to wait until the Pod's deny-all NetworkPolicy is in effect before the "
                 "plugin starts (0: do not check); counted against --timeout")
      ->check(CLI::Range(uint64_t{0}, uint64_t{86'400}));
  app.add_option("--max-processes", limits.maxProcesses)->check(CLI::Range(1, 1 << 20));
  app.add_option("--max-open-files", limits.maxOpenFiles)->check(CLI::Range(16, 1 << 20));
  app.add_option("--max-file-bytes", limits.maxFileBytes);
  app.add_option("--output-bytes", limits.outputBytes, "output forwarded before the cut");
  app.add_option("args", spec.args, "arguments for plugin.py (after --)");
}

// What the termination message says when the plugin could not even start.
std::string setupMessage(const sandbox::RunResult& outcome) {
  return "sandbox setup failed: " + outcome.setupError;
}

// Tells the Pod's status (termination message) and its log (stderr) how the run ended.
void report(const sandbox::RunResult& outcome, const CommandLine& line,
            sandbox::OutputSinks sinks) {
  std::string message = outcome.exitCode == kExitSetupFailed && !outcome.setupError.empty()
                            ? setupMessage(outcome)
                            : sandbox::terminationMessage(outcome.output);
  if (!outcome.setupError.empty()) writeLine(sinks.stderrFd, setupMessage(outcome));
  if (outcome.deadlineReached) {
    writeLine(sinks.stderrFd, "plugin-launcher: time limit of " +
                                  std::to_string(line.timeoutSeconds) +
                                  " s reached, plugin killed");
  }
  if (auto written = sandbox::writeTerminationMessage(line.terminationLog, message); !written) {
    writeLine(sinks.stderrFd, "plugin-launcher: " + written.error());
  }
}

// The plugin does not start: `why` (one line) goes to stderr and the termination message.
int refuse(const std::filesystem::path& terminationLog, const std::string& why,
           sandbox::OutputSinks sinks) {
  writeLine(sinks.stderrFd, why);
  if (auto written = sandbox::writeTerminationMessage(terminationLog, why); !written) {
    writeLine(sinks.stderrFd, "plugin-launcher: " + written.error());
  }
  return kExitSetupFailed;
}

// The pinned files, read from the volume at `root`, checked, and copied to a private directory
// under the sandbox's base ($PLUGIN_SANDBOX_DIR, else /tmp/plugin-sandbox-<uid>).
sandbox::SetupResult<sandbox::SandboxRootPtr> copyPinnedPlugin(const std::filesystem::path& root,
                                                               const ExpectedFiles& expected) {
  auto base = sandbox::SandboxRoot::privateBase();
  if (!base) return base.error();
  return copyVerifiedVolume(root, expected, *base);
}

// Waits (within the run's own wall clock, which the Pod's activeDeadlineSeconds already counts)
// until the Pod is cut off; the plugin's time limit shrinks by the wait.
core::Status awaitIsolation(CommandLine& line) {
  const auto probe = kubernetesServiceFromEnvironment();
  if (!probe) {
    return core::failed(
        "no network: cannot check that the deny-all NetworkPolicy is in effect: "
        "KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  auto& wallTime = line.spec.limits.wallTime;
  const std::chrono::milliseconds budget = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(line.isolationWaitSeconds), wallTime);
  const auto start = std::chrono::steady_clock::now();
  if (auto isolated = awaitNetworkIsolation({*probe, budget}); !isolated) return isolated;
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  wallTime = std::max<std::chrono::milliseconds>(wallTime - waited, std::chrono::seconds(1));
  return core::succeeded();
}

}  // namespace

int runLauncher(const std::vector<std::string>& argv, sandbox::OutputSinks sinks) {
  CommandLine line;
  CLI::App app{"Runs python -I plugin.py in the sandbox root (the sandbox image's entrypoint)",
               "plugin-launcher"};
  addOptions(app, line);
  try {
    std::vector<std::string> reversed(argv.rbegin(), argv.rend() - (argv.empty() ? 0 : 1));
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    writeLine(sinks.stderrFd, "plugin-launcher: " + std::string(e.what()));
    return e.get_exit_code() == 0 ? kExitOk : kExitUsage;
  }
  auto expected = parseExpectedFiles(line.expect);
  if (!expected) {
    writeLine(sinks.stderrFd, "plugin-launcher: " + expected.rejection().message);
    return kExitUsage;
  }
  LaunchSpec& spec = line.spec;
  spec.limits.wallTime = std::chrono::seconds(line.timeoutSeconds);
  spec.limits.cpuTime = std::chrono::seconds(line.cpuSeconds);
  spec.limits.memoryBytes = addressSpaceLimit(line.memoryBytes);

  sandbox::SandboxRootPtr verifiedCopy;  // lives until the plugin has finished
  if (!expected->empty()) {
    auto copy = copyPinnedPlugin(spec.root, *expected);
    if (!copy) return refuse(line.terminationLog, copy.error().message, sinks);
    verifiedCopy = std::move(copy).value();
    spec.root = verifiedCopy->pluginDir();
  }

  if (line.isolationWaitSeconds > 0) {
    if (auto isolated = awaitIsolation(line); !isolated) {
      return refuse(line.terminationLog, isolated.error(), sinks);
    }
  }

  sandbox::RunResult outcome = launchPlugin(spec, sinks);
  report(outcome, line, sinks);
  return outcome.exitCode;
}

}  // namespace ps::launcher
