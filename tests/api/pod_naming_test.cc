#include "api/pod_naming.h"

#include <gtest/gtest.h>

#include <set>

namespace ps::reconcile {
namespace {

PluginRun runNamed(std::string name, std::string uid) {
  PluginRun run;
  run.name = std::move(name);
  run.uid = std::move(uid);
  return run;
}

TEST(PodNamingTest, StableForTheSameRun) {
  const PluginRun run = runNamed("scan-1", "6f1c0d3e-1111-2222-3333-444455556666");
  EXPECT_EQ(podNameFor(run), podNameFor(run));
  EXPECT_EQ(podNameFor(run).rfind("scan-1-", 0), 0u);
  EXPECT_EQ(podNameFor(run).size(), std::string("scan-1-").size() + 10);
}

TEST(PodNamingTest, DiffersForARecreatedRunOfTheSameName) {
  EXPECT_NE(podNameFor(runNamed("scan-1", "uid-a")), podNameFor(runNamed("scan-1", "uid-b")));
}

TEST(PodNamingTest, AlwaysAValidDnsLabel) {
  std::set<std::string> names;
  for (const std::string& name :
       {std::string("a"), std::string(253, 'b'), std::string("x.y.z"), std::string(52, 'c') + "-d",
        std::string(51, 'e') + ".f", std::string("g") + std::string(60, '-') + "h"}) {
    const std::string pod = podNameFor(runNamed(name, "uid-" + name));
    EXPECT_TRUE(isDnsLabel(pod)) << pod;
    EXPECT_LE(pod.size(), 63u);
    names.insert(pod);
  }
  EXPECT_EQ(names.size(), 6u);
}

TEST(PodNamingTest, UnappliedRunUsesThePlaceholderUid) {
  EXPECT_EQ(podNameFor(runNamed("r", "")), podNameFor(runNamed("r", kPlaceholderUid)));
}

TEST(PodNamingTest, LabelValueIsTheNameWhenItFits) {
  EXPECT_EQ(runLabelValue(runNamed("scan.v1", "u")), "scan.v1");
  const PluginRun longRun = runNamed(std::string(100, 'l'), "u");
  EXPECT_EQ(runLabelValue(longRun), podNameFor(longRun));
  EXPECT_LE(runLabelValue(longRun).size(), 63u);
}

}  // namespace
}  // namespace ps::reconcile
