#include "container/container_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ps::container {
namespace {

using Argv = std::vector<std::string>;

bool has(const Argv& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

// The value right after `flag`, every time it appears.
std::vector<std::string> valuesOf(const Argv& argv, const std::string& flag) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) values.push_back(argv[i + 1]);
  }
  return values;
}

// Everything before the image: the engine's flags, not the launcher's.
Argv engineFlags(const Argv& argv, const std::string& image) {
  return Argv(argv.begin(), std::find(argv.begin(), argv.end(), image));
}

sandbox::SandboxRequest request() {
  sandbox::SandboxRequest r;
  r.pluginDir = "/tmp/plugin-sandbox-0/run-abc/plugin";
  r.limits.wallTime = std::chrono::milliseconds(2500);
  r.limits.cpuTime = std::chrono::seconds(7);
  r.limits.memoryBytes = 256ull << 20;
  r.limits.maxProcesses = 16;
  r.limits.maxOpenFiles = 128;
  r.limits.maxFileBytes = 1 << 20;
  r.limits.tmpBytes = 4 << 20;
  r.args = {"--limit", "20"};
  return r;
}

const Engine kPodman{EngineKind::kPodman, "/usr/bin/podman"};
const Engine kDocker{EngineKind::kDocker, "/usr/bin/docker"};
const ContainerRunFiles kFiles{"plugin-sandbox-abc123", "/tmp/plugin-sandbox-0/c/termination-log",
                               "/tmp/plugin-sandbox-0/c/empty"};

TEST(ContainerCommandTest, PodmanUsesRuncAndEveryIsolationFlag) {
  Argv argv = containerRunArgv(kPodman, {}, request(), kFiles);
  ASSERT_GE(argv.size(), 4u);
  EXPECT_EQ(Argv(argv.begin(), argv.begin() + 4),
            (Argv{"/usr/bin/podman", "--runtime", "runc", "run"}));
  Argv flags = engineFlags(argv, kDefaultImage);
  for (const char* flag :
       {"--rm", "--read-only", "--read-only-tmpfs=false", "--passwd=false", "--no-hosts"}) {
    EXPECT_TRUE(has(flags, flag)) << flag;
  }
  EXPECT_EQ(valuesOf(flags, "--network"), Argv{"none"});
  EXPECT_EQ(valuesOf(flags, "--cap-drop"), Argv{"ALL"});
  EXPECT_EQ(valuesOf(flags, "--security-opt"),
            (Argv{"no-new-privileges", "mask=/proc/cmdline:/proc/config.gz:/proc/interrupts"}));
  EXPECT_EQ(valuesOf(flags, "--user"), Argv{"65532:65532"});
  EXPECT_EQ(valuesOf(flags, "--pull"), Argv{"never"});
  EXPECT_EQ(valuesOf(flags, "--ipc"), Argv{"none"}) << "no writable /dev/shm";
  EXPECT_EQ(valuesOf(flags, "--name"), Argv{"plugin-sandbox-abc123"});
}

TEST(ContainerCommandTest, LimitsBecomeEngineLimits) {
  Argv flags = engineFlags(containerRunArgv(kPodman, {}, request(), kFiles), kDefaultImage);
  EXPECT_EQ(valuesOf(flags, "--memory"), Argv{std::to_string(256ull << 20)});
  EXPECT_EQ(valuesOf(flags, "--memory-swap"), Argv{std::to_string(256ull << 20)});
  EXPECT_EQ(valuesOf(flags, "--pids-limit"), Argv{std::to_string(16 + kLauncherProcesses)});
  EXPECT_EQ(valuesOf(flags, "--cpus"), Argv{"1"});
  EXPECT_EQ(valuesOf(flags, "--tmpfs"),
            Argv{"/tmp:rw,nosuid,nodev,noexec,mode=1777,size=" + std::to_string(4 << 20)});
  Argv ulimits = valuesOf(flags, "--ulimit");
  EXPECT_TRUE(has(ulimits, "nofile=128:128"));
  EXPECT_TRUE(has(ulimits, "nproc=20:20"));
  EXPECT_TRUE(has(ulimits, "fsize=1048576:1048576"));
}

TEST(ContainerCommandTest, PluginIsMountedReadOnlyNoexecNodevAndInputOnlyWhenGranted) {
  Argv flags = engineFlags(containerRunArgv(kPodman, {}, request(), kFiles), kDefaultImage);
  Argv volumes = valuesOf(flags, "--volume");
  EXPECT_EQ(volumes,
            (Argv{"/tmp/plugin-sandbox-0/run-abc/plugin:/sandbox:ro,nosuid,nodev,noexec",
                  "/tmp/plugin-sandbox-0/c/termination-log:/dev/termination-log:rw,nosuid,nodev,"
                  "noexec"}));
  auto withInput = request();
  withInput.inputDir = "/data/repo";
  volumes = valuesOf(containerRunArgv(kPodman, {}, withInput, kFiles), "--volume");
  EXPECT_TRUE(has(volumes, "/data/repo:/input:ro,nosuid,nodev,noexec"));
}

