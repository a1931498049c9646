// deploy/example: the copy of the plugin stays identical to plugins/, and `kubectl apply -k`
// works against the real API server (through an overlay that only changes the namespace, so
// every run gets its own).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "chart_fixture.h"

namespace ps::testing {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Relative paths of the regular files under `root`.
std::vector<std::string> filesUnder(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(PlainManifests, ExamplePluginCopyIsIdenticalToPlugins) {
  const fs::path original = sourcePath("plugins/techdebt");
  const fs::path copy = sourcePath("deploy/example/plugins/techdebt");
  const auto files = filesUnder(original);
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(filesUnder(copy), files) << "run deploy/example/sync-plugins.sh";
  for (const std::string& file : files) {
    EXPECT_EQ(readFile(copy / file), readFile(original / file))
        << file << " differs: run deploy/example/sync-plugins.sh";
  }
}

// A kustomization in a temporary folder that takes `base` (under the repository) and renames its
// namespace.
class Overlay {
 public:
  Overlay(const std::string& base, const std::string& ns) {
    std::mt19937_64 random{std::random_device{}()};
    dir_ = fs::temp_directory_path() / ("ps-kustomize-" + std::to_string(random()));
    fs::create_directories(dir_);
    // kustomize refuses absolute paths to bases; a relative one is fine.
    const fs::path relativeBase = fs::relative(sourcePath(base), dir_);
    std::ofstream(dir_ / "kustomization.yaml")
        << "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: " << ns
        << "\nresources:\n  - " << relativeBase.string() << "\n";
  }
  ~Overlay() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;
  std::string path() const { return dir_.string(); }

 private:
  fs::path dir_;
};

TEST(PlainManifests, KustomizeBuildsNamespacePluginConfigMapAndRun) {
  const CommandResult built = cluster().kubectl({"kustomize", sourcePath("deploy/example")});
  ASSERT_TRUE(built.ok()) << describe(built);
  const auto docs = documents(built.out);
  const auto namespaces = ofKind(docs, "Namespace");
  ASSERT_EQ(namespaces.size(), 1u);
  const YAML::Node labels = namespaces[0]["metadata"]["labels"];
  EXPECT_EQ(labels["pod-security.kubernetes.io/enforce"].as<std::string>(), "restricted");
  const auto configMaps = ofKind(docs, "ConfigMap");
  ASSERT_EQ(configMaps.size(), 1u);
  EXPECT_EQ(configMaps[0]["metadata"]["name"].as<std::string>(), "techdebt");
  EXPECT_EQ(configMaps[0]["data"]["plugin.py"].as<std::string>(),
            readFile(sourcePath("plugins/techdebt/plugin.py")));
  EXPECT_EQ(configMaps[0]["data"]["manifest.json"].as<std::string>(),
            readFile(sourcePath("plugins/techdebt/manifest.json")));
  const auto runs = ofKind(docs, "PluginRun");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["spec"]["plugin"]["configMap"].as<std::string>(), "techdebt");
}

TEST(PlainManifests, ApplyKustomizeWorksAgainstTheApiServer) {
  // A name no other run uses; the object deletes the namespace when the test ends.
  std::mt19937_64 random{std::random_device{}()};
  const std::string ns = "plain-" + std::to_string(random() % 1000000000);
  Overlay overlay("deploy/example", ns);
  const CommandResult applied = cluster().kubectl({"apply", "-k", overlay.path()});
  TestNamespace cleanup(ns, cluster());
  ASSERT_TRUE(applied.ok()) << describe(applied);

  const CommandResult enforce =
      cluster().kubectl({"get", "namespace", ns, "-o",
                         R"(jsonpath={.metadata.labels.pod-security\.kubernetes\.io/enforce})"});
  EXPECT_EQ(enforce.out, "restricted") << describe(enforce);
  const CommandResult plugin =
      cluster().kubectl({"-n", ns, "get", "configmap", "techdebt", "-o", "jsonpath={.data}"});
  EXPECT_TRUE(plugin.ok()) << describe(plugin);
  EXPECT_NE(plugin.out.find("manifest.json"), std::string::npos);
  const CommandResult run = cluster().kubectl(
      {"-n", ns, "get", "pluginrun", "techdebt-1", "-o", "jsonpath={.spec.plugin.configMap}"});
  EXPECT_EQ(run.out, "techdebt") << describe(run);
  // Applying again is a no-op, as GitOps tools do on every sync.
  const CommandResult again = cluster().kubectl({"apply", "-k", overlay.path()});
  EXPECT_TRUE(again.ok()) << describe(again);
  EXPECT_NE(again.out.find("pluginrun.sandbox.plugins.dev/techdebt-1 unchanged"), std::string::npos)
      << again.out;
}

// The same folder is what the README tells users to apply: a server dry run of its build.
TEST(PlainManifests, ExampleAsIsIsValidForTheServer) {
  const CommandResult built = cluster().kubectl({"kustomize", sourcePath("deploy/example")});
  ASSERT_TRUE(built.ok()) << describe(built);
  // Only the Namespace can be dry-run on its own: the rest needs the namespace to exist.
  const CommandResult namespaceOnly =
      cluster().kubectl({"apply", "--dry-run=server", "-f", "-"},
                        YAML::Dump(ofKind(documents(built.out), "Namespace")[0]));
  EXPECT_TRUE(namespaceOnly.ok()) << describe(namespaceOnly);
}

// ControllerManifestIsTheChartRenderedWithDefaults needs helm only: in chart_render_test.cc.

TEST(PlainManifests, ControllerManifestIsAcceptedByTheServer) {
  auto ns = cluster().uniqueNamespace("plain-ctl");
  Overlay overlay("deploy/controller", ns.name());
  const CommandResult built = cluster().kubectl({"kustomize", overlay.path()});
  ASSERT_TRUE(built.ok()) << describe(built);
  const CommandResult applied =
      cluster().kubectl({"apply", "--dry-run=server", "--validate=strict", "-f", "-"}, built.out);
  EXPECT_TRUE(applied.ok()) << describe(applied);
  EXPECT_NE(applied.out.find("deployment.apps/plugin-sandbox created (server dry run)"),
            std::string::npos)
      << applied.out;
}

}  // namespace
}  // namespace ps::testing
