#include "container/container_engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ps::container {
namespace {

namespace fs = std::filesystem;

// A directory of fake engine clients: only whether they exist and are executable matters here.
class ContainerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("engines-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void fake(const std::string& name, fs::perms perms = fs::perms::owner_all) {
    std::ofstream(dir_ / name) << "#!/bin/false\n";
    fs::permissions(dir_ / name, perms);
  }
  fs::path dir_;
};

TEST_F(ContainerEngineTest, PrefersPodmanThenDocker) {
  fake("docker");
  auto found = findEngine(std::nullopt, dir_.string());
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->kind, EngineKind::kDocker);
  fake("podman");
  found = findEngine(std::nullopt, "/nonexistent:" + dir_.string());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->kind, EngineKind::kPodman);
  EXPECT_EQ(found->binary, dir_ / "podman");
}

TEST_F(ContainerEngineTest, RequestedEngineMissingIsASetupErrorNotAFallBack) {
  fake("podman");
  auto found = findEngine(EngineKind::kDocker, dir_.string());
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("docker not found"), std::string::npos)
      << found.error().message;
  EXPECT_NE(found.error().message.find("docker.io"), std::string::npos) << found.error().message;
}

TEST_F(ContainerEngineTest, NoEngineSaysSo) {
  auto found = findEngine(std::nullopt, dir_.string());
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("no container engine"), std::string::npos);
}

TEST_F(ContainerEngineTest, IgnoresRelativePathEntriesAndNonExecutables) {
  fake("podman", fs::perms::owner_read);
  EXPECT_FALSE(findEngine(EngineKind::kPodman, dir_.string()));
  // A relative entry ("" or ".") would search the current directory: never.
  fs::current_path(dir_);
  fake("docker");
  EXPECT_FALSE(findEngine(EngineKind::kDocker, ":.:relative"));
  fs::current_path("/");
}

TEST(ImageCheckFailureTest, ADockerDaemonThatDoesNotAnswerIsNotAMissingImage) {
  auto message = describeImageCheckFailure(
      EngineKind::kDocker, "localhost/plugin-sandbox/sandbox:dev",
      "\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker "
      "daemon running?\n");
  EXPECT_EQ(message,
            "container sandbox: the docker daemon does not answer (Cannot connect to the Docker "
            "daemon at unix:///var/run/docker.sock. Is the docker daemon running?); start "
            "dockerd, or point DOCKER_HOST at its socket");
}

TEST(ImageCheckFailureTest, AMissingImageNamesEachEnginesWayToHaveIt) {
  EXPECT_EQ(
      describeImageCheckFailure(EngineKind::kPodman, "img:1", "Error: img:1: image not known\n"),
      "container sandbox: image img:1 not available in podman (Error: img:1: image not "
      "known); build it with make sandbox-image");
  EXPECT_EQ(describeImageCheckFailure(EngineKind::kDocker, "img:1", ""),
            "container sandbox: image img:1 not available in docker ((no output)); load it with "
            "docker load -i build/images/sandbox.tar (make images writes it)");
}

TEST(EngineNameTest, ParsesOnlyKnownEngines) {
  EXPECT_EQ(parseEngineName("podman"), EngineKind::kPodman);
  EXPECT_EQ(parseEngineName("docker"), EngineKind::kDocker);
  EXPECT_FALSE(parseEngineName("Podman"));
  EXPECT_FALSE(parseEngineName("/usr/bin/podman"));
  EXPECT_FALSE(parseEngineName(""));
  EXPECT_EQ(engineName(EngineKind::kDocker), "docker");
}

}  // namespace
}  // namespace ps::container
