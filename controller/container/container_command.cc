#include "container/container_command.h"

#include <chrono>

namespace ps::container {
namespace {

std::vector<std::string> engineCommand(const Engine& engine, const ContainerConfig& config) {
  std::vector<std::string> argv{engine.binary.string()};
  if (engine.kind == EngineKind::kPodman) argv.insert(argv.end(), {"--runtime", config.runtime});
  return argv;
}

std::string ulimit(const char* name, uint64_t value) {
  return std::string(name) + "=" + std::to_string(value) + ":" + std::to_string(value);
}

uint64_t wallSeconds(const sandbox::SandboxLimits& limits) {
  auto ms = static_cast<uint64_t>(limits.wallTime.count());
  return ms == 0 ? 1 : (ms + 999) / 1000;  // the launcher counts whole seconds, rounded up
}

void addIsolation(std::vector<std::string>& argv, const Engine& engine,
                  const sandbox::SandboxRequest& request) {
  const auto uid = std::to_string(kSandboxUid);
  argv.insert(argv.end(), {"--rm", "--pull", "never", "--hostname", "sandbox", "--network",
                           request.network ? "host" : "none", "--read-only", "--cap-drop", "ALL",
                           "--security-opt", "no-new-privileges", "--user", uid + ":" + uid,
                           // Output is streamed to us, never kept in an engine log on disk.
                           "--log-driver", "none",
                           // No /dev/shm: /tmp is the only writable place.
                           "--ipc", "none"});
  // Podman would otherwise mount writable tmpfs on /run and /var/tmp as well (only /tmp may be
  // writable), add a passwd entry for the user, and copy the host's /etc/hosts in.
  if (engine.kind == EngineKind::kPodman) {
    argv.insert(argv.end(), {"--read-only-tmpfs=false", "--passwd=false", "--no-hosts"});
    // Added to the runtime's own maskedPaths: the host kernel's command line and build.
    argv.insert(argv.end(), {"--security-opt", kExtraMaskedPaths});
  }
}

// Podman's volume options take nosuid/nodev/noexec; Docker's -v takes only ro/rw (there, the
// plugin copy and the input stay exec and dev: a known limit of the Docker engine path).
std::string volume(const Engine& engine, const std::string& source, const char* target,
                   const char* access) {
  std::string options = access;
  if (engine.kind == EngineKind::kPodman) options += ",nosuid,nodev,noexec";
  return source + ":" + target + ":" + options;
}

void addLimits(std::vector<std::string>& argv, const sandbox::SandboxLimits& limits) {
  const auto memory = std::to_string(limits.memoryBytes);
  const auto pids = limits.maxProcesses + kLauncherProcesses;
  argv.insert(
      argv.end(),
      {"--tmpfs", "/tmp:rw,nosuid,nodev,noexec,mode=1777,size=" + std::to_string(limits.tmpBytes),
       "--memory", memory, "--memory-swap", memory,  // equal: no swap
       "--pids-limit", std::to_string(pids), "--cpus", "1",
       // Explicit: an engine's defaults may exceed the host's hard limits and fail.
       "--ulimit", ulimit("nofile", limits.maxOpenFiles), "--ulimit", ulimit("nproc", pids),
       "--ulimit", ulimit("fsize", limits.maxFileBytes), "--ulimit", ulimit("core", 0)});
}

void addMounts(std::vector<std::string>& argv, const Engine& engine,
               const sandbox::SandboxRequest& request, const ContainerRunFiles& files) {
  argv.insert(argv.end(),
              {"--volume", volume(engine, request.pluginDir.string(), "/sandbox", "ro"), "--volume",
               volume(engine, files.terminationLog.string(), "/dev/termination-log", "rw")});
  if (request.inputDir) {
    argv.insert(argv.end(),
                {"--volume", volume(engine, request.inputDir->string(), "/input", "ro")});
  }
}

// The launcher enforces the same limits inside, on the plugin's processes.
void addLauncherFlags(std::vector<std::string>& argv, const sandbox::SandboxRequest& request) {
  const auto& limits = request.limits;
  argv.insert(argv.end(), {"--timeout", std::to_string(wallSeconds(limits)), "--cpu-seconds",
                           std::to_string(std::max<int64_t>(1, limits.cpuTime.count())), "--memory",
                           std::to_string(limits.memoryBytes), "--max-processes",
                           std::to_string(limits.maxProcesses), "--max-open-files",
                           std::to_string(limits.maxOpenFiles), "--max-file-bytes",
                           std::to_string(limits.maxFileBytes), "--output-bytes",
                           std::to_string(limits.outputBytes), "--"});
  argv.insert(argv.end(), request.args.begin(), request.args.end());
}

}  // namespace

std::vector<std::string> containerRunArgv(const Engine& engine, const ContainerConfig& config,
                                          const sandbox::SandboxRequest& request,
                                          const ContainerRunFiles& files) {
  std::vector<std::string> argv = engineCommand(engine, config);
  argv.insert(argv.end(), {"run", "--name", files.name});
  addIsolation(argv, engine, request);
  addLimits(argv, request.limits);
  addMounts(argv, engine, request, files);
  argv.push_back(config.image);
  addLauncherFlags(argv, request);
  return argv;
}

std::vector<std::string> containerKillArgv(const Engine& engine, const ContainerConfig& config,
                                           const std::string& name) {
  std::vector<std::string> argv = engineCommand(engine, config);
  argv.insert(argv.end(), {"kill", "--signal", "KILL", name});
  return argv;
}

std::vector<std::string> imageExistsArgv(const Engine& engine, const ContainerConfig& config) {
  std::vector<std::string> argv = engineCommand(engine, config);
  argv.insert(argv.end(), {"image", "inspect", "--format", "{{.Id}}", config.image});
  return argv;
}

}  // namespace ps::container
