// The unified-hierarchy pieces that do not need a v2 kernel: reading /proc/self/cgroup and
// memory.events, and where the run groups go. The guest suite (tests/hosts) runs the rest on a
// real cgroup v2 kernel.
#include "sandbox/cgroup_v2.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "sandbox/cgroup_limits.h"

namespace ps::sandbox::cgroup_v2 {
namespace {

namespace fs = std::filesystem;

TEST(CgroupV2Test, FindsTheUnifiedLineOfProcSelfCgroup) {
  EXPECT_EQ(unifiedPathOf("0::/user.slice/user-0.slice/session-3.scope\n"),
            "/user.slice/user-0.slice/session-3.scope");
  // Hybrid hosts list v1 hierarchies first.
  EXPECT_EQ(unifiedPathOf("12:pids:/x\n3:memory:/x\n1:name=systemd:/y\n0::/y\n"), "/y");
  EXPECT_EQ(unifiedPathOf("0::/"), "/");
  EXPECT_EQ(unifiedPathOf("12:pids:/x\n"), std::nullopt);
  EXPECT_EQ(unifiedPathOf(""), std::nullopt);
  EXPECT_EQ(unifiedPathOf("0::relative\n"), std::nullopt);
}

TEST(CgroupV2Test, RunGroupsGoUnderTheCallersOwnCgroup) {
  const fs::path root = "/sys/fs/cgroup";
  EXPECT_EQ(parentFor(root, "/app.scope", std::nullopt).value(), root / "app.scope");
  EXPECT_EQ(parentFor(root, "/", std::nullopt).value(), root);
}

TEST(CgroupV2Test, ACallerAlreadyInTheSupervisorLeafUsesTheLeafsParent) {
  const fs::path root = "/sys/fs/cgroup";
  EXPECT_EQ(parentFor(root, std::string("/app.scope/") + kSupervisorLeaf, std::nullopt).value(),
            root / "app.scope");
  EXPECT_EQ(parentFor(root, std::string("/") + kSupervisorLeaf, std::nullopt).value(), root);
}

TEST(CgroupV2Test, AConfiguredParentWinsInEitherSpelling) {
  const fs::path root = "/sys/fs/cgroup";
  EXPECT_EQ(parentFor(root, "/app.scope", std::string("/ps.slice")).value(), root / "ps.slice");
  EXPECT_EQ(parentFor(root, "/app.scope", std::string("/sys/fs/cgroup/ps.slice")).value(),
            root / "ps.slice");
  // A configured leaf-named cgroup is taken as given.
  EXPECT_EQ(parentFor(root, "/", std::string("/a/") + kSupervisorLeaf).value(),
            root / "a" / kSupervisorLeaf);
}

TEST(CgroupV2Test, AConfiguredParentOutsideTheHierarchyIsRefusedByName) {
  const fs::path root = "/sys/fs/cgroup";
  for (const std::string bad : {"relative.slice", "/a/../../etc", "/..", ""}) {
    auto parent = parentFor(root, "/", bad);
    ASSERT_FALSE(parent.ok()) << bad;
    EXPECT_NE(parent.error().message.find(kParentEnv), std::string::npos) << parent.error().message;
  }
}

TEST(CgroupV2Test, ReadsTheCountersThatMeanTheMemoryLimitActed) {
  const auto events = parseMemoryEvents("low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\n");
  EXPECT_EQ(events.max, 17u);
  EXPECT_EQ(events.oom, 2u);
  EXPECT_EQ(events.oomKill, 1u);
  const auto none = parseMemoryEvents("low 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
  EXPECT_EQ(none.max + none.oom + none.oomKill, 0u);
  const auto garbage = parseMemoryEvents("max -3\noom x\noom_kill\n");
  EXPECT_EQ(garbage.max + garbage.oom + garbage.oomKill, 0u);
}

TEST(CgroupV2Test, ListsControllersByWholeWord) {
  EXPECT_TRUE(listsController("cpuset cpu io memory pids\n", "pids"));
  EXPECT_TRUE(listsController("cpu memory", "cpu"));
  EXPECT_FALSE(listsController("cpuset io", "cpu"));
  EXPECT_FALSE(listsController("", "pids"));
}

// A parent whose controllers do not include pids cannot bound a fork bomb: refused by name.
TEST(CgroupV2Test, AParentWithoutThePidsControllerIsRefusedByName) {
  char pattern[] = "/tmp/cgroup-v2-test-XXXXXX";
  const fs::path parent = mkdtemp(pattern);
  std::ofstream(parent / "cgroup.controllers") << "cpu memory\n";
  auto prepared = prepareParent(parent, false);
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(
      prepared.error().message.find("the pids controller is not delegated to " + parent.string()),
      std::string::npos)
      << prepared.error().message;
  EXPECT_NE(prepared.error().message.find("systemd-run --scope -p Delegate=yes"),
            std::string::npos);
  fs::remove_all(parent);
}

// This machine's layout, as the sandbox sees it: what a run here is confined by.
TEST(CgroupV2Test, TheHostsLayoutIsFoundAndAnyGapIsNamed) {
  const CgroupHost host = CgroupHost::find();
  if (const char* expected = std::getenv("PS_EXPECT_CGROUP"); expected != nullptr) {
    ASSERT_TRUE(host.usable()) << host.unavailable;
    EXPECT_EQ(host.layout == CgroupHost::Layout::kV2, std::string(expected) == "v2");
    return;
  }
  if (isUnifiedHierarchy("/sys/fs/cgroup")) {
    if (!host.usable()) {
      EXPECT_NE(host.unavailable.find("cgroup v2"), std::string::npos);
    }
  } else if (geteuid() == 0) {
    EXPECT_EQ(host.layout, CgroupHost::Layout::kV1) << host.unavailable;
  } else {
    ASSERT_FALSE(host.usable());
    EXPECT_EQ(host.unavailable, "no writable pids cgroup under /sys/fs/cgroup/pids");
  }
}

}  // namespace
}  // namespace ps::sandbox::cgroup_v2
