#include "cli/run_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/app_runner.h"
#include "cli/plan_output.h"
#include "container/sandbox_level.h"
#include "core/exit_codes.h"
#include "core/number_parse.h"
#include "core/plan_grants.h"
#include "core/plugin_files.h"
#include "sandbox/interrupt_signals.h"
#include "sandbox/sandbox_root.h"

namespace ps::cli {
namespace {

int reportSetupFailure(const std::string& message, bool json, std::ostream& out,
                       std::ostream& err) {
  if (json) {
    out << nlohmann::json{{"outcome", "setupFailed"},
                          {"exitCode", kExitSetupFailed},
                          {"error", message}}
               .dump()
        << "\n";
  } else {
    err << "pluginctl: the sandbox could not be set up: " << message << "\n";
  }
  return kExitSetupFailed;
}

nlohmann::json resultToJson(const core::AcceptedPlan& plan, const sandbox::RunResult& result) {
  nlohmann::json json{
      {"outcome", sandbox::outcomeName(result.outcome)},
      {"exitCode", result.exitCode},
      {"durationMs", result.duration.count()},
      {"pluginID", plan.id},
      {"version", plan.version},
      {"signedBy", plan.signerKeyId ? nlohmann::json(*plan.signerKeyId) : nlohmann::json()},
      // Invalid UTF-8 from the plugin must not make dump() throw.
      {"result", result.output.stdoutTail},
      {"truncated", result.output.tailCut || result.output.truncated},
      {"outputTruncated", result.output.truncated},
      {"policyConfigured", plan.policyConfigured},
  };
  if (result.signal != 0) json["signal"] = result.signal;
  if (!result.setupError.empty()) json["error"] = result.setupError;
  return json;
}

// The last line on stderr is always pluginctl's verdict, on a line of its own.
void printSummary(const core::AcceptedPlan& plan, const sandbox::RunResult& result,
                  const sandbox::OutputSinks& sinks, std::ostream& err) {
  const bool stdoutShared = sinks.stdoutMode.guardOwnLines;
  if (result.output.stderrSinkMidLine || (stdoutShared && result.output.stdoutSinkMidLine)) {
    err << "\n";
  }
  err << "pluginctl: " << plan.id << " " << plan.version << ": "
      << sandbox::outcomeName(result.outcome) << ", exit " << result.exitCode << " after "
      << result.duration.count() << " ms"
      << (plan.signerKeyId ? ", signed by " + *plan.signerKeyId : ", unsigned")
      << (result.memoryLimitHit ? ", memory limit reached" : "") << "\n";
  if (!result.setupError.empty()) err << "pluginctl: " << result.setupError << "\n";
}

// Policy and input checks that need the accepted plan; nullopt = go ahead.
core::Check checkRunRequest(const RunOptions& options, const core::AcceptedPlan& plan) {
  if (options.input && !core::grants(plan, "read_files")) {
    return core::reject("policy", "plugin \"" + plan.id +
                                      "\" was given --input but does not hold the read_files "
                                      "permission");
  }
  return core::accepted();
}

// CLI11 turns "99999999999999999999" into int64's maximum (strtoll saturates) and takes "1e3":
// a whole number is parsed here, by the project's checked conversion.
CLI::Validator positiveWholeNumber() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto number = core::parseInt64(text);
        return number && *number > 0 ? "" : "must be a whole number from 1 to 2^63-1";
      },
      "POSITIVE");
}

