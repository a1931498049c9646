#include "manager/controller_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

namespace ps::reconcile {
namespace {

TEST(CompleteManagerOptionsTest, FillsWhatTheFlagsLeaveToTheProcess) {
  setenv("POD_NAME", "controller-7f9", 1);
  setenv("POD_NAMESPACE", "plugin-system", 1);
  ControllerFlags flags;
  flags.options.leaseNamespace.clear();
  flags.executor = "local";
  flags.namespaces = "team-a, team-b";
  flags.sandboxImage = "registry.example/sandbox:1";
  flags.maxRunning = 7;
  ASSERT_TRUE(completeManagerOptions(flags));
  EXPECT_EQ(flags.options.leaseNamespace, "plugin-system");
  EXPECT_EQ(flags.options.identity, "controller-7f9-" + std::to_string(getpid()));
  EXPECT_EQ(flags.options.executor, ExecutorKind::Local);
  EXPECT_EQ(flags.options.watchNamespaces, (std::vector<std::string>{"team-a", "team-b"}));
  EXPECT_EQ(flags.options.reconciler.settings.sandboxImage, "registry.example/sandbox:1");
  EXPECT_EQ(flags.options.reconciler.maxRunning, 7u);
  unsetenv("POD_NAME");
  unsetenv("POD_NAMESPACE");
}

TEST(CompleteManagerOptionsTest, AGivenLeaseNamespaceAndImageAreKept) {
  ControllerFlags flags;
  flags.options.leaseNamespace = "mine";
  const std::string image = flags.options.reconciler.settings.sandboxImage;
  ASSERT_TRUE(completeManagerOptions(flags));
  EXPECT_EQ(flags.options.leaseNamespace, "mine");
  EXPECT_EQ(flags.options.executor, ExecutorKind::Pod);
  EXPECT_EQ(flags.options.reconciler.settings.sandboxImage, image);
  EXPECT_TRUE(flags.options.watchNamespaces.empty());
}

TEST(CompleteManagerOptionsTest, ABadNamespaceIsRefusedByName) {
  ControllerFlags flags;
  flags.namespaces = "team-a,Not_A_Name";
  auto refused = completeManagerOptions(flags);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("Not_A_Name"), std::string::npos) << refused.error();
}

TEST(CompleteManagerOptionsTest, DefaultPodTemplateInlineOrFromAFile) {
  ControllerFlags inlineFlags;
  inlineFlags.defaultPodTemplate =
      R"({"nodeSelector":{"pool":"plugins"},"priorityClassName":"low",)"
      R"("affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":)"
      R"([{"weight":10,"preference":{"matchExpressions":[{"key":"spot","operator":"DoesNotExist"}]}}]}}})";
  ASSERT_TRUE(completeManagerOptions(inlineFlags));
  const PodTemplate& fromInline = inlineFlags.options.reconciler.settings.podTemplateDefaults;
  EXPECT_EQ(fromInline.nodeSelector, (std::map<std::string, std::string>{{"pool", "plugins"}}));
  EXPECT_EQ(fromInline.priorityClassName, "low");
  EXPECT_EQ(fromInline.affinity["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
                               [0]["weight"],
            10);

  const std::string path =
      ::testing::TempDir() + "default-pod-template-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << "tolerations:\n- {key: plugins, operator: Exists, effect: NoSchedule}\n"
                         "imagePullSecrets: [{name: mirror}]\nruntimeClassName: gvisor\n";
  ControllerFlags fileFlags;
  fileFlags.defaultPodTemplate = path;
  ASSERT_TRUE(completeManagerOptions(fileFlags));
  const PodTemplate& fromFile = fileFlags.options.reconciler.settings.podTemplateDefaults;
  EXPECT_EQ(fromFile.tolerations[0]["key"], "plugins");
  EXPECT_EQ(fromFile.imagePullSecrets, std::vector<std::string>{"mirror"});
  EXPECT_EQ(fromFile.runtimeClassName, "gvisor");
  std::remove(path.c_str());
}

TEST(CompleteManagerOptionsTest, ABadDefaultPodTemplateIsRefusedInOneLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"hostNetwork":true})", "--default-pod-template.hostNetwork: unknown field"},
      {R"({"tolerations":[{"effect":"Evict"}]})",
       "--default-pod-template.tolerations[0].effect: must be one of"},
      {R"({"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{}]}}})",
       "topologyKey: is required"},
      {"{nodeSelector: [unclosed", "--default-pod-template"},
      {"/nonexistent/defaults.yaml",
       "--default-pod-template: cannot read file "
       "/nonexistent/defaults.yaml"},
  };
  for (const auto& [value, expected] : cases) {
    ControllerFlags flags;
    flags.defaultPodTemplate = value;
    const auto refused = completeManagerOptions(flags);
    ASSERT_FALSE(refused) << value;
    EXPECT_NE(refused.error().find(expected), std::string::npos)
        << value << " -> " << refused.error();
    EXPECT_EQ(refused.error().find('\n'), std::string::npos) << refused.error();
  }
}

TEST(ApiClientOptionsTest, RateLimitsComeFromTheFlags) {
  ControllerFlags flags;
  flags.apiQps = 12.5;
  flags.apiBurst = 25;
  observe::MetricsRegistry registry;
  observe::RestClientMetrics metrics(registry);
  auto options = apiClientOptions(flags, metrics);
  EXPECT_EQ(options.qps, 12.5);
  EXPECT_EQ(options.burst, 25);
  EXPECT_EQ(options.userAgent, "plugin-controller");
  EXPECT_EQ(options.metrics, &metrics);
}

TEST(SignalStopTest, SigtermFiresTheStopAndWithoutOneTheWaiterStillEnds) {
  {
    kube::StopSignal stop;
    SignalStop signals(stop);
    kill(getpid(), SIGTERM);  // blocked in every thread but the waiter's
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!stop.stopped() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(stop.stopped());
  }
  kube::StopSignal untouched;
  { SignalStop signals(untouched); }  // the destructor wakes the waiter: no hang
  SUCCEED();
}

}  // namespace
}  // namespace ps::reconcile
