#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "container/container_engine.h"
#include "sandbox/local_sandbox.h"

namespace ps::container {

inline constexpr const char* kDefaultImage = "localhost/plugin-sandbox/sandbox:dev";

// The numeric user the image runs as (and the Pod's runAsUser).
inline constexpr int kSandboxUid = 65532;

// Podman's --security-opt adding to runc's default masked paths (which already hide /proc/kcore,
// /proc/keys, /proc/timer_list, /proc/sched_debug, /proc/scsi, /sys/firmware, ...).
inline constexpr const char* kExtraMaskedPaths =
    "mask=/proc/cmdline:/proc/config.gz:/proc/interrupts";

// Room above the plugin's own process limit for the launcher (PID 1) itself.
inline constexpr uint64_t kLauncherProcesses = 4;

struct ContainerConfig {
  std::optional<EngineKind> engine;  // --engine; none: podman, else docker
  std::string image = kDefaultImage;
  // Podman's OCI runtime. Its default, crun, refuses hybrid cgroup v1/v2 hosts; runc runs anywhere.
  std::string runtime = "runc";
};

// Per-run names on the host side.
struct ContainerRunFiles {
  std::string name;                      // --name, so a timed-out run can be killed
  std::filesystem::path terminationLog;  // host file mounted at /dev/termination-log
  std::filesystem::path emptyFile;       // Docker, no network: covers /etc/resolv.conf, /etc/hosts
};

// The full `podman run ...` / `docker run ...` command line for one run: every isolation flag,
// the plugin read-only at /sandbox, /input only when the request has one, nothing from our
// environment, and the sandbox limits both as engine limits and as the launcher's own flags.
std::vector<std::string> containerRunArgv(const Engine& engine, const ContainerConfig& config,
                                          const sandbox::SandboxRequest& request,
                                          const ContainerRunFiles& files);

// Kills a running container at once (SIGKILL, no grace period).
std::vector<std::string> containerKillArgv(const Engine& engine, const ContainerConfig& config,
                                           const std::string& name);

// Asks whether `config.image` is present locally (exit 0 when it is).
std::vector<std::string> imageExistsArgv(const Engine& engine, const ContainerConfig& config);

}  // namespace ps::container
