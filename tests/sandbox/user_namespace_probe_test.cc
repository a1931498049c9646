// What blocks unprivileged user namespaces is named before anything runs. The sysctls are read
// from a directory of our own here; the guest suite (tests/hosts) sets the real one.
#include "sandbox/user_namespace_probe.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <fstream>

namespace ps::sandbox {
namespace {

namespace fs = std::filesystem;

class UserNamespaceProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/userns-probe-test-XXXXXX";
    procSys_ = mkdtemp(pattern);
    fs::create_directories(procSys_ / "user");
    fs::create_directories(procSys_ / "kernel");
  }
  void TearDown() override { fs::remove_all(procSys_); }
  void set(const std::string& name, const std::string& value) {
    std::ofstream(procSys_ / name) << value << "\n";
  }
  fs::path procSys_;
};

TEST_F(UserNamespaceProbeTest, AllowedWhenNothingBlocksThem) {
  set("user/max_user_namespaces", "15000");
  set("kernel/unprivileged_userns_clone", "1");
  EXPECT_EQ(userNamespacesBlocked(procSys_), std::nullopt);
  fs::remove_all(procSys_ / "kernel");  // kernels without Debian's or Ubuntu's knobs
  EXPECT_EQ(userNamespacesBlocked(procSys_), std::nullopt);
}

TEST_F(UserNamespaceProbeTest, AZeroNamespaceLimitIsNamedWithTheRemedies) {
  set("user/max_user_namespaces", "0");
  const auto line = userNamespacesBlocked(procSys_);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->find('\n'), std::string::npos);
  EXPECT_NE(line->find("unprivileged user namespaces are blocked on this host "
                       "(user.max_user_namespaces = 0)"),
            std::string::npos)
      << *line;
  EXPECT_NE(line->find("run pluginctl as root"), std::string::npos);
  EXPECT_NE(line->find("--sandbox container"), std::string::npos);
  EXPECT_NE(line->find("contrib/apparmor/pluginctl"), std::string::npos);
}

TEST_F(UserNamespaceProbeTest, DebiansCloneSwitchIsNamed) {
  set("user/max_user_namespaces", "15000");
  set("kernel/unprivileged_userns_clone", "0");
  const auto line = userNamespacesBlocked(procSys_);
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("(kernel.unprivileged_userns_clone = 0)"), std::string::npos) << *line;
}

// Ubuntu's switch depends on the profile pluginctl runs under, so it is tried for real (a user
// and mount namespace in a child): where this kernel lets us make one, nothing is reported.
TEST_F(UserNamespaceProbeTest, UbuntusAppArmorSwitchIsTriedNotAssumed) {
  set("user/max_user_namespaces", "15000");
  set("kernel/apparmor_restrict_unprivileged_userns", "1");
  std::ifstream real("/proc/sys/user/max_user_namespaces");
  int limit = 0;
  ASSERT_TRUE(real >> limit);
  const auto line = userNamespacesBlocked(procSys_);
  if (limit > 0) {
    EXPECT_EQ(line, std::nullopt) << *line;
  } else {
    ASSERT_TRUE(line.has_value());
    EXPECT_NE(line->find("kernel.apparmor_restrict_unprivileged_userns = 1; unshare: "),
              std::string::npos)
        << *line;
  }
}

TEST(DescribeBlockedUserNamespaceTest, NamesTheWaysACloneIsRefused) {
  for (int err : {EPERM, ENOSPC, EUSERS, EINVAL}) {
    const auto line = describeBlockedUserNamespace(err);
    ASSERT_TRUE(line.has_value()) << err;
    EXPECT_NE(line->find("clone(CLONE_NEWUSER): "), std::string::npos) << *line;
    EXPECT_NE(line->find(kUserNamespaceRemedies), std::string::npos);
  }
  EXPECT_EQ(describeBlockedUserNamespace(ENOMEM), std::nullopt);
  EXPECT_EQ(describeBlockedUserNamespace(EAGAIN), std::nullopt);
}

}  // namespace
}  // namespace ps::sandbox