bool sameFile(int a, int b) {
  struct stat first {
  }, second{};
  return fstat(a, &first) == 0 && fstat(b, &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

}  // namespace

sandbox::OutputSinks pluginctlSinks(bool json) {
  sandbox::OutputSinks sinks{json ? 2 : 1, 2};
  const bool stdoutTerminal = isatty(sinks.stdoutFd) == 1;
  sinks.stderrMode = {isatty(2) == 1, true};
  sinks.stdoutMode = {stdoutTerminal, stdoutTerminal || sameFile(sinks.stdoutFd, 2)};
  return sinks;
}

sandbox::SandboxLimits effectiveLimits(const RunOptions& options,
                                       const core::PolicyLimits& policy) {
  const sandbox::SandboxLimits defaults;
  int64_t timeout = std::chrono::duration_cast<std::chrono::seconds>(defaults.wallTime).count();
  if (options.timeoutSeconds) timeout = std::min(timeout, *options.timeoutSeconds);
  if (policy.maxTimeoutSeconds) timeout = std::min(timeout, *policy.maxTimeoutSeconds);
  auto memory = static_cast<int64_t>(defaults.memoryBytes);
  if (options.memoryBytes) memory = std::min(memory, *options.memoryBytes);
  if (policy.maxMemory) memory = std::min(memory, *policy.maxMemory);
  return sandbox::withTimeoutAndMemory(defaults, timeout, memory);
}

int runRun(const RunOptions& options, std::ostream& out, std::ostream& err,
           sandbox::OutputSinks sinks) {
  auto checked = checkPluginDir(options.trust, options.dir);
  if (!checked) return reportRejection(checked.rejection(), options.json, out, err);
  const core::PluginFiles* plugin = &checked->plugin;
  const core::AcceptedPlan* plan = &checked->plan;
  if (auto allowed = checkRunRequest(options, *plan); !allowed) {
    return reportRejection(allowed.rejection(), options.json, out, err);
  }
  if (!plan->policyConfigured) {
    err << "pluginctl: WARNING: no policy configured (PLUGIN_POLICY_FILE / --policy): every "
           "permission but network is allowed\n";
  }
  std::error_code ec;
  if (options.input && !std::filesystem::is_directory(*options.input, ec)) {
    err << "pluginctl: --input " << *options.input << " is not a directory\n";
    return kExitUsage;
  }
  auto level = container::SandboxLevel::create(
      {options.sandbox, options.python, options.image, options.engine});
  if (!level) return reportSetupFailure(level.error().message, options.json, out, err);
  auto base = sandbox::SandboxRoot::privateBase();
  if (!base) return reportSetupFailure(base.error().message, options.json, out, err);

  sandbox::InterruptSignals interrupts;  // before the root exists: it is removed on Ctrl-C too
  auto root = sandbox::SandboxRoot::create(*plugin, plan->files, base.value());
  if (!root) return reportSetupFailure(root.error().message, options.json, out, err);
  sandbox::SandboxRequest request{root.value()->pluginDir(),
                                  root.value()->mountPoint(),
                                  std::nullopt,
                                  options.args,
                                  core::grants(*plan, "network"),
                                  effectiveLimits(options, plan->limits),
                                  sinks,
                                  interrupts.wakeFd()};
  if (options.input) request.inputDir = std::filesystem::absolute(*options.input);
  auto result = level->run(request);
  if (result.outcome == sandbox::SandboxOutcome::kInterrupted) {
    result.signal = interrupts.received();
    result.exitCode = exitCodeForSignal(result.signal);
  }
  if (options.json) {
    out << resultToJson(*plan, result)
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    printSummary(*plan, result, sinks, err);
  }
  return result.exitCode;
}

void addRunCommand(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run",
      "check a plugin, then run it in the local kernel sandbox (exit: the plugin's own, "
      "124 time limit, 125 rejected, 126 sandbox not set up, 128+N signal N)");
  command->add_option("DIR", options->dir, "plugin directory")->required();
  command->add_option("ARGS", options->args, "arguments for plugin.py (after --)");
  addTrustOptions(*command, options->trust);
  command->add_option("--input", options->input,
                      "directory mounted read-only at /input (needs read_files)");
  command->add_option("--timeout", options->timeoutSeconds, "wall-clock limit in seconds")
      ->check(positiveWholeNumber());
  command->add_option("--memory", options->memoryBytes, "memory limit in bytes")
      ->check(positiveWholeNumber());
  command->add_option("--sandbox", options->sandbox,
                      "isolation level: local (kernel sandbox, default) or container (the "
                      "sandbox image under podman/docker)");
  command->add_option("--python", options->python,
                      "local: interpreter to confine (default: $PLUGIN_SANDBOX_PYTHON, else "
                      "/usr/bin/python3)");
  command->add_option("--image", options->image, "container: sandbox image reference");
  command->add_option("--engine", options->engine, "container: podman or docker");
  command->add_flag("--json", options->json,
                    "print the outcome as one JSON object on stdout (plugin output goes to "
                    "stderr)");
  command->callback([options] {
    const sandbox::OutputSinks sinks = pluginctlSinks(options->json);
    std::cout.flush();
    int code = runRun(*options, std::cout, std::cerr, sinks);
    if (code != kExitOk) exitWith(code);
  });
}

}  // namespace ps::cli
