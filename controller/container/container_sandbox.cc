#include "container/container_sandbox.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>

#include "container/engine_process.h"
#include "container/run_directory.h"
#include "core/exit_codes.h"
#include "sandbox/input_tree.h"
#include "sandbox/output_pump.h"
#include "sandbox/process_supervisor.h"
#include "sandbox/termination_message.h"

namespace ps::container {
namespace {

using std::chrono::steady_clock;

// The launcher enforces the wall-clock limit inside; ours is the backstop for an engine or
// container that hangs, so it allows for the container's start and teardown.
constexpr std::chrono::seconds kEngineSlack{15};
// After the container is gone, how long its output may still take to drain.
constexpr std::chrono::seconds kDrainGrace{5};

// The first non-empty line of an engine's output (docker prints an empty line before its error).
std::string firstLine(const std::string& text) {
  std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "(no output)";
  return text.substr(start, text.find('\n', start) - start);
}

// The engine's exit code is the launcher's (the container's PID 1): map it like the local level.
void classify(sandbox::RunResult& result, int exitCode, const std::optional<std::string>& message) {
  using sandbox::SandboxOutcome;
  result.exitCode = exitCode;
  if (!message) {
    result.outcome = SandboxOutcome::kSetupFailed;
    result.exitCode = kExitSetupFailed;
    result.setupError = "container sandbox: the engine did not start the container (exit " +
                        std::to_string(exitCode) + ")";
  } else if (exitCode == kExitTimedOut) {
    result.outcome = SandboxOutcome::kTimedOut;
  } else if (exitCode == kExitSetupFailed && message->rfind("sandbox setup failed", 0) == 0) {
    result.outcome = SandboxOutcome::kSetupFailed;
    result.setupError = "container sandbox: " + firstLine(*message);
  } else if (signalOfExitCode(exitCode) != 0) {
    result.outcome = SandboxOutcome::kSignaled;
    result.signal = signalOfExitCode(exitCode);
  } else {
    result.outcome = SandboxOutcome::kExited;
  }
}

// The launcher saw all of stdout; we only see what it forwarded before its output cap. Its
// termination message (as a Pod's) holds the true tail.
void useLaunchersTail(sandbox::CapturedOutput& output, const std::optional<std::string>& message) {
  if (!message || message->rfind("sandbox setup failed", 0) == 0) return;
  auto parsed = sandbox::parseTerminationMessage(*message);
  output.stdoutTail = std::move(parsed.stdoutTail);
  output.tailCut = parsed.cut;
}

}  // namespace

sandbox::SetupResult<ContainerSandbox> ContainerSandbox::create(ContainerConfig config) {
  const char* path = std::getenv("PATH");
  auto engine = findEngine(config.engine, path != nullptr ? path : "/usr/bin:/bin");
  if (!engine) return engine.error();
  auto inspect = runQuiet(imageExistsArgv(engine.value(), config));
  if (!inspect) return inspect.error();
  if (inspect->exitCode != 0) {
    return sandbox::SetupError{
        describeImageCheckFailure(engine->kind, config.image, inspect->output)};
  }
  return ContainerSandbox(std::move(engine.value()), std::move(config));
}

sandbox::RunResult ContainerSandbox::run(const sandbox::SandboxRequest& request) const {
  const auto start = steady_clock::now();
  // The same input rules as the local sandbox: no symlink in the path, no socket, FIFO or
  // device inside (the engine would bind them live).
  if (request.inputDir) {
    if (auto checked = sandbox::checkInputTree(*request.inputDir, start + request.limits.wallTime);
        !checked) {
      return sandbox::RunResult::setupFailed(checked.error().message);
    }
  }
  auto files = RunDirectory::create();
  if (!files) return sandbox::RunResult::setupFailed(files.error().message);
  const RunDirectory& dir = *files.value();
  auto argv = containerRunArgv(engine_, config_, request,
                               {dir.containerName(), dir.terminationLog(), dir.emptyFile()});
  auto engine = spawnEngine(argv);
  if (!engine)
    return sandbox::RunResult::setupFailed("container sandbox: " + engine.error().message);

  sandbox::OutputPump pump(engine->stdoutRead.release(), engine->stderrRead.release(),
                           request.sinks, request.limits.outputBytes);
  const auto deadline = start + request.limits.wallTime + kEngineSlack;
  auto stop = pump.pumpUntil(deadline, request.wakeFd);
  if (stop == sandbox::OutputPump::Stop::kEndOfOutput) {
    stop = sandbox::waitForExit(engine->exited.get(), deadline, request.wakeFd);
  }
  if (stop != sandbox::OutputPump::Stop::kEndOfOutput) {
    (void)runQuiet(containerKillArgv(engine_, config_, dir.containerName()));
  }
  int exitCode = waitForEngine(engine->pid);
  pump.pumpUntil(steady_clock::now() + kDrainGrace);

  sandbox::RunResult result;
  result.output = pump.result();
  if (stop == sandbox::OutputPump::Stop::kDeadline) {
    result.outcome = sandbox::SandboxOutcome::kTimedOut;
    result.exitCode = kExitTimedOut;
  } else if (stop == sandbox::OutputPump::Stop::kWakeUp) {
    result.outcome = sandbox::SandboxOutcome::kInterrupted;
    result.signal = SIGINT;
    result.exitCode = exitCodeForSignal(SIGINT);
  } else {
    auto message = dir.readTerminationMessage();
    classify(result, exitCode, message);
    useLaunchersTail(result.output, message);
  }
  result.memoryLimitHit = false;  // the engine's OOM kill shows as 128+9 (the cgroup is its own)
  result.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start);
  return result;
}

}  // namespace ps::container
