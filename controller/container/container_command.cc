#include "container/container_command.h"

#include <chrono>

namespace ps::container {
namespace {

// Podman takes the OCI runtime as a global flag; Docker takes it per `run` (addIsolation).
std::vector<std::string> engineCommand(const Engine& engine, const ContainerConfig& config) {
  std::vector<std::string> argv{engine.binary.string()};
  if (engine.kind == EngineKind::kPodman) argv.insert(argv.end(), {"--runtime", config.runtime});
  return argv;
}

// One field of Docker's --mount value (CSV): quoted when it holds a comma or a quote.
std::string csvField(const std::string& field) {
  if (field.find_first_of(",\"") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string ulimit(const char* name, uint64_t value) {
  return std::string(name) + "=" + std::to_string(value) + ":" + std::to_string(value);
}

uint64_t wallSeconds(const sandbox::SandboxLimits& limits) {
  auto ms = static_cast<uint64_t>(limits.wallTime.count());
  return ms == 0 ? 1 : (ms + 999) / 1000;  // the launcher counts whole seconds, rounded up
}

void addIsolation(std::vector<std::string>& argv, const Engine& engine,
                  const ContainerConfig& config, const sandbox::SandboxRequest& request,
                  const ContainerRunFiles& files) {
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
    return;
  }
  // Docker: the runtime per run; it has no option to mask more /proc paths (runc refuses binds
  // inside /proc), so /proc/cmdline, /proc/interrupts stay readable, as in a Pod. It writes the
  // host's nameservers into /etc/resolv.conf and its own /etc/hosts: with no network, an empty
  // file covers both (Podman, --network none and --no-hosts, gives neither).
  argv.insert(argv.end(), {"--runtime", config.runtime});
  if (!request.network) {
    for (const char* target : {"/etc/resolv.conf", "/etc/hosts"}) {
      argv.insert(argv.end(),
                  {"--mount", "type=bind," + csvField("source=" + files.emptyFile.string()) +
                                  ",target=" + target + ",readonly"});
    }
  }
}

// A read-only directory, nosuid, nodev and noexec. Podman's -v takes those options. Docker's
// -v and --mount type=bind take only ro/rw, so Docker's local volume driver makes the bind
// (mount -o bind,ro,nosuid,nodev,noexec in the daemon's namespace) and the container gets a bind
// of that mount, flags included. Anonymous, so --rm removes it; nocopy, so Docker never copies
// the image's content into the host directory. No container-level readonly: Docker refuses it
// on anonymous volumes, and the volume's own mount is read-only already.
std::vector<std::string> readOnlyDirectory(const Engine& engine, const std::string& source,
                                           const char* target) {
  if (engine.kind == EngineKind::kPodman) {
    return {"--volume", source + ":" + target + ":ro,nosuid,nodev,noexec"};
  }
  return {"--mount", std::string("type=volume,target=") + target +
                         ",volume-driver=local,volume-nocopy=true,volume-opt=type=none," +
                         csvField("volume-opt=device=" + source) + "," +
                         csvField("volume-opt=o=bind,ro,nosuid,nodev,noexec")};
}

// The launcher writes this file. Docker's local volumes apply nosuid/nodev/noexec to a bind only
// when it is read-only, so under Docker it is a plain bind: a 0666 regular file owned by the
// host's user, which the plugin can neither chmod nor make setuid; noexec would only refuse
// mmap(PROT_EXEC) of bytes the plugin wrote, as anonymous executable memory allows anyway.
std::vector<std::string> terminationLog(const Engine& engine, const std::string& source) {
  std::string options = engine.kind == EngineKind::kPodman ? ":rw,nosuid,nodev,noexec" : ":rw";
  return {"--volume", source + ":/dev/termination-log" + options};
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
  auto append = [&argv](std::vector<std::string> flags) {
    argv.insert(argv.end(), flags.begin(), flags.end());
  };
  append(readOnlyDirectory(engine, request.pluginDir.string(), "/sandbox"));
  append(terminationLog(engine, files.terminationLog.string()));
  if (request.inputDir) append(readOnlyDirectory(engine, request.inputDir->string(), "/input"));
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
  addIsolation(argv, engine, config, request, files);
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
