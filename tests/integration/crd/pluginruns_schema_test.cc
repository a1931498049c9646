// crds/pluginruns.yaml read as a file (no cluster): the contract of DESIGN.md's "PluginRun" and the
// properties the API server does not enforce (descriptions everywhere, bounds everywhere).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace {

const std::string kCrd = std::string(PS_SOURCE_DIR) + "/crds/pluginruns.yaml";

YAML::Node version() {
  return YAML::LoadFile(kCrd)["spec"]["versions"][0];
}

// Walks a schema and records every rule it breaks, with the path of the field that breaks it.
void collectProblems(const YAML::Node& schema, const std::string& path,
                     std::vector<std::string>& problems) {
  // The API server forbids anything but `type: object` on metadata, a description included.
  const bool isMetadata = path == "<root>.metadata";
  if (!isMetadata && (!schema["description"] || schema["description"].as<std::string>().empty())) {
    problems.push_back(path + ": no description");
  }
  const std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
  const bool intOrString = schema["x-kubernetes-int-or-string"].IsDefined();
  // apiVersion and kind are checked by the API server itself before any schema applies.
  const bool serverChecked = path == "<root>.apiVersion" || path == "<root>.kind";
  if (type == "string" && !schema["maxLength"] && !schema["enum"] && !schema["format"] &&
      !serverChecked) {
    problems.push_back(path + ": string without maxLength");
  }
  if (intOrString && !schema["maxLength"])
    problems.push_back(path + ": int-or-string without maxLength");
  if (type == "array") {
    if (!schema["maxItems"]) problems.push_back(path + ": array without maxItems");
    collectProblems(schema["items"], path + "[]", problems);
  }
  if (schema["additionalProperties"] && !schema["maxProperties"]) {
    problems.push_back(path + ": map without maxProperties");
  }
  if (type.empty() && !intOrString) problems.push_back(path + ": no type");
  for (const auto& property : schema["properties"]) {
    collectProblems(property.second, path + "." + property.first.as<std::string>(), problems);
  }
}

// The chart's copy of this file is checked by tests/integration/chart (ChartRender).

TEST(PluginRunsCrd, NamesAsTheDesignSays) {
  const YAML::Node crd = YAML::LoadFile(kCrd);
  EXPECT_EQ(crd["metadata"]["name"].as<std::string>(), "pluginruns.sandbox.plugins.dev");
  EXPECT_EQ(crd["spec"]["group"].as<std::string>(), "sandbox.plugins.dev");
  EXPECT_EQ(crd["spec"]["scope"].as<std::string>(), "Namespaced");
  const YAML::Node names = crd["spec"]["names"];
  EXPECT_EQ(names["kind"].as<std::string>(), "PluginRun");
  EXPECT_EQ(names["plural"].as<std::string>(), "pluginruns");
  EXPECT_EQ(names["shortNames"].as<std::vector<std::string>>(), std::vector<std::string>{"prun"});
  EXPECT_EQ(names["categories"].as<std::vector<std::string>>(),
            std::vector<std::string>{"plugins"});
  ASSERT_EQ(crd["spec"]["versions"].size(), 1u);
  EXPECT_EQ(version()["name"].as<std::string>(), "v1alpha1");
  EXPECT_TRUE(version()["subresources"]["status"].IsMap());
}

TEST(PluginRunsCrd, PrinterColumnsInOrder) {
  std::vector<std::string> columns;
  std::vector<std::string> wide;  // priority 1: shown by `kubectl get -o wide` only
  for (const auto& column : version()["additionalPrinterColumns"]) {
    const int priority = column["priority"] ? column["priority"].as<int>() : 0;
    (priority == 0 ? columns : wide).push_back(column["name"].as<std::string>());
    EXPECT_LE(priority, 1) << column["name"].as<std::string>();
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"Plugin", "Succeeded", "Reason", "StartTime",
                                               "CompletionTime", "Age"}));
  EXPECT_EQ(wide, (std::vector<std::string>{"Pod", "ExitCode", "SignedBy"}));
}

TEST(PluginRunsCrd, WideColumnsReadStatusFields) {
  std::map<std::string, std::string> paths;
  for (const auto& column : version()["additionalPrinterColumns"]) {
    paths[column["name"].as<std::string>()] = column["jsonPath"].as<std::string>();
  }
  EXPECT_EQ(paths["Pod"], ".status.podName");
  EXPECT_EQ(paths["ExitCode"], ".status.exitCode");
  EXPECT_EQ(paths["SignedBy"], ".status.signedBy");
}

TEST(PluginRunsCrd, EveryFieldIsDescribedAndBounded) {
  std::vector<std::string> problems;
  collectProblems(version()["schema"]["openAPIV3Schema"], "<root>", problems);
  std::string all;
  for (const auto& problem : problems) all += problem + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}

TEST(PluginRunsCrd, TheCheckerSeesAnUndescribedOrUnboundedField) {
  const YAML::Node schema = YAML::Load(R"(
    type: object
    description: root
    properties:
      name: {type: string}
      tags: {type: array, description: tags, items: {type: string, description: tag, maxLength: 3}}
      labels: {type: object, description: labels, additionalProperties: {type: string, description: v, maxLength: 3}}
  )");
  std::vector<std::string> problems;
  collectProblems(schema, "<root>", problems);
  EXPECT_EQ(problems, (std::vector<std::string>{"<root>.name: no description",
                                                "<root>.name: string without maxLength",
                                                "<root>.tags: array without maxItems",
                                                "<root>.labels: map without maxProperties"}));
}

// Immutable but for spec.status (the cancel): the rule compares every other spec field, so a
// field added to spec without being added to the rule would silently become mutable.
TEST(PluginRunsCrd, SpecIsImmutableButForItsStatus) {
  const YAML::Node spec = version()["schema"]["openAPIV3Schema"]["properties"]["spec"];
  ASSERT_TRUE(spec["x-kubernetes-validations"].IsSequence());
  ASSERT_EQ(spec["x-kubernetes-validations"].size(), 2u);
  const std::string rule = spec["x-kubernetes-validations"][0]["rule"].as<std::string>();
  for (const auto& property : spec["properties"]) {
    const std::string name = property.first.as<std::string>();
    const std::string compared = "self." + name + " == oldSelf." + name;
    if (name == "status") {
      EXPECT_EQ(rule.find(compared), std::string::npos) << "spec.status must stay settable";
      continue;
    }
    EXPECT_NE(rule.find(compared), std::string::npos) << "spec." << name << " is not compared";
    if (name != "plugin") {  // optional: added or removed is a change too
      EXPECT_NE(rule.find("has(self." + name + ") == has(oldSelf." + name + ")"), std::string::npos)
          << "spec." << name;
    }
  }
  EXPECT_EQ(spec["x-kubernetes-validations"][1]["rule"].as<std::string>(),
            "!has(oldSelf.status) || (has(self.status) && self.status == oldSelf.status)");
  EXPECT_EQ(spec["properties"]["status"]["enum"].as<std::vector<std::string>>(),
            std::vector<std::string>{"Cancelled"});
}

}  // namespace
