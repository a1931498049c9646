#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "cli/trust_options.h"

namespace ps::cli {

struct RenderOptions {
  std::string runFile;                   // RUN.yaml: one PluginRun
  std::optional<std::string> pluginDir;  // default: <dir of RUN.yaml>/<spec.plugin.configMap>
  TrustFlags trust;
  std::string output = "yaml";  // "yaml" | "json"
  std::optional<std::string> sandboxImage;
  std::optional<std::string> runtimeClassName;
};

// What the controller would create for RUN.yaml, from the same code (reconcile/): the namespace's
// deny-all NetworkPolicy and the run's Pod, as two YAML documents or one JSON v1 List on `out`;
// notes (clamped limits, no policy) on `err`. Exit 0; 125 with one "rejected: <rule>: ..." line
// when the run or its plugin would be refused; 2 when the plugin directory is missing; 1 when
// RUN.yaml cannot be read.
int runRender(const RenderOptions& options, std::ostream& out, std::ostream& err);

// Converts JSON to YAML that reads back as the same JSON under YAML 1.1 and 1.2 (strings that
// could be mistaken for numbers, booleans or null are quoted).
std::string jsonToYaml(const nlohmann::json& value);

// `pluginctl render RUN.yaml [--plugin DIR] [--policy F] [--key F] [--output yaml|json]
//  [--sandbox-image REF] [--runtime-class-name NAME]`
void addRenderCommand(CLI::App& app);

}  // namespace ps::cli
