#include "container/sandbox_level.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace ps::container {
namespace {

std::string errorOf(const LevelChoice& choice) {
  auto level = SandboxLevel::create(choice);
  return level ? "" : level.error().message;
}

TEST(SandboxLevelTest, FlagsOfTheOtherLevelAreRefusedNotIgnored) {
  LevelChoice local;
  local.image = "x";
  EXPECT_NE(errorOf(local).find("only to --sandbox container"), std::string::npos);
  LevelChoice container;
  container.level = "container";
  container.python = "/usr/bin/python3";
  EXPECT_NE(errorOf(container).find("only to --sandbox local"), std::string::npos);
}

TEST(SandboxLevelTest, UnknownLevelOrEngineIsRefused) {
  LevelChoice choice;
  choice.level = "vm";
  EXPECT_NE(errorOf(choice).find("unknown sandbox level"), std::string::npos);
  choice.level = "container";
  choice.engine = "lxc";
  EXPECT_NE(errorOf(choice).find("unknown container engine"), std::string::npos);
}

TEST(SandboxLevelTest, NoEngineIsASetupErrorNeverTheLocalLevel) {
  std::string saved = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);
  LevelChoice choice;
  choice.level = "container";
  std::string error = errorOf(choice);
  setenv("PATH", saved.c_str(), 1);
  EXPECT_NE(error.find("no container engine"), std::string::npos) << error;
}

}  // namespace
}  // namespace ps::container
