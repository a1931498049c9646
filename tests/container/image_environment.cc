// The engines and their images for the container tests (see container_fixture.h).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <iostream>
#include <map>

#include "container_fixture.h"

namespace ps::container::testing {
namespace {

const std::string kSourceDir = PS_SOURCE_DIR;
const std::string kBinaryDir = PS_BINARY_DIR;

std::map<EngineKind, std::unique_ptr<ImageEnvironment>>& environments() {
  static std::map<EngineKind, std::unique_ptr<ImageEnvironment>> all;
  return all;
}

// Stops the Docker daemon when the tests end, before static destruction.
class EngineTearDown : public ::testing::Environment {
 public:
  void TearDown() override { ImageEnvironment::tearDownAll(); }
};
[[maybe_unused]] ::testing::Environment* const kEngineTearDown =
    ::testing::AddGlobalTestEnvironment(new EngineTearDown);

sandbox::SetupResult<ContainerSandbox> sandboxFor(EngineKind kind) {
  ContainerConfig config;
  config.engine = kind;
  return ContainerSandbox::create(config);
}

}  // namespace

bool holdsThisLauncher(const ContainerSandbox& sandbox) {
  std::ifstream in(kBinaryDir + "/bin/plugin-launcher", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  // .Config.Labels: Docker's image inspect has no top-level .Labels (Podman has both).
  auto label = runQuiet({sandbox.engine().binary.string(), "image", "inspect", "--format",
                         "{{index .Config.Labels \"dev.plugins.sandbox.launcher-digest\"}}",
                         sandbox.config().image});
  return label && label->output == core::sha256Digest(bytes.str()) + "\n";
}

ImageEnvironment& ImageEnvironment::get(EngineKind kind) {
  auto& slot = environments()[kind];
  if (!slot) slot.reset(new ImageEnvironment(kind));
  return *slot;
}

void ImageEnvironment::tearDownAll() {
  environments().clear();
}

ImageEnvironment::ImageEnvironment(EngineKind kind) : kind_(kind) {
  if (kind == EngineKind::kPodman) {
    setUpPodman();
  } else {
    setUpDocker();
  }
}

void ImageEnvironment::setUpPodman() {
  const char* path = std::getenv("PATH");
  if (!findEngine(EngineKind::kPodman, path != nullptr ? path : "")) {
    skipReason_ = "podman is not on PATH (install podman and runc)";
    return;
  }
  auto sandbox = sandboxFor(EngineKind::kPodman);
  if (!sandbox || !holdsThisLauncher(sandbox.value()) ||
      std::getenv("PS_REBUILD_IMAGE") != nullptr) {
    std::string build =
        "ENGINE=podman '" + kSourceDir + "/sandbox-image/build.sh' '" + kBinaryDir + "' >&2";
    if (std::system(build.c_str()) != 0) {
      failure_ = "sandbox-image/build.sh failed";
      return;
    }
    sandbox = sandboxFor(EngineKind::kPodman);
  }
  if (!sandbox) {
    failure_ = sandbox.error().message;
    return;
  }
  sandbox_.emplace(std::move(sandbox.value()));
}

bool ImageEnvironment::loadArchive(const std::string& archive) {
  auto loaded = runQuiet({DockerDaemon::kClient, "load", "--quiet", "--input", archive});
  if (!loaded || loaded->exitCode != 0) {
    failure_ = "docker load -i " + archive + " failed: " + (loaded ? loaded->output : "");
    return false;
  }
  return true;
}

void ImageEnvironment::setUpDocker() {
  auto daemon = DockerDaemon::start(kBinaryDir + "/docker-engine");
  if (!daemon) {
    failure_ = daemon.error().message;
    std::cerr << failure_ << "\n";
    return;
  }
  daemon_ = std::move(daemon.value());
  std::cerr << "docker: " << daemon_->versions() << ", its own daemon at " << daemon_->host()
            << "\n";
  // The engine clients (ours and pluginctl's) talk to this daemon, and the client found on PATH
  // is the daemon's own package's.
  setenv("DOCKER_HOST", daemon_->host().c_str(), 1);
  const char* path = std::getenv("PATH");
  std::string clientDir = std::filesystem::path(DockerDaemon::kClient).parent_path().string();
  setenv("PATH", (clientDir + ":" + (path != nullptr ? path : "")).c_str(), 1);

  const std::string archive = kBinaryDir + "/images/sandbox.tar";
  if (std::filesystem::exists(archive) && !loadArchive(archive)) return;
  auto sandbox = sandboxFor(EngineKind::kDocker);
  if (!sandbox || !holdsThisLauncher(sandbox.value()) ||
      std::getenv("PS_REBUILD_IMAGE") != nullptr) {
    // The archive is missing or holds another launcher build: write it as make images does.
    std::string build =
        "ONLY=sandbox '" + kSourceDir + "/deploy/images/make-images.sh' '" + kBinaryDir + "' >&2";
    if (std::system(build.c_str()) != 0) {
      failure_ = "deploy/images/make-images.sh (ONLY=sandbox) failed";
      return;
    }
    if (!loadArchive(archive)) return;
    sandbox = sandboxFor(EngineKind::kDocker);
  }
  if (!sandbox) {
    failure_ = sandbox.error().message;
    return;
  }
  if (sandbox->engine().binary != DockerDaemon::kClient) {
    failure_ = "docker client found on PATH is " + sandbox->engine().binary.string() + ", not " +
               DockerDaemon::kClient;
    return;
  }
  sandbox_.emplace(std::move(sandbox.value()));
}

}  // namespace ps::container::testing
