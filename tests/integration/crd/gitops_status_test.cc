// How GitOps tools read a PluginRun, computed by their own code
// (tests/integration/crd/status_readers: Flux's kstatus library, and Argo CD's health script from
// the README run in gopher-lua) on objects served by the real API server: a fresh run no controller
// has seen, running, succeeded, failed.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cluster_environment.h"

#ifndef PS_SOURCE_DIR
#error "PS_SOURCE_DIR must name the repository root"
#endif

namespace ps::testing {
namespace {

using nlohmann::json;

// The README's Argo CD health script: the lines after its argocd-cm key up to `return hs`.
std::string readmeArgoScript() {
  std::ifstream readme(std::string(PS_SOURCE_DIR) + "/README.md");
  std::string line, script;
  bool inside = false;
  while (std::getline(readme, line)) {
    if (line.find("resource.customizations.health.sandbox.plugins.dev_PluginRun") !=
        std::string::npos) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    script += line + "\n";
    if (line.find("return hs") != std::string::npos) break;
  }
  return script;
}

class GitOpsStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = std::make_unique<TestNamespace>(cluster().uniqueNamespace("gitops"));
    readers_ = envValue(cluster().clusterScript("env").out, "STATUS_READERS");
    ASSERT_FALSE(readers_.empty()) << "cluster.sh env names no STATUS_READERS";
    script_ = ::testing::TempDir() + "/argocd-health.lua";
    std::ofstream(script_) << readmeArgoScript();
    ASSERT_NE(readmeArgoScript().find("return hs"), std::string::npos)
        << "README.md has no Argo CD health script";
  }

  CommandResult kubectl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"-n", ns_->name()});
    return cluster().kubectl(args, input);
  }

  // {"kstatus", "argocd", ...} for the run as the API server serves it now.
  json verdict(const std::string& name) {
    const CommandResult object = kubectl({"get", "pluginrun", name, "-o", "json"});
    EXPECT_TRUE(object.ok()) << object.err;
    const CommandResult read = runCommand({readers_, script_}, object.out);
    EXPECT_TRUE(read.ok()) << read.err;
    const json result = json::parse(read.out, nullptr, false);
    EXPECT_TRUE(result.is_object()) << read.out << read.err;
    return result.is_object() ? result : json::object();
  }

  void create(const std::string& name) {
    const json run = {{"apiVersion", "sandbox.plugins.dev/v1alpha1"},
                      {"kind", "PluginRun"},
                      {"metadata", {{"name", name}}},
                      {"spec", {{"plugin", {{"configMap", "techdebt"}}}}}};
    const CommandResult created = kubectl({"create", "-f", "-"}, run.dump());
    ASSERT_TRUE(created.ok()) << created.err;
  }

  // The status the controller writes for `state` (conditions as conditions.cc sets them).
  void writeStatus(const std::string& name, const std::string& succeeded, const std::string& reason,
                   bool ready, bool reconciling, bool stalled) {
    const auto condition = [](const std::string& type, const std::string& status,
                              const std::string& why) {
      return json{{"type", type},
                  {"status", status},
                  {"reason", why},
                  {"message", why},
                  {"observedGeneration", 1},
                  {"lastTransitionTime", "2026-12-03T00:00:00Z"}};
    };
    const json status = {{"status",
                          {{"observedGeneration", 1},
                           {"conditions",
                            {condition("Succeeded", succeeded, reason),
                             condition("Ready", ready ? "True" : "False", reason),
                             condition("Reconciling", reconciling ? "True" : "False", reason),
                             condition("Stalled", stalled ? "True" : "False", reason)}}}}};
    const CommandResult patched = kubectl(
        {"patch", "pluginrun", name, "--subresource=status", "--type=merge", "-p", status.dump()});
    ASSERT_TRUE(patched.ok()) << patched.err;
  }

  std::unique_ptr<TestNamespace> ns_;
  std::string readers_;
  std::string script_;
};

// Without the schema's status default kstatus computes Current ("done") for a run no controller
// has written: Flux would report a GitOps-applied run finished before it started.
TEST_F(GitOpsStatusTest, AFreshRunIsInProgressToFluxAndProgressingToArgoCd) {
  create("fresh");
  const CommandResult status =
      kubectl({"get", "pluginrun", "fresh", "-o", "jsonpath={.status.observedGeneration}"});
  ASSERT_TRUE(status.ok()) << status.err;
  EXPECT_EQ(status.out, "0") << "the API server did not apply the status default";
  const json read = verdict("fresh");
  EXPECT_EQ(read.value("kstatus", ""), "InProgress") << read.dump();
  EXPECT_EQ(read.value("argocd", ""), "Progressing") << read.dump();
}

TEST_F(GitOpsStatusTest, RunningSucceededAndFailedReadAsTheToolsShouldSayThem) {
  create("running");
  writeStatus("running", "Unknown", "Running", false, true, false);
  json read = verdict("running");
  EXPECT_EQ(read.value("kstatus", ""), "InProgress") << read.dump();
  EXPECT_EQ(read.value("argocd", ""), "Progressing") << read.dump();

  create("succeeded");
  writeStatus("succeeded", "True", "Succeeded", true, false, false);
  read = verdict("succeeded");
  EXPECT_EQ(read.value("kstatus", ""), "Current") << read.dump();
  EXPECT_EQ(read.value("argocd", ""), "Healthy") << read.dump();

  create("failed");
  writeStatus("failed", "False", "Failed", false, false, true);
  read = verdict("failed");
  EXPECT_EQ(read.value("kstatus", ""), "Failed") << read.dump();
  EXPECT_EQ(read.value("argocd", ""), "Degraded") << read.dump();
}

}  // namespace
}  // namespace ps::testing
