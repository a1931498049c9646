#include "executor_local/sandbox_subprocess.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/exit_codes.h"
#include "core/fd_io.h"
#include "sandbox/cgroup_limits.h"
#include "sandbox/process_supervisor.h"

namespace ps::reconcile {

using nlohmann::json;

namespace {

json requestToJson(const sandbox::SandboxRequest& request) {
  const sandbox::SandboxLimits& limits = request.limits;
  return {{"pluginDir", request.pluginDir.string()},
          {"mountPoint", request.mountPoint.string()},
          {"inputDir", request.inputDir ? json(request.inputDir->string()) : json()},
          {"args", request.args},
          {"network", request.network},
          {"limits",
           {{"wallTimeMs", limits.wallTime.count()},
            {"cpuTimeS", limits.cpuTime.count()},
            {"memoryBytes", limits.memoryBytes},
            {"maxProcesses", limits.maxProcesses},
            {"maxOpenFiles", limits.maxOpenFiles},
            {"maxFileBytes", limits.maxFileBytes},
            {"tmpBytes", limits.tmpBytes},
            {"outputBytes", limits.outputBytes}}}};
}

sandbox::SandboxRequest requestFromJson(const json& object) {
  sandbox::SandboxRequest request;
  request.pluginDir = object.at("pluginDir").get<std::string>();
  request.mountPoint = object.at("mountPoint").get<std::string>();
  if (object.at("inputDir").is_string()) request.inputDir = object["inputDir"].get<std::string>();
  request.args = object.at("args").get<std::vector<std::string>>();
  request.network = object.at("network").get<bool>();
  const json& limits = object.at("limits");
  request.limits.wallTime = std::chrono::milliseconds(limits.at("wallTimeMs").get<int64_t>());
  request.limits.cpuTime = std::chrono::seconds(limits.at("cpuTimeS").get<int64_t>());
  request.limits.memoryBytes = limits.at("memoryBytes").get<uint64_t>();
  request.limits.maxProcesses = limits.at("maxProcesses").get<uint64_t>();
  request.limits.maxOpenFiles = limits.at("maxOpenFiles").get<uint64_t>();
  request.limits.maxFileBytes = limits.at("maxFileBytes").get<uint64_t>();
  request.limits.tmpBytes = limits.at("tmpBytes").get<uint64_t>();
  request.limits.outputBytes = limits.at("outputBytes").get<uint64_t>();
  request.sinks = sandbox::OutputSinks{-1, -1};
  request.wakeFd = 0;
  return request;
}

// stdoutTail is raw bytes: carried as an array of byte values so nothing is lost to UTF-8.
json resultToJson(const sandbox::RunResult& result) {
  std::vector<unsigned char> tail(result.output.stdoutTail.begin(), result.output.stdoutTail.end());
  return {{"outcome", static_cast<int>(result.outcome)},
          {"exitCode", result.exitCode},
          {"signal", result.signal},
          {"setupError", result.setupError},
          {"stdoutTail", tail},
          {"tailCut", result.output.tailCut},
          {"truncated", result.output.truncated},
          {"totalBytes", result.output.totalBytes},
          {"durationMs", result.duration.count()},
          {"memoryLimitHit", result.memoryLimitHit}};
}

sandbox::RunResult resultFromJson(const json& object) {
  sandbox::RunResult result;
  result.outcome = static_cast<sandbox::SandboxOutcome>(object.at("outcome").get<int>());
  result.exitCode = object.at("exitCode").get<int>();
  result.signal = object.at("signal").get<int>();
  result.setupError = object.at("setupError").get<std::string>();
  auto tail = object.at("stdoutTail").get<std::vector<unsigned char>>();
  result.output.stdoutTail.assign(tail.begin(), tail.end());
  result.output.tailCut = object.at("tailCut").get<bool>();
  result.output.truncated = object.at("truncated").get<bool>();
  result.output.totalBytes = object.at("totalBytes").get<uint64_t>();
  result.duration = std::chrono::milliseconds(object.at("durationMs").get<int64_t>());
  result.memoryLimitHit = object.at("memoryLimitHit").get<bool>();
  return result;
}

// Everything the child needs is made before fork: after it only async-signal-safe calls.
// Returns the child's pid, or -1 with errno set.
pid_t startSubprocess(char* const argv[], int wakeFd, int resultFd) {
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child != 0) return child;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(kExitSetupFailed);
  if (dup2(wakeFd, 0) < 0 || dup2(resultFd, 1) < 0) _exit(kExitSetupFailed);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the controller blocks SIGTERM in its threads
  execv(argv[0], argv);
  _exit(kExitSetupFailed);
}

sandbox::RunResult parseResult(const std::string& answer, const sandbox::ChildExit& exit) {
  json parsed = json::parse(answer, nullptr, false);
  if (!parsed.is_object()) {
    return sandbox::RunResult::setupFailed("sandbox subprocess ended without a result (status " +
                                           std::to_string(exit.waitStatus) + ")");
  }
  try {
    return resultFromJson(parsed);
  } catch (const json::exception& error) {
    return sandbox::RunResult::setupFailed(std::string("sandbox subprocess: ") + error.what());
  }
}

// The subprocess's pipe and reaping are the process supervisor's; its result is its stdout.
sandbox::RunResult runSubprocess(const std::string& binary, const std::string& requestJson,
                                 int wakeFd) {
  auto resultPipe = sandbox::makePipe();
  if (!resultPipe) {
    return sandbox::RunResult::setupFailed("sandbox subprocess: " + resultPipe.error().message);
  }
  std::string arg0 = binary, arg1 = kSandboxSubprocessArg, arg2 = requestJson;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  const pid_t child = startSubprocess(argv, wakeFd, resultPipe.value().write.get());
  if (child < 0) {
    return sandbox::RunResult::setupFailed(
        sandbox::describeErrno("sandbox subprocess: fork", errno));
  }
  resultPipe.value().write.reset();
  std::string answer;
  (void)core::readToEnd(resultPipe.value().read.get(), answer);
  return parseResult(answer, sandbox::reap(child));
}

}  // namespace

SandboxRunner subprocessSandboxRunner(std::filesystem::path binary) {
  // On cgroup v2 the controller moves itself into the supervisor leaf now, before any
  // subprocess exists: the subprocesses are then born there and may hand the parent's
  // controllers to their run groups (in the parent itself they would share it with the
  // controller, which v2 refuses). Elsewhere this only looks; a failure shows at each run.
  (void)sandbox::CgroupHost::find();
  return [binary = binary.string()](const sandbox::SandboxRequest& request) {
    return runSubprocess(binary, requestToJson(request).dump(), request.wakeFd);
  };
}

int runSandboxSubprocess(const std::string& requestJson) {
  json parsed = json::parse(requestJson, nullptr, false);
  sandbox::RunResult result;
  try {
    result = makeLocalSandboxRunner()(requestFromJson(parsed));
  } catch (const json::exception& error) {
    result = sandbox::RunResult::setupFailed(std::string("bad sandbox request: ") + error.what());
  }
  std::cout << resultToJson(result).dump() << std::flush;
  return kExitOk;
}

}  // namespace ps::reconcile