// Docker's -v knows only ro/rw: its local volume driver makes the bind with the flags.
TEST(ContainerCommandTest, DockerMountsThePluginAndInputThroughANoexecLocalVolume) {
  auto withInput = request();
  withInput.inputDir = "/data/repo,\"odd\"";
  Argv flags = engineFlags(containerRunArgv(kDocker, {}, withInput, kFiles), kDefaultImage);
  EXPECT_EQ(valuesOf(flags, "--volume"),
            Argv{"/tmp/plugin-sandbox-0/c/termination-log:/dev/termination-log:rw"});
  Argv mounts = valuesOf(flags, "--mount");
  const std::string local = "volume-driver=local,volume-nocopy=true,volume-opt=type=none,";
  const std::string options = ",\"volume-opt=o=bind,ro,nosuid,nodev,noexec\"";
  EXPECT_TRUE(has(mounts, "type=volume,target=/sandbox," + local +
                              "volume-opt=device=/tmp/plugin-sandbox-0/run-abc/plugin" + options))
      << mounts[0];
  EXPECT_TRUE(has(mounts, "type=volume,target=/input," + local +
                              "\"volume-opt=device=/data/repo,\"\"odd\"\"\"" + options));
  for (const auto& mount : mounts) {
    if (mount.rfind("type=volume", 0) != 0) continue;
    EXPECT_EQ(mount.find("readonly"), std::string::npos) << "ro comes from the volume: " << mount;
  }
}

TEST(ContainerCommandTest, DockerCoversResolvConfAndHostsUnlessNetworkIsGranted) {
  Argv mounts = valuesOf(containerRunArgv(kDocker, {}, request(), kFiles), "--mount");
  EXPECT_TRUE(has(
      mounts, "type=bind,source=/tmp/plugin-sandbox-0/c/empty,target=/etc/resolv.conf,readonly"));
  EXPECT_TRUE(
      has(mounts, "type=bind,source=/tmp/plugin-sandbox-0/c/empty,target=/etc/hosts,readonly"));
  auto granted = request();
  granted.network = true;
  mounts = valuesOf(containerRunArgv(kDocker, {}, granted, kFiles), "--mount");
  for (const auto& mount : mounts) EXPECT_EQ(mount.find("/etc/"), std::string::npos) << mount;
}

TEST(ContainerCommandTest, NetworkOnlyWhenGranted) {
  auto granted = request();
  granted.network = true;
  EXPECT_EQ(valuesOf(containerRunArgv(kPodman, {}, granted, kFiles), "--network"), Argv{"host"});
}

TEST(ContainerCommandTest, NoEnvironmentIsPassedThrough) {
  Argv flags = engineFlags(containerRunArgv(kPodman, {}, request(), kFiles), kDefaultImage);
  for (const char* flag : {"-e", "--env", "--env-file", "--env-host", "--privileged"}) {
    EXPECT_FALSE(has(flags, flag)) << flag;
  }
  for (const auto& arg : flags) EXPECT_EQ(arg.rfind("--env", 0), std::string::npos) << arg;
}

TEST(ContainerCommandTest, LauncherGetsTheLimitsAndThePluginArguments) {
  ContainerConfig config;
  config.image = "registry.example/sandbox@sha256:abc";
  Argv argv = containerRunArgv(kPodman, config, request(), kFiles);
  auto image = std::find(argv.begin(), argv.end(), config.image);
  ASSERT_NE(image, argv.end());
  Argv launcher(image + 1, argv.end());
  EXPECT_EQ(valuesOf(launcher, "--timeout"), Argv{"3"}) << "2.5 s rounds up";
  EXPECT_EQ(valuesOf(launcher, "--cpu-seconds"), Argv{"7"});
  EXPECT_EQ(valuesOf(launcher, "--max-processes"), Argv{"16"});
  ASSERT_GE(launcher.size(), 3u);
  EXPECT_EQ(Argv(launcher.end() - 3, launcher.end()), (Argv{"--", "--limit", "20"}));
}

TEST(ContainerCommandTest, DockerHasNoPodmanOnlyFlagsAndTheSameIsolation) {
  Argv argv = containerRunArgv(kDocker, {}, request(), kFiles);
  EXPECT_EQ(argv[0], "/usr/bin/docker");
  EXPECT_EQ(argv[1], "run");
  Argv flags = engineFlags(argv, kDefaultImage);
  EXPECT_EQ(valuesOf(flags, "--runtime"), Argv{"runc"}) << "a run flag under Docker";
  for (const char* flag : {"--read-only-tmpfs=false", "--passwd=false", "--no-hosts"}) {
    EXPECT_FALSE(has(flags, flag)) << flag;
  }
  EXPECT_EQ(valuesOf(flags, "--security-opt"), Argv{"no-new-privileges"});
  for (const char* flag : {"--rm", "--read-only"}) EXPECT_TRUE(has(flags, flag)) << flag;
  EXPECT_EQ(valuesOf(flags, "--network"), Argv{"none"});
  EXPECT_EQ(valuesOf(flags, "--cap-drop"), Argv{"ALL"});
  EXPECT_EQ(valuesOf(flags, "--user"), Argv{"65532:65532"});
  EXPECT_EQ(valuesOf(flags, "--pull"), Argv{"never"});
  EXPECT_EQ(valuesOf(flags, "--ipc"), Argv{"none"});
  EXPECT_EQ(valuesOf(flags, "--log-driver"), Argv{"none"});
  Argv podmanLimits = engineFlags(containerRunArgv(kPodman, {}, request(), kFiles), kDefaultImage);
  for (const char* limit :
       {"--memory", "--memory-swap", "--pids-limit", "--cpus", "--tmpfs", "--ulimit"}) {
    EXPECT_EQ(valuesOf(flags, limit), valuesOf(podmanLimits, limit)) << limit;
  }
}

TEST(ContainerCommandTest, KillIsImmediateAndImageCheckIsLocal) {
  EXPECT_EQ(containerKillArgv(kPodman, {}, "n"),
            (Argv{"/usr/bin/podman", "--runtime", "runc", "kill", "--signal", "KILL", "n"}));
  Argv inspect = imageExistsArgv(kDocker, {});
  EXPECT_EQ(inspect.back(), kDefaultImage);
  EXPECT_TRUE(has(inspect, "inspect"));
}

}  // namespace
}  // namespace ps::container
