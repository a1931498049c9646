#include "chart_fixture.h"

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
  std::istringstream lines(env);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  }
  return std::string();
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
