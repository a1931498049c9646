// Issue 13 item 5: leftovers of dead owners are swept, a live owner's never (pid + start time).
#include "sandbox/stale_sweep.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

// A process that existed and is gone (reaped): its pid and start time.
OwnerId deadOwner() {
  int ready[2];
  EXPECT_EQ(pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char byte;
  EXPECT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  OwnerId owner{child, processStartTicks(child).value_or(0)};
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return owner;
}

std::string nameOf(const OwnerId& owner, const std::string& rest) {
  return "run-" + std::to_string(owner.pid) + "-" + std::to_string(owner.startTicks) + "-" + rest;
}

class StaleSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ps-stale-sweep-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }
  fs::path runDir(const std::string& name) {
    fs::create_directories(base_ / name / "plugin");
    std::ofstream(base_ / name / "plugin" / "plugin.py") << "print(1)\n";
    ::chmod((base_ / name / "plugin").c_str(), 0555);  // read-only, as the verified copy is
    return base_ / name;
  }
  fs::path base_;
};

TEST(StaleSweepOwner, IsThisProcessByPidAndStartTime) {
  const OwnerId self = currentOwner();
  EXPECT_EQ(self.pid, getpid());
  EXPECT_GT(self.startTicks, 0u);
  EXPECT_TRUE(ownerAlive(self));
  EXPECT_FALSE(ownerAlive({self.pid, self.startTicks + 1})) << "same pid, another process";
  EXPECT_FALSE(ownerAlive(deadOwner()));
  EXPECT_EQ(ownedNamePrefix(),
            "run-" + std::to_string(self.pid) + "-" + std::to_string(self.startTicks) + "-");
}

TEST(StaleSweepOwner, ParsesOnlyItsOwnNameForm) {
  EXPECT_EQ(ownerOfName("run-12-345-abcdef"), (OwnerId{12, 345}));
  EXPECT_EQ(ownerOfName("run-12-345-a-b"), (OwnerId{12, 345}));
  for (const char* name :
       {"run-12-abcdef", "run-12-345-", "run--345-x", "run-x-345-y", "run-12-x-y", "run-+12-345-x",
        "run-12--345-x", "run-0-1-x", "run-99999999999999999999-1-x",
        "run-12-99999999999999999999-x", "other-12-345-x", "run-"}) {
    EXPECT_EQ(ownerOfName(name), std::nullopt) << name;
  }
}

TEST_F(StaleSweepTest, RemovesDeadOwnersDirectoriesAndKeepsLiveOnes) {
  const OwnerId self = currentOwner();
  const OwnerId dead = deadOwner();
  const fs::path mine = runDir(ownedNamePrefix() + "aaaaaa");
  const fs::path ofTheDead = runDir(nameOf(dead, "bbbbbb"));
  // Our pid with another start time: a process that had our pid before us.
  const fs::path reusedPid = runDir(nameOf({self.pid, self.startTicks - 1}, "cccccc"));
  const fs::path legacyDead = runDir("run-" + std::to_string(dead.pid) + "-dddddd");
  const fs::path legacyLive = runDir("run-" + std::to_string(self.pid) + "-eeeeee");
  const fs::path unrelated = runDir("keep-me");
  fs::create_symlink(ofTheDead, base_ / nameOf(dead, "symlink"));

  EXPECT_EQ(sweepStaleRunDirs(base_), 3);
  EXPECT_TRUE(fs::exists(mine));
  EXPECT_TRUE(fs::exists(legacyLive)) << "the pid's process started before the directory";
  EXPECT_TRUE(fs::exists(unrelated));
  EXPECT_FALSE(fs::exists(ofTheDead));
  EXPECT_FALSE(fs::exists(reusedPid));
  EXPECT_FALSE(fs::exists(legacyDead));
  EXPECT_TRUE(fs::is_symlink(base_ / nameOf(dead, "symlink"))) << "symlinks are never followed";
}

TEST_F(StaleSweepTest, LegacyNameWhosePidWasReusedAfterItWasMadeIsStale) {
  const OwnerId self = currentOwner();
  const fs::path legacy = runDir("run-" + std::to_string(self.pid) + "-ffffff");
  // Made (last changed) long before this process started: its owner was another process.
  struct timespec times[2] = {{1'000'000'000, 0}, {1'000'000'000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, legacy.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_EQ(sweepStaleRunDirs(base_), 1);
  EXPECT_FALSE(fs::exists(legacy));
}

TEST_F(StaleSweepTest, CgroupSweepRemovesOnlyEmptyGroupsOfDeadOwners) {
  const OwnerId dead = deadOwner();
  fs::create_directories(base_ / nameOf(dead, "0"));
  fs::create_directories(base_ / (ownedNamePrefix() + "0"));
  // A group the kernel would refuse to remove (it still holds something): rmdir fails, no harm.
  fs::create_directories(base_ / nameOf(dead, "1") / "busy");
  EXPECT_EQ(sweepStaleCgroups(base_), 1);
  EXPECT_FALSE(fs::exists(base_ / nameOf(dead, "0")));
  EXPECT_TRUE(fs::exists(base_ / (ownedNamePrefix() + "0")));
  EXPECT_TRUE(fs::exists(base_ / nameOf(dead, "1")));
}

TEST_F(StaleSweepTest, MissingBaseIsNothingToSweep) {
  EXPECT_EQ(sweepStaleRunDirs(base_ / "absent"), 0);
  EXPECT_EQ(sweepStaleCgroups(base_ / "absent"), 0);
}

}  // namespace
}  // namespace ps::sandbox
