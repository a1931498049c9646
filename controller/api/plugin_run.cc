#include "api/plugin_run.h"

#include <initializer_list>
#include <limits>
#include <string_view>

namespace ps::reconcile {
namespace {

using nlohmann::json;

core::Result<kube::Quantity> positiveQuantity(const json& value, const std::string& field) {
  if (!value.is_string() && !value.is_number_integer()) {
    return specError(field, "must be a quantity such as \"500m\" or \"256Mi\"");
  }
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  const auto quantity = kube::Quantity::parse(text);
  if (!quantity) return specError(field, "\"" + text.substr(0, 64) + "\" is not a quantity");
  if (quantity->milliValue() == 0) return specError(field, "must be greater than zero");
  return *quantity;
}

bool isLowerAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

core::Result<std::string> runName(const json& metadata) {
  const auto found = metadata.find("name");
  if (found == metadata.end()) return specError("metadata.name", "is required");
  if (!found->is_string()) return specError("metadata.name", "must be a string");
  const auto& name = found->get_ref<const std::string&>();
  if (!isObjectName(name)) {
    return specError("metadata.name",
                     "\"" + name.substr(0, 64) +
                         "\" is not a valid object name (a DNS subdomain: at most 253 of a-z, "
                         "0-9, '-' and '.', each dot-separated part starting and ending with a "
                         "letter or digit)");
  }
  return name;
}

core::Check readMetadata(const json& object, PluginRun& run) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    return specError("metadata", "is required");
  }
  auto name = runName(*metadata);
  if (!name) return name.rejection();
  run.name = *name;
  if (metadata->contains("namespace")) {
    const auto& ns = (*metadata)["namespace"];
    if (!ns.is_string() || !isDnsLabel(ns.get<std::string>())) {
      return specError("metadata.namespace", "is not a valid namespace name");
    }
    run.namespaceName = ns.get<std::string>();
  }
  if (metadata->contains("uid")) {
    const auto& uid = (*metadata)["uid"];
    if (!uid.is_string() || uid.get<std::string>().size() > 128) {
      return specError("metadata.uid", "must be a string");
    }
    run.uid = uid.get<std::string>();
  }
  if (metadata->contains("generation")) {
    auto generation = integerField((*metadata)["generation"], "metadata.generation", 0,
                                   std::numeric_limits<int64_t>::max());
    if (!generation) return generation.rejection();
    run.generation = *generation;
  }
  return core::accepted();
}

core::Check readInput(const json& input, PluginRun& run) {
  if (!input.is_object()) return specError("spec.input", "must be an object");
  if (auto checked = unknownField(input, "spec.input", {"configMap", "persistentVolumeClaim"});
      !checked) {
    return checked.rejection();
  }
  if (input.size() != 1) {
    return specError("spec.input", "give exactly one of configMap or persistentVolumeClaim");
  }
  const bool isConfigMap = input.contains("configMap");
  const char* key = isConfigMap ? "configMap" : "persistentVolumeClaim";
  auto name = requiredName(input, key, std::string("spec.input.") + key);
  if (!name) return name.rejection();
  run.input = InputSource{
      isConfigMap ? InputSource::Kind::ConfigMap : InputSource::Kind::PersistentVolumeClaim, *name};
  return core::accepted();
}

core::Check readArgs(const json& args, PluginRun& run) {
  if (!args.is_array()) return specError("spec.args", "must be a list of strings");
  if (args.size() > kMaxArgs) {
    return specError("spec.args", "at most " + std::to_string(kMaxArgs) + " arguments");
  }
  for (const auto& arg : args) {
    if (!arg.is_string()) return specError("spec.args", "must be a list of strings");
    if (arg.get_ref<const std::string&>().size() > kMaxArgBytes) {
      return specError("spec.args",
                       "an argument is longer than " + std::to_string(kMaxArgBytes) + " bytes");
    }
    run.args.push_back(arg.get<std::string>());
  }
  return core::accepted();
}

