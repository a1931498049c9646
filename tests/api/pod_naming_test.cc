#include "api/pod_naming.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

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

// A label value: at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric (or empty).
bool isLabelValue(const std::string& value) {
  const auto alphanumeric = [](char c) { return std::isalnum(static_cast<unsigned char>(c)); };
  if (value.empty()) return true;
  if (value.size() > 63 || !alphanumeric(value.front()) || !alphanumeric(value.back()))
    return false;
  return std::all_of(value.begin(), value.end(),
                     [&](char c) { return alphanumeric(c) || c == '-' || c == '_' || c == '.'; });
}

// Names the API server accepts with parts longer than 63: the Pod's name is still a DNS label of
// at most 63, the same on every call, and the run label a valid label value.
TEST(PodNamingTest, LongPartsAndTheLongestNamesMakeValidDeterministicPods) {
  const std::string uid = "6f1c0d3e-1111-2222-3333-444455556666";
  const std::vector<std::string> names = {
      std::string(253, 'a'),
      std::string(52, 'b') + "." + std::string(200, 'c'),
      std::string(51, 'd') + "." + std::string(201, 'e'),
      std::string(50, 'f') + "-g.h",
      std::string(60, 'h') + "." + std::string(60, 'i') + "." + std::string(60, 'j'),
      std::string(52, '1') + std::string(201, '2')};
  for (const std::string& name : names) {
    const PluginRun run = runNamed(name, uid);
    const std::string pod = podNameFor(run);
    EXPECT_TRUE(isDnsLabel(pod)) << pod;
    EXPECT_LE(pod.size(), 63u) << pod;
    EXPECT_EQ(pod, podNameFor(runNamed(name, uid))) << "deterministic";
    EXPECT_TRUE(isLabelValue(runLabelValue(run))) << runLabelValue(run);
  }
  EXPECT_EQ(podNameFor(runNamed(names[0], uid)),
            std::string(52, 'a') + "-" + podNameFor(runNamed("x", uid)).substr(2));
  EXPECT_EQ(podNameFor(runNamed(names[1], uid)).substr(0, 53), std::string(52, 'b') + "-");
  EXPECT_EQ(podNameFor(runNamed(names[2], uid)).substr(0, 52), std::string(51, 'd') + "-")
      << "a '.' at the cut becomes '-' and is trimmed before the hash";
  EXPECT_NE(podNameFor(runNamed(names[0], uid)), podNameFor(runNamed(names[0], "other-uid")));
}

}  // namespace
}  // namespace ps::reconcile
