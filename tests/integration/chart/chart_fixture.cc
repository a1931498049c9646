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

std::string helmPath() {
  static const std::string path = [] {
    const CommandResult env = cluster().clusterScript("env");
    std::istringstream lines(env.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("HELM=", 0) == 0) return line.substr(5);
    }
    return std::string();
  }();
  return path;
}

CommandResult helm(std::vector<std::string> args) {
  args.insert(args.begin(), {helmPath(), "--kubeconfig", cluster().kubeconfigPath()});
  return runCommand(args);
}

std::string renderChart(const std::string& release, const std::string& ns,
                        const std::vector<std::string>& sets) {
  std::vector<std::string> args{"template", release, chartDir(), "--namespace", ns};
  for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
  const CommandResult rendered = helm(args);
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