core::Check readResources(const json& resources, PluginRun& run) {
  if (!resources.is_object()) return specError("spec.resources", "must be an object");
  if (auto checked = unknownField(resources, "spec.resources", {"limits"}); !checked)
    return checked.rejection();
  if (!resources.contains("limits")) return core::accepted();
  const auto& limits = resources["limits"];
  if (!limits.is_object()) return specError("spec.resources.limits", "must be an object");
  if (auto checked = unknownField(limits, "spec.resources.limits", {"cpu", "memory"}); !checked)
    return checked.rejection();
  if (limits.contains("cpu")) {
    auto cpu = positiveQuantity(limits["cpu"], "spec.resources.limits.cpu");
    if (!cpu) return cpu.rejection();
    run.cpuLimit = *cpu;
  }
  if (limits.contains("memory")) {
    auto memory = positiveQuantity(limits["memory"], "spec.resources.limits.memory");
    if (!memory) return memory.rejection();
    run.memoryLimit = *memory;
  }
  return core::accepted();
}

core::Check readSpec(const json& spec, PluginRun& run) {
  if (auto checked = unknownField(
          spec, "spec",
          {"plugin", "input", "args", "timeoutSeconds", "resources", "ttlSecondsAfterFinished",
           "ttlSecondsAfterFailure", "status", "podTemplate"});
      !checked) {
    return checked.rejection();
  }
  const auto plugin = spec.find("plugin");
  if (plugin == spec.end() || !plugin->is_object()) return specError("spec.plugin", "is required");
  if (auto checked = unknownField(*plugin, "spec.plugin", {"configMap"}); !checked)
    return checked.rejection();
  auto configMap = requiredName(*plugin, "configMap", "spec.plugin.configMap");
  if (!configMap) return configMap.rejection();
  run.pluginConfigMap = *configMap;
  if (spec.contains("input")) {
    if (auto checked = readInput(spec["input"], run); !checked) return checked.rejection();
  }
  if (spec.contains("args")) {
    if (auto checked = readArgs(spec["args"], run); !checked) return checked.rejection();
  }
  if (spec.contains("timeoutSeconds")) {
    auto timeout =
        integerField(spec["timeoutSeconds"], "spec.timeoutSeconds", 1, kMaxTimeoutSeconds);
    if (!timeout) return timeout.rejection();
    run.timeoutSeconds = *timeout;
  }
  if (spec.contains("resources")) {
    if (auto checked = readResources(spec["resources"], run); !checked) return checked.rejection();
  }
  if (spec.contains("ttlSecondsAfterFinished")) {
    auto ttl = integerField(spec["ttlSecondsAfterFinished"], "spec.ttlSecondsAfterFinished", 0,
                            kMaxTtlSeconds);
    if (!ttl) return ttl.rejection();
    run.ttlSecondsAfterFinished = *ttl;
  }
  if (spec.contains("ttlSecondsAfterFailure")) {
    auto ttl = integerField(spec["ttlSecondsAfterFailure"], "spec.ttlSecondsAfterFailure", 0,
                            kMaxTtlSeconds);
    if (!ttl) return ttl.rejection();
    run.ttlSecondsAfterFailure = *ttl;
  }
  if (spec.contains("status")) {
    if (spec["status"] != kCancelledSpecStatus) {
      return specError("spec.status", std::string("the only value is \"") + kCancelledSpecStatus +
                                          "\" (cancel the run)");
    }
    run.cancelRequested = true;
  }
  if (spec.contains("podTemplate")) {
    auto pod = parsePodTemplate(spec["podTemplate"], "spec.podTemplate");
    if (!pod) return pod.rejection();
    run.podTemplate = std::move(pod.value());
  }
  return core::accepted();
}

}  // namespace

core::Result<PluginRun> parsePluginRun(const json& object) {
  if (!object.is_object()) return specError("PluginRun", "must be an object");
  if (object.value("apiVersion", json()) != kApiVersion) {
    return specError("apiVersion", std::string("must be ") + kApiVersion);
  }
  if (object.value("kind", json()) != kKind) return specError("kind", "must be PluginRun");
  PluginRun run;
  if (auto checked = readMetadata(object, run); !checked) return checked.rejection();
  const auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return specError("spec", "is required");
  if (auto checked = readSpec(*spec, run); !checked) return checked.rejection();
  return run;
}

bool isObjectName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (isLowerAlphanumeric(c)) continue;
    if (c != '-' && c != '.') return false;
    // '-' and '.' only inside a part; a '.' only between alphanumerics ("a..b", "a.-b" are not).
    if (i == 0 || i + 1 == name.size()) return false;
    if (c == '.' && (!isLowerAlphanumeric(name[i - 1]) || !isLowerAlphanumeric(name[i + 1])))
      return false;
  }
  return true;
}

}  // namespace ps::reconcile
