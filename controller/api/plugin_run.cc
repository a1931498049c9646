#include "api/plugin_run.h"

#include <initializer_list>
#include <limits>

namespace ps::reconcile {
namespace {

using nlohmann::json;

core::Rejection specError(const std::string& field, const std::string& problem) {
  return core::reject("spec", field + ": " + problem);
}

bool isAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// An unknown field is most often a typo ("timeoutSecond"): refusing it beats ignoring it.
std::optional<core::Rejection> unknownField(const json& object, const std::string& where,
                                            std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (auto name : known) found = found || key == name;
    if (!found) return specError(where + "." + key, "unknown field");
  }
  return std::nullopt;
}

core::Result<std::string> requiredName(const json& object, const char* key,
                                       const std::string& field) {
  const auto found = object.find(key);
  if (found == object.end()) return specError(field, "is required");
  if (!found->is_string()) return specError(field, "must be a string");
  const auto& name = found->get_ref<const std::string&>();
  if (!isDnsSubdomain(name)) {
    return specError(field, "\"" + name.substr(0, 64) + "\" is not a valid object name");
  }
  return name;
}

// A whole number in [minimum, maximum]; JSON floats like 1.5 and booleans are refused.
core::Result<int64_t> integerField(const json& value, const std::string& field, int64_t minimum,
                                   int64_t maximum) {
  if (!value.is_number_integer()) return specError(field, "must be an integer");
  const std::string tooLarge = "must be at most " + std::to_string(maximum);
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(maximum)) {
    return specError(field, tooLarge);
  }
  const auto number = value.get<int64_t>();
  if (number < minimum) return specError(field, "must be at least " + std::to_string(minimum));
  if (number > maximum) return specError(field, tooLarge);
  return number;
}

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

std::optional<core::Rejection> readMetadata(const json& object, PluginRun& run) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    return specError("metadata", "is required");
  }
  auto name = requiredName(*metadata, "name", "metadata.name");
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
  return std::nullopt;
}

