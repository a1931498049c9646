#include "chart_fixture.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#ifndef PS_SOURCE_DIR
#error "PS_SOURCE_DIR must name the repository root"
#endif

namespace ps::testing {

std::string sourcePath(const std::string& relative) {
  return std::string(PS_SOURCE_DIR) + "/" + relative;
}

std::string chartDir() {
  return sourcePath("charts/plugin-sandbox");
}

namespace {

// One value of `cluster.sh env` (NAME=VALUE lines; the script prints them without a cluster).
std::string clusterEnv(const std::string& name) {
  static const std::string env = runCommand({sourcePath("tests/cluster/cluster.sh"), "env"}).out;
  return envValue(env, name);
}

}  // namespace

std::string helmPath() {
  return clusterEnv("HELM");
}

CommandResult helm(std::vector<std::string> args) {
  args.insert(args.begin(), {helmPath(), "--kubeconfig", clusterEnv("KUBECONFIG")});
  return runCommand(args);
}

CommandResult templateChart(const std::string& release, const std::string& ns,
                            const std::vector<std::string>& args) {
  std::vector<std::string> all{"template", release, chartDir(), "--namespace", ns};
  all.insert(all.end(), args.begin(), args.end());
  return helm(all);
}

std::string renderChart(const std::string& release, const std::string& ns,
                        const std::vector<std::string>& sets) {
  std::vector<std::string> args;
  for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
  const CommandResult rendered = templateChart(release, ns, args);
  EXPECT_TRUE(rendered.ok()) << describe(rendered);
  return rendered.out;
}

std::string renderNotes(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::mt19937_64 random{std::random_device{}()};
  const fs::path copy = fs::temp_directory_path() / ("ps-chart-notes-" + std::to_string(random()));
  fs::copy(chartDir(), copy, fs::copy_options::recursive);
  fs::copy_file(copy / "templates" / "NOTES.txt", copy / "files" / "notes-under-test.txt");
  std::ofstream(copy / "templates" / "notes-under-test.yaml")
      << "notes: {{ tpl (.Files.Get \"files/notes-under-test.txt\") . | toJson }}\n";
  std::vector<std::string> all{"template",
                               "notes",
                               copy.string(),
                               "--namespace",
                               "ps",
                               "--show-only",
                               "templates/notes-under-test.yaml"};
  all.insert(all.end(), args.begin(), args.end());
  const CommandResult rendered = helm(all);
  fs::remove_all(copy);
  EXPECT_TRUE(rendered.ok()) << describe(rendered);
  if (!rendered.ok()) return "";
  return YAML::Load(rendered.out)["notes"].as<std::string>();
}

bool sameYaml(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  if (a.IsScalar()) return a.Scalar() == b.Scalar();
  if (a.IsSequence()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!sameYaml(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.IsMap()) {
    if (a.size() != b.size()) return false;
    for (const auto& entry : a) {
      const YAML::Node other = b[entry.first.as<std::string>()];
      if (!other || !sameYaml(entry.second, other)) return false;
    }
    return true;
  }
  return true;  // both null
}

std::vector<YAML::Node> documents(const std::string& yaml) {
  std::vector<YAML::Node> docs;
  for (const YAML::Node& doc : YAML::LoadAll(yaml)) {
    if (doc.IsMap()) docs.push_back(doc);
  }
  return docs;
}

std::vector<YAML::Node> ofKind(const std::vector<YAML::Node>& docs, const std::string& kind) {
  std::vector<YAML::Node> matching;
  for (const YAML::Node& doc : docs) {
    if (doc["kind"] && doc["kind"].as<std::string>() == kind) matching.push_back(doc);
  }
  return matching;
}

std::string describe(const CommandResult& result) {
  return "exit " + std::to_string(result.exitCode) + "\n--- stdout\n" + result.out +
         "\n--- stderr\n" + result.err;
}

}  // namespace ps::testing
