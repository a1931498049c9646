// Issue 13 item 4 from the controller's side: a policy holding an out-of-range number never
// escapes as an exception, neither at start-up nor on reload (the last good policy stays).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "trust/trust_reloader.h"

namespace ps::reconcile {
namespace {

namespace fs = std::filesystem;

class TrustReloaderNumbersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ps-trust-numbers-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // Replaced by rename, as an editor or the kubelet would.
  void writePolicy(const std::string& yaml) {
    std::ofstream(dir_ / "policy.yaml.new", std::ios::binary) << yaml;
    fs::rename(dir_ / "policy.yaml.new", policyPath());
  }
  std::string policyPath() const { return (dir_ / "policy.yaml").string(); }
  static std::string policyWithMemory(const std::string& number) {
    return "plugins:\n  example:\n    permissions: [read_files]\n    maxMemory: " + number + "\n";
  }

  fs::path dir_;
  observe::MetricsRegistry metrics_;
  std::ostringstream logOut_;
  observe::Logger log_{logOut_, observe::LogFormat::kJson, observe::LogLevel::kInfo};
};

TEST_F(TrustReloaderNumbersTest, StartFailsClosedWithARejection) {
  for (const char* number : {"1e400", "-1e999", "1e-400"}) {
    writePolicy(policyWithMemory(number));
    observe::MetricsRegistry metrics;
    auto loaded = TrustReloader::load({policyPath(), std::nullopt}, metrics, log_);
    ASSERT_FALSE(loaded) << number;
    EXPECT_EQ(loaded.rejection().rule, "policy");
    EXPECT_NE(loaded.rejection().message.find("outside the range of a 64-bit float"),
              std::string::npos)
        << loaded.rejection().line();
  }
}

TEST_F(TrustReloaderNumbersTest, ReloadKeepsTheLastGoodPolicyAndReports) {
  writePolicy(policyWithMemory("268435456"));
  auto loaded = TrustReloader::load({policyPath(), std::nullopt}, metrics_, log_);
  ASSERT_TRUE(loaded) << loaded.rejection().line();
  TrustReloader& reloader = *loaded.value();
  const TrustSnapshot good = reloader.snapshot();
  ASSERT_TRUE(good && good->policy && good->policy->find("example"));

  for (const char* number : {"1e400", "-1e999", "1e-400", "99999999999999999999"}) {
    writePolicy(policyWithMemory(number));
    EXPECT_EQ(reloader.poll(), ReloadOutcome::kRejected) << number;
    EXPECT_EQ(reloader.snapshot(), good) << "the last good policy stays in force";
    ASSERT_TRUE(reloader.lastRejection());
    EXPECT_EQ(reloader.lastRejection()->rule, "policy");
    EXPECT_NE(reloader.lastRejection()->message.find(number), std::string::npos)
        << reloader.lastRejection()->line();
  }
  EXPECT_EQ(good->policy->find("example")->limits.maxMemory, 268435456);
  EXPECT_NE(logOut_.str().find("outside the range of a 64-bit float"), std::string::npos)
      << logOut_.str();

  writePolicy(policyWithMemory("536870912"));
  EXPECT_EQ(reloader.poll(), ReloadOutcome::kReloaded);
  EXPECT_EQ(reloader.snapshot()->policy->find("example")->limits.maxMemory, 536870912);
  EXPECT_FALSE(reloader.lastRejection());
}

}  // namespace
}  // namespace ps::reconcile