std::optional<core::Rejection> readInput(const json& input, PluginRun& run) {
  if (!input.is_object()) return specError("spec.input", "must be an object");
  if (auto bad = unknownField(input, "spec.input", {"configMap", "persistentVolumeClaim"})) {
    return bad;
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
  return std::nullopt;
}

std::optional<core::Rejection> readArgs(const json& args, PluginRun& run) {
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
  return std::nullopt;
}

std::optional<core::Rejection> readResources(const json& resources, PluginRun& run) {
  if (!resources.is_object()) return specError("spec.resources", "must be an object");
  if (auto bad = unknownField(resources, "spec.resources", {"limits"})) return bad;
  if (!resources.contains("limits")) return std::nullopt;
  const auto& limits = resources["limits"];
  if (!limits.is_object()) return specError("spec.resources.limits", "must be an object");
  if (auto bad = unknownField(limits, "spec.resources.limits", {"cpu", "memory"})) return bad;
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
  return std::nullopt;
}

// A string of at most `maxBytes`, "" allowed only when `allowEmpty`.
core::Result<std::string> boundedString(const json& value, const std::string& field,
                                        size_t maxBytes, bool allowEmpty = true) {
  if (!value.is_string()) return specError(field, "must be a string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > maxBytes) {
    return specError(field, "longer than " + std::to_string(maxBytes) + " bytes");
  }
  if (!allowEmpty && text.empty()) return specError(field, "must not be empty");
  return text;
}

std::optional<core::Rejection> oneOf(const json& value, const std::string& field,
                                     std::initializer_list<std::string_view> allowed) {
  if (value.is_string()) {
    for (auto name : allowed) {
      if (value.get_ref<const std::string&>() == name) return std::nullopt;
    }
  }
  std::string list;
  for (auto name : allowed) list += std::string(list.empty() ? "" : ", ") + std::string(name);
  return specError(field, "must be one of " + list);
}

std::optional<core::Rejection> readNodeSelector(const json& selector, PodTemplate& pod) {
  const std::string field = "spec.podTemplate.nodeSelector";
  if (!selector.is_object()) return specError(field, "must be a map of strings");
  if (selector.size() > kMaxNodeSelectorEntries) {
    return specError(field, "at most " + std::to_string(kMaxNodeSelectorEntries) + " entries");
  }
  for (const auto& [key, value] : selector.items()) {
    if (key.empty() || key.size() > 317) return specError(field, "a key is not a label name");
    auto text = boundedString(value, field + "." + key, 63);
    if (!text) return text.rejection();
    pod.nodeSelector[key] = *text;
  }
  return std::nullopt;
}

std::optional<core::Rejection> readToleration(const json& toleration, const std::string& field,
                                              json& out) {
  if (!toleration.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(toleration, field,
                              {"key", "operator", "value", "effect", "tolerationSeconds"})) {
    return bad;
  }
  if (toleration.contains("key")) {
    if (auto key = boundedString(toleration["key"], field + ".key", 317); !key) {
      return key.rejection();
    }
  }
  if (toleration.contains("value")) {
    if (auto value = boundedString(toleration["value"], field + ".value", 63); !value) {
      return value.rejection();
    }
  }
  if (toleration.contains("operator")) {
    if (auto bad = oneOf(toleration["operator"], field + ".operator", {"Exists", "Equal"})) {
      return bad;
    }
  }
  if (toleration.contains("effect")) {
    if (auto bad = oneOf(toleration["effect"], field + ".effect",
                         {"NoSchedule", "PreferNoSchedule", "NoExecute"})) {
      return bad;
    }
  }
  if (toleration.contains("tolerationSeconds")) {
    auto seconds = integerField(toleration["tolerationSeconds"], field + ".tolerationSeconds", 0,
                                kMaxTtlSeconds);
    if (!seconds) return seconds.rejection();
  }
  out.push_back(toleration);
  return std::nullopt;
}

std::optional<core::Rejection> readImagePullSecrets(const json& secrets, PodTemplate& pod) {
  const std::string field = "spec.podTemplate.imagePullSecrets";
  if (!secrets.is_array()) return specError(field, "must be a list of {name: ...}");
  if (secrets.size() > kMaxImagePullSecrets) {
    return specError(field, "at most " + std::to_string(kMaxImagePullSecrets) + " secrets");
  }
  for (const auto& secret : secrets) {
    if (!secret.is_object()) return specError(field, "must be a list of {name: ...}");
    if (auto bad = unknownField(secret, field, {"name"})) return bad;
    auto name = requiredName(secret, "name", field + "[].name");
    if (!name) return name.rejection();
    pod.imagePullSecrets.push_back(*name);
  }
  return std::nullopt;
}

std::optional<core::Rejection> readPodTemplate(const json& object, PluginRun& run) {
  const std::string field = "spec.podTemplate";
  if (!object.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(object, field,
                              {"nodeSelector", "tolerations", "priorityClassName",
                               "imagePullSecrets", "runtimeClassName"})) {
    return bad;
  }
  PodTemplate pod;
  if (object.contains("nodeSelector")) {
    if (auto bad = readNodeSelector(object["nodeSelector"], pod)) return bad;
  }
  if (object.contains("tolerations")) {
    const json& tolerations = object["tolerations"];
    if (!tolerations.is_array()) return specError(field + ".tolerations", "must be a list");
    if (tolerations.size() > kMaxTolerations) {
      return specError(field + ".tolerations",
                       "at most " + std::to_string(kMaxTolerations) + " tolerations");
    }
    for (size_t i = 0; i < tolerations.size(); ++i) {
      const std::string at = field + ".tolerations[" + std::to_string(i) + "]";
      if (auto bad = readToleration(tolerations[i], at, pod.tolerations)) return bad;
    }
  }
  if (object.contains("priorityClassName")) {
    auto name = requiredName(object, "priorityClassName", field + ".priorityClassName");
    if (!name) return name.rejection();
    pod.priorityClassName = *name;
  }
  if (object.contains("imagePullSecrets")) {
    if (auto bad = readImagePullSecrets(object["imagePullSecrets"], pod)) return bad;
  }
  if (object.contains("runtimeClassName")) {
    auto name = requiredName(object, "runtimeClassName", field + ".runtimeClassName");
    if (!name) return name.rejection();
    pod.runtimeClassName = *name;
  }
  run.podTemplate = std::move(pod);
  return std::nullopt;
}

std::optional<core::Rejection> readSpec(const json& spec, PluginRun& run) {
  if (auto bad = unknownField(
          spec, "spec",
          {"plugin", "input", "args", "timeoutSeconds", "resources", "ttlSecondsAfterFinished",
           "ttlSecondsAfterFailure", "status", "podTemplate"})) {
    return bad;
  }
  const auto plugin = spec.find("plugin");
  if (plugin == spec.end() || !plugin->is_object()) return specError("spec.plugin", "is required");
  if (auto bad = unknownField(*plugin, "spec.plugin", {"configMap"})) return bad;
  auto configMap = requiredName(*plugin, "configMap", "spec.plugin.configMap");
  if (!configMap) return configMap.rejection();
  run.pluginConfigMap = *configMap;
  if (spec.contains("input")) {
    if (auto bad = readInput(spec["input"], run)) return bad;
  }
  if (spec.contains("args")) {
    if (auto bad = readArgs(spec["args"], run)) return bad;
  }
  if (spec.contains("timeoutSeconds")) {
    auto timeout =
        integerField(spec["timeoutSeconds"], "spec.timeoutSeconds", 1, kMaxTimeoutSeconds);
    if (!timeout) return timeout.rejection();
    run.timeoutSeconds = *timeout;
  }
  if (spec.contains("resources")) {
    if (auto bad = readResources(spec["resources"], run)) return bad;
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
    if (auto bad = readPodTemplate(spec["podTemplate"], run)) return bad;
  }
  return std::nullopt;
}

}  // namespace

bool isDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!isAlphanumeric(name.front()) || !isAlphanumeric(name.back())) return false;
  for (char c : name) {
    if (!isAlphanumeric(c) && c != '-') return false;
  }
  return true;
}

bool isDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    if (!isDnsLabel(name.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

core::Result<PluginRun> parsePluginRun(const json& object) {
  if (!object.is_object()) return specError("PluginRun", "must be an object");
  if (object.value("apiVersion", json()) != kApiVersion) {
    return specError("apiVersion", std::string("must be ") + kApiVersion);
  }
  if (object.value("kind", json()) != kKind) return specError("kind", "must be PluginRun");
  PluginRun run;
  if (auto bad = readMetadata(object, run)) return *bad;
  const auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return specError("spec", "is required");
  if (auto bad = readSpec(*spec, run)) return *bad;
  return run;
}

}  // namespace ps::reconcile
