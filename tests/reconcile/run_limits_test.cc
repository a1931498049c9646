#include "reconcile/run_limits.h"

#include <gtest/gtest.h>

namespace ps::reconcile {
namespace {

kube::Quantity q(const char* text) {
  return *kube::Quantity::parse(text);
}

TEST(RunLimitsTest, DefaultsApplyWhenTheRunAsksNothing) {
  const ControllerSettings settings;
  const RunLimits limits = clampRunLimits(PluginRun{}, {}, settings);
  EXPECT_EQ(limits.timeoutSeconds, settings.defaultTimeoutSeconds);
  EXPECT_EQ(limits.cpu, settings.defaultCpu);
  EXPECT_EQ(limits.memory, settings.defaultMemory);
  EXPECT_TRUE(limits.adjustments.empty());
}

TEST(RunLimitsTest, SmallerRequestsAreKept) {
  PluginRun run;
  run.timeoutSeconds = 30;
  run.cpuLimit = q("100m");
  run.memoryLimit = q("64Mi");
  const RunLimits limits = clampRunLimits(run, {600, 1 << 30}, ControllerSettings{});
  EXPECT_EQ(limits.timeoutSeconds, 30);
  EXPECT_EQ(limits.cpu, q("100m"));
  EXPECT_EQ(limits.memory, q("64Mi"));
  EXPECT_TRUE(limits.adjustments.empty());
}

TEST(RunLimitsTest, PolicyLimitsLowerTheRequest) {
  PluginRun run;
  run.timeoutSeconds = 900;
  run.memoryLimit = q("512Mi");
  const RunLimits limits = clampRunLimits(run, {60, 128LL << 20}, ControllerSettings{});
  EXPECT_EQ(limits.timeoutSeconds, 60);
  EXPECT_EQ(limits.memory, q("128Mi"));
  ASSERT_EQ(limits.adjustments.size(), 2u);
  EXPECT_EQ(limits.adjustments[0], "timeoutSeconds 900 lowered to 60 (policy limit)");
  EXPECT_EQ(limits.adjustments[1], "memory 536870912 lowered to 134217728 (policy limit)");
}

TEST(RunLimitsTest, ControllerMaximaWinOverEverything) {
  PluginRun run;
  run.timeoutSeconds = 100000;
  run.cpuLimit = q("64");
  run.memoryLimit = q("1Ti");
  ControllerSettings settings;
  const RunLimits limits = clampRunLimits(run, {200000, 1LL << 50}, settings);
  EXPECT_EQ(limits.timeoutSeconds, settings.maxTimeoutSeconds);
  EXPECT_EQ(limits.cpu, settings.maxCpu);
  EXPECT_EQ(limits.memory, settings.maxMemory);
  EXPECT_EQ(limits.adjustments.size(), 3u);
}

TEST(RunLimitsTest, DefaultsAreClampedToo) {
  ControllerSettings settings;
  settings.defaultMemory = q("2Gi");  // a misconfigured default above the maximum
  const RunLimits limits = clampRunLimits(PluginRun{}, {std::nullopt, 1000}, settings);
  EXPECT_EQ(limits.memory.value(), 1000);
}

TEST(RunLimitsTest, NonsensePolicyValuesAreIgnoredNotObeyed) {
  const RunLimits limits = clampRunLimits(PluginRun{}, {0, -5}, ControllerSettings{});
  EXPECT_EQ(limits.timeoutSeconds, ControllerSettings{}.defaultTimeoutSeconds);
  EXPECT_EQ(limits.memory, ControllerSettings{}.defaultMemory);
}

}  // namespace
}  // namespace ps::reconcile
