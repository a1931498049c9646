// plugin-controller's command line: usage errors exit 2, a repeated flag takes its last value,
// and the three spellings of the log level.
#include "manager/controller_flags.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace ps::reconcile {
namespace {

struct Parse {
  ParsedControllerFlags result;
  std::string out, err;
};

Parse parse(std::vector<const char*> args) {
  args.insert(args.begin(), "plugin-controller");
  std::ostringstream out, err;
  Parse parsed{parseControllerFlags(static_cast<int>(args.size()), args.data(), out, err), "", ""};
  parsed.out = out.str();
  parsed.err = err.str();
  return parsed;
}

TEST(ControllerFlags, DefaultsNeedNoFlags) {
  const Parse p = parse({});
  ASSERT_FALSE(p.result.exitNow);
  EXPECT_EQ(p.result.flags.executor, "pod");
  EXPECT_EQ(p.result.flags.logLevel, observe::LogLevel::kInfo);
  EXPECT_EQ(p.result.flags.logFormat, observe::LogFormat::kJson);
  EXPECT_EQ(p.result.flags.options.leaseName, "plugin-controller");
  EXPECT_TRUE(p.result.flags.options.leaseNamespace.empty());
  EXPECT_EQ(p.result.flags.options.reconciler.settings.missingPluginGraceSeconds, 120);
  EXPECT_EQ(p.result.flags.options.reconciler.settings.imagePullGraceSeconds, 60);
  EXPECT_EQ(p.result.flags.options.reconciler.maxRunningPerNamespace, 0u);
}

TEST(ControllerFlags, AllowedRuntimeClassesAreAList) {
  EXPECT_TRUE(parse({}).result.flags.options.reconciler.settings.allowedRuntimeClasses.empty());
  const Parse p =
      parse({"--allowed-runtime-classes", "x", "--allowed-runtime-classes=gvisor,,kata"});
  ASSERT_FALSE(p.result.exitNow) << p.err;
  EXPECT_EQ(p.result.flags.options.reconciler.settings.allowedRuntimeClasses,
            (std::vector<std::string>{"gvisor", "kata"}));
}

TEST(ControllerFlags, MaxRunningPerNamespaceSetsTheReconcilersCap) {
  const Parse p = parse({"--max-running-per-namespace", "3", "--max-running-per-namespace=2"});
  ASSERT_FALSE(p.result.exitNow) << p.err;
  EXPECT_EQ(p.result.flags.options.reconciler.maxRunningPerNamespace, 2u);
}

TEST(ControllerFlags, UsageErrorsExitTwoWithCli11sLine) {
  for (std::vector<const char*> bad :
       std::vector<std::vector<const char*>>{{"--no-such-flag"},
                                             {"--executor", "vm"},
                                             {"--workers", "0"},
                                             {"--workers", "eight"},
                                             {"--max-running", "-1"},
                                             {"--max-running-per-namespace", "-1"},
                                             {"--max-running-per-namespace", "two"},
                                             {"--log-level", "loud"},
                                             {"--zap-log-level", "chatty"},
                                             {"-v", "x"},
                                             {"--leader-election-id", ""},
                                             {"--missing-plugin-grace", "-5"},
                                             {"--kubeconfig"}}) {
    const Parse p = parse(bad);
    ASSERT_TRUE(p.result.exitNow) << bad[0];
    EXPECT_EQ(*p.result.exitNow, kExitUsage) << bad[0];
    EXPECT_FALSE(p.err.empty()) << bad[0];
  }
}

TEST(ControllerFlags, HelpExitsZeroAndListsTheFlags) {
  const Parse p = parse({"--help"});
  ASSERT_TRUE(p.result.exitNow);
  EXPECT_EQ(*p.result.exitNow, kExitOk);
  EXPECT_NE(p.out.find("--leader-election-id"), std::string::npos);
  EXPECT_NE(p.out.find("--log-level"), std::string::npos);
}

TEST(ControllerFlags, ARepeatedFlagTakesItsLastValue) {
  const Parse p = parse({"--workers", "2", "--max-running", "5", "--workers", "4", "--max-running",
                         "0", "--sandbox-image", "a:1", "--sandbox-image=b:2", "--leader-elect",
                         "--leader-elect", "--log-format", "json", "--log-format", "text"});
  ASSERT_FALSE(p.result.exitNow) << p.err;
  EXPECT_EQ(p.result.flags.options.workers, 4);
  EXPECT_EQ(p.result.flags.maxRunning, 0);
  EXPECT_EQ(p.result.flags.sandboxImage, "b:2");
  EXPECT_TRUE(p.result.flags.options.leaderElect);
  EXPECT_EQ(p.result.flags.logFormat, observe::LogFormat::kText);
}

TEST(ControllerFlags, LeaderElectionIdNamesTheLease) {
  const Parse p = parse(
      {"--leader-election-id", "release-a-plugin-sandbox", "--leader-election-namespace", "ops"});
  ASSERT_FALSE(p.result.exitNow) << p.err;
  EXPECT_EQ(p.result.flags.options.leaseName, "release-a-plugin-sandbox");
  EXPECT_EQ(p.result.flags.options.leaseNamespace, "ops");
}

TEST(ControllerFlags, LogLevelSpellings) {
  struct Case {
    std::vector<const char*> args;
    observe::LogLevel level;
  };
  for (const Case& c : std::vector<Case>{
           {{"--log-level", "debug"}, observe::LogLevel::kDebug},
           {{"--log-level=warn"}, observe::LogLevel::kWarn},
           {{"--log-level", "error"}, observe::LogLevel::kError},
           {{"--zap-log-level", "debug"}, observe::LogLevel::kDebug},
           {{"--zap-log-level=error"}, observe::LogLevel::kError},
           {{"--zap-log-level", "5"}, observe::LogLevel::kDebug},
           {{"--zap-log-level", "0"}, observe::LogLevel::kInfo},
           {{"-v=4"}, observe::LogLevel::kDebug},
           {{"-v", "2"}, observe::LogLevel::kDebug},
           {{"--v=0"}, observe::LogLevel::kInfo},
           {{"-v=0"}, observe::LogLevel::kInfo},
           // the last spelling on the command line wins
           {{"--log-level", "debug", "--zap-log-level", "error"}, observe::LogLevel::kError},
           {{"--zap-log-level", "error", "-v=3"}, observe::LogLevel::kDebug},
           {{"-v=3", "--log-level", "warn"}, observe::LogLevel::kWarn},
       }) {
    const Parse p = parse(c.args);
    ASSERT_FALSE(p.result.exitNow) << c.args[0] << ": " << p.err;
    EXPECT_EQ(p.result.flags.logLevel, c.level) << c.args[0];
  }
}

}  // namespace
}  // namespace ps::reconcile
