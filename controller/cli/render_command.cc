#include "cli/render_command.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "api/plugin_run.h"
#include "cli/app_runner.h"
#include "cli/plan_output.h"
#include "core/exit_codes.h"
#include "core/plugin_files.h"
#include "core/trust_check.h"
#include "core/yaml_to_json.h"
#include "reconcile/network_policy_builder.h"
#include "reconcile/pod_builder.h"

namespace ps::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxRunFileBytes = 1 << 20;
// The API server refuses a ConfigMap whose data is larger than 1 MiB: a plugin that size cannot
// reach a cluster, so say so here rather than at `kubectl apply`.
constexpr std::size_t kMaxConfigMapBytes = 1 << 20;

// YAML 1.1 readers (kubectl's) take yes/no/on/off/y/n as booleans, and both versions read
// numbers, null and ~ by their look: quote every string that could be read as something else.
bool needsQuotes(const std::string& text) {
  if (text.empty()) return true;
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf",
                           "-.inf", "+.inf", ".nan"}) {
    if (lower == word) return true;
  }
  const char first = text.front();
  return std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '+' ||
         first == '.';
}

void emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit(out, json(key));
        out << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (needsQuotes(text)) out << YAML::DoubleQuoted;
      out << text;
      break;
    }
    case json::value_t::boolean:
      out << YAML::TrueFalseBool << value.get<bool>();
      break;
    case json::value_t::number_integer:
      out << value.get<int64_t>();
      break;
    case json::value_t::number_unsigned:
      out << value.get<uint64_t>();
      break;
    case json::value_t::number_float:
      out << value.dump();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

// Reads RUN.yaml; nullopt (after saying why on `err`) when the file cannot be read.
std::optional<std::string> readRunFile(const std::string& path, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "pluginctl render: cannot open " << path << "\n";
    return std::nullopt;
  }
  std::string text(kMaxRunFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxRunFileBytes) {
    err << "pluginctl render: " << path << " is larger than " << kMaxRunFileBytes << " bytes\n";
    return std::nullopt;
  }
  return text;
}

core::Check checkFitsAConfigMap(const core::PluginFiles& plugin) {
  std::size_t total = 0;
  for (const auto& [path, bytes] : plugin.files) total += path.size() + bytes.size();
  if (total <= kMaxConfigMapBytes) return core::accepted();
  return core::reject("layout", "the plugin is " + std::to_string(total) +
                                    " bytes; a ConfigMap holds at most " +
                                    std::to_string(kMaxConfigMapBytes));
}

fs::path pluginDirFor(const RenderOptions& options, const reconcile::PluginRun& run) {
  if (options.pluginDir) return *options.pluginDir;
  return fs::path(options.runFile).parent_path() / run.pluginConfigMap;
}

reconcile::ControllerSettings settingsFrom(const RenderOptions& options) {
  reconcile::ControllerSettings settings;
  if (options.sandboxImage) settings.sandboxImage = *options.sandboxImage;
  if (options.runtimeClassName) settings.runtimeClassName = *options.runtimeClassName;
  return settings;
}

void printNotes(const reconcile::PluginRun& run, const core::AcceptedPlan& plan,
                const reconcile::PodPlan& pod, std::ostream& err) {
  err << "# " << planSummary(plan) << "\n";
  if (!plan.policyConfigured)
    err << "# NO POLICY CONFIGURED: every permission but network allowed\n";
  for (const auto& note : pod.limits.adjustments) err << "# " << note << "\n";
  if (run.uid.empty()) {
    err << "# " << run.name << " has no metadata.uid yet: the Pod name's hash uses a placeholder\n";
  }
}

}  // namespace

std::string jsonToYaml(const json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

int runRender(const RenderOptions& options, std::ostream& out, std::ostream& err) {
  const auto text = readRunFile(options.runFile, err);
  if (!text) return kExitError;
  auto object = core::yamlToJson(*text, options.runFile);
  if (!object) return reportRejection(object.rejection(), false, out, err);
  auto run = reconcile::parsePluginRun(*object);
  if (!run) return reportRejection(run.rejection(), false, out, err);
  auto trust = loadTrustFromFlags(options.trust);
  if (!trust) return reportRejection(trust.rejection(), false, out, err);
  const fs::path dir = pluginDirFor(options, *run);
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    err << "pluginctl render: no plugin directory " << dir << " (give --plugin DIR)\n";
    return kExitUsage;
  }
  auto plugin = core::readPluginDir(dir);
  if (!plugin) return reportRejection(plugin.rejection(), false, out, err);
  if (auto fits = checkFitsAConfigMap(*plugin); !fits) {
    return reportRejection(fits.rejection(), false, out, err);
  }
  auto plan = core::checkPlugin(*plugin, trust->config());
  if (!plan) return reportRejection(plan.rejection(), false, out, err);
  auto pod = reconcile::buildPod(*run, *plan, settingsFrom(options), *plugin);
  if (!pod) return reportRejection(pod.rejection(), false, out, err);
  printNotes(*run, *plan, *pod, err);
  const json policy = reconcile::buildNetworkPolicy(run->namespaceName);
  if (options.output == "json") {
    out << json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", {policy, pod->pod}}}.dump(2)
        << "\n";
  } else {
    out << "---\n" << jsonToYaml(policy) << "---\n" << jsonToYaml(pod->pod);
  }
  return kExitOk;
}

void addRenderCommand(CLI::App& app) {
  auto options = std::make_shared<RenderOptions>();
  CLI::App* command = app.add_subcommand(
      "render",
      "print the NetworkPolicy and Pod the controller would create for a PluginRun, or why it "
      "would reject it. Exit 0 printed, 125 rejected (one line naming the rule), 2 usage or no "
      "plugin directory, 1 RUN unreadable");
  command->add_option("RUN", options->runFile, "PluginRun YAML (or JSON) file")->required();
  command->add_option("--plugin", options->pluginDir,
                      "plugin directory standing for spec.plugin.configMap (default: the "
                      "directory named after that ConfigMap next to RUN)");
  addTrustOptions(*command, options->trust);
  command->add_option("--output,-o", options->output, "yaml (two documents) or json (a v1 List)")
      ->check(CLI::IsMember({"yaml", "json"}));
  command->add_option("--sandbox-image", options->sandboxImage,
                      "sandbox image, as plugin-controller --sandbox-image (default: "
                      "localhost/plugin-sandbox/sandbox:dev)");
  command->add_option("--runtime-class-name", options->runtimeClassName,
                      "RuntimeClass for the Pod (e.g. gvisor)");
  command->callback([options] {
    if (int code = runRender(*options, std::cout, std::cerr); code != kExitOk) exitWith(code);
  });
}

}  // namespace ps::cli
