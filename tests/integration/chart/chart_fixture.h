// Shared pieces of the chart tests: where helm and the chart are, running helm against the test
// control plane, and reading rendered manifests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "cluster_environment.h"

namespace ps::testing {

std::string sourcePath(const std::string& relative);  // PS_SOURCE_DIR + "/" + relative
std::string chartDir();

// helm from the control plane's tool cache (`cluster.sh env` prints HELM=...), pointed at the
// test cluster's kubeconfig. Empty path when `cluster.sh env` names none. Neither needs the
// cluster to run: `cluster.sh env` only prints paths, and `helm template`/`lint` never connect.
std::string helmPath();
CommandResult helm(std::vector<std::string> args);

// `helm template RELEASE chart -n NAMESPACE --set ...`; fails the test when rendering fails.
std::string renderChart(const std::string& release, const std::string& ns,
                        const std::vector<std::string>& sets);
// `helm template RELEASE chart -n NAMESPACE ARGS...` (any flags: -f, --set-json, ...), as it ran.
CommandResult templateChart(const std::string& release, const std::string& ns,
                            const std::vector<std::string>& args);

// NOTES.txt rendered offline with these helm flags (`helm install --dry-run` needs a cluster): a
// copy of the chart whose extra template renders NOTES.txt through `tpl`, as the same engine with
// the same values. Fails the test when rendering fails.
std::string renderNotes(const std::vector<std::string>& args);

// Equal YAML trees: maps by key (any order), sequences in order, scalars by their text.
bool sameYaml(const YAML::Node& a, const YAML::Node& b);

// The documents of a multi-document YAML stream (empty documents dropped).
std::vector<YAML::Node> documents(const std::string& yaml);
// Documents of one kind.
std::vector<YAML::Node> ofKind(const std::vector<YAML::Node>& docs, const std::string& kind);

// A readable report of a command that went wrong.
std::string describe(const CommandResult& result);

}  // namespace ps::testing
