#include "api/pod_template.h"

#include "api/spec_fields.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

constexpr int64_t kMaxTolerationSeconds = 365 * 86400;  // one year, as the CRD says

std::optional<core::Rejection> readNodeSelector(const json& selector, const std::string& field,
                                                PodTemplate& pod) {
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
                                kMaxTolerationSeconds);
    if (!seconds) return seconds.rejection();
  }
  out.push_back(toleration);
  return std::nullopt;
}

std::optional<core::Rejection> readImagePullSecrets(const json& secrets, const std::string& field,
                                                    PodTemplate& pod) {
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

// --- affinity: the Pod API's shape, every list and string bounded ---

using Check = std::optional<core::Rejection>;
using Checker = Check (*)(const json&, const std::string&);

std::string at(const std::string& field, size_t index) {
  return field + "[" + std::to_string(index) + "]";
}

Check listOf(const json& list, const std::string& field, size_t maxItems, Checker check) {
  if (!list.is_array()) return specError(field, "must be a list");
  if (list.size() > maxItems) {
    return specError(field, "at most " + std::to_string(maxItems) + " entries");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (auto bad = check(list[i], at(field, i))) return bad;
  }
  return std::nullopt;
}

Check requiredString(const json& object, const char* key, const std::string& field,
                     size_t maxBytes) {
  if (!object.contains(key)) return specError(field + "." + key, "is required");
  auto text = boundedString(object[key], field + "." + key, maxBytes, false);
  if (!text) return text.rejection();
  return std::nullopt;
}

// One requirement of a selector: key, operator, values (label values are at most 63 bytes; a
// node field such as metadata.name up to 253).
Check requirement(const json& item, const std::string& field,
                  std::initializer_list<std::string_view> operators, size_t maxValueBytes) {
  if (!item.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(item, field, {"key", "operator", "values"})) return bad;
  if (auto bad = requiredString(item, "key", field, 317)) return bad;
  if (!item.contains("operator")) return specError(field + ".operator", "is required");
  if (auto bad = oneOf(item["operator"], field + ".operator", operators)) return bad;
  if (item.contains("values")) {
    return boundedStrings(item["values"], field + ".values", kMaxSelectorValues, maxValueBytes);
  }
  return std::nullopt;
}

Check nodeRequirement(const json& item, const std::string& field) {
  return requirement(item, field, {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"}, 253);
}

Check labelRequirement(const json& item, const std::string& field) {
  return requirement(item, field, {"In", "NotIn", "Exists", "DoesNotExist"}, 63);
}

Check nodeSelectorTerm(const json& term, const std::string& field) {
  if (!term.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(term, field, {"matchExpressions", "matchFields"})) return bad;
  for (const char* key : {"matchExpressions", "matchFields"}) {
    if (!term.contains(key)) continue;
    if (auto bad = listOf(term[key], field + "." + key, kMaxSelectorRequirements, nodeRequirement))
      return bad;
  }
  return std::nullopt;
}

Check labelSelector(const json& selector, const std::string& field) {
  if (!selector.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(selector, field, {"matchLabels", "matchExpressions"})) return bad;
  if (selector.contains("matchLabels")) {
    const json& labels = selector["matchLabels"];
    const std::string where = field + ".matchLabels";
    if (!labels.is_object()) return specError(where, "must be a map of strings");
    if (labels.size() > kMaxMatchLabels) {
      return specError(where, "at most " + std::to_string(kMaxMatchLabels) + " entries");
    }
    for (const auto& [key, value] : labels.items()) {
      if (key.empty() || key.size() > 317) return specError(where, "a key is not a label name");
      if (auto text = boundedString(value, where + "." + key, 63); !text) return text.rejection();
    }
  }
  if (selector.contains("matchExpressions")) {
    return listOf(selector["matchExpressions"], field + ".matchExpressions",
                  kMaxSelectorRequirements, labelRequirement);
  }
  return std::nullopt;
}

Check podAffinityTerm(const json& term, const std::string& field) {
  if (!term.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(term, field,
                              {"labelSelector", "namespaceSelector", "namespaces", "topologyKey",
                               "matchLabelKeys", "mismatchLabelKeys"})) {
    return bad;
  }
  if (auto bad = requiredString(term, "topologyKey", field, 317)) return bad;
  for (const char* key : {"labelSelector", "namespaceSelector"}) {
    if (!term.contains(key)) continue;
    if (auto bad = labelSelector(term[key], field + "." + key)) return bad;
  }
  if (term.contains("namespaces")) {
    if (auto bad =
            boundedStrings(term["namespaces"], field + ".namespaces", kMaxAffinityNamespaces, 63)) {
      return bad;
    }
  }
  for (const char* key : {"matchLabelKeys", "mismatchLabelKeys"}) {
    if (!term.contains(key)) continue;
    if (auto bad = boundedStrings(term[key], field + "." + key, kMaxSelectorRequirements, 317))
      return bad;
  }
  return std::nullopt;
}

// {weight: 1..100, <inner>: ...}, the shape of every preferred... entry.
Check weighted(const json& item, const std::string& field, const char* inner, Checker check) {
  if (!item.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(item, field, {"weight", inner})) return bad;
  if (!item.contains("weight")) return specError(field + ".weight", "is required");
  if (auto weight = integerField(item["weight"], field + ".weight", 1, 100); !weight)
    return weight.rejection();
  if (!item.contains(inner)) return specError(field + "." + inner, "is required");
  return check(item[inner], field + "." + inner);
}

Check preferredNode(const json& item, const std::string& field) {
  return weighted(item, field, "preference", nodeSelectorTerm);
}

Check preferredPod(const json& item, const std::string& field) {
  return weighted(item, field, "podAffinityTerm", podAffinityTerm);
}

constexpr const char* kRequired = "requiredDuringSchedulingIgnoredDuringExecution";
constexpr const char* kPreferred = "preferredDuringSchedulingIgnoredDuringExecution";

Check nodeAffinity(const json& affinity, const std::string& field) {
  if (!affinity.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(affinity, field, {kRequired, kPreferred})) return bad;
  if (affinity.contains(kRequired)) {
    const json& selector = affinity[kRequired];
    const std::string where = field + "." + kRequired;
    if (!selector.is_object()) return specError(where, "must be an object");
    if (auto bad = unknownField(selector, where, {"nodeSelectorTerms"})) return bad;
    const auto terms = selector.find("nodeSelectorTerms");
    if (terms == selector.end() || (terms->is_array() && terms->empty())) {
      return specError(where + ".nodeSelectorTerms", "needs at least one term");
    }
    if (auto bad =
            listOf(*terms, where + ".nodeSelectorTerms", kMaxAffinityTerms, nodeSelectorTerm))
      return bad;
  }
  if (affinity.contains(kPreferred)) {
    return listOf(affinity[kPreferred], field + "." + kPreferred, kMaxAffinityTerms, preferredNode);
  }
  return std::nullopt;
}

Check podAffinity(const json& affinity, const std::string& field) {
  if (!affinity.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(affinity, field, {kRequired, kPreferred})) return bad;
  if (affinity.contains(kRequired)) {
    if (auto bad = listOf(affinity[kRequired], field + "." + kRequired, kMaxAffinityTerms,
                          podAffinityTerm)) {
      return bad;
    }
  }
  if (affinity.contains(kPreferred)) {
    return listOf(affinity[kPreferred], field + "." + kPreferred, kMaxAffinityTerms, preferredPod);
  }
  return std::nullopt;
}

Check readAffinity(const json& affinity, const std::string& field) {
  if (!affinity.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(affinity, field, {"nodeAffinity", "podAffinity", "podAntiAffinity"}))
    return bad;
  if (affinity.contains("nodeAffinity")) {
    if (auto bad = nodeAffinity(affinity["nodeAffinity"], field + ".nodeAffinity")) return bad;
  }
  for (const char* key : {"podAffinity", "podAntiAffinity"}) {
    if (!affinity.contains(key)) continue;
    if (auto bad = podAffinity(affinity[key], field + "." + key)) return bad;
  }
  return std::nullopt;
}

}  // namespace

core::Result<PodTemplate> parsePodTemplate(const json& object, const std::string& field) {
  if (!object.is_object()) return specError(field, "must be an object");
  if (auto bad = unknownField(object, field,
                              {"nodeSelector", "tolerations", "affinity", "priorityClassName",
                               "imagePullSecrets", "runtimeClassName"})) {
    return *bad;
  }
  PodTemplate pod;
  if (object.contains("nodeSelector")) {
    if (auto bad = readNodeSelector(object["nodeSelector"], field + ".nodeSelector", pod))
      return *bad;
  }
  if (object.contains("tolerations")) {
    const json& tolerations = object["tolerations"];
    if (!tolerations.is_array()) return specError(field + ".tolerations", "must be a list");
    if (tolerations.size() > kMaxTolerations) {
      return specError(field + ".tolerations",
                       "at most " + std::to_string(kMaxTolerations) + " tolerations");
    }
    for (size_t i = 0; i < tolerations.size(); ++i) {
      if (auto bad = readToleration(tolerations[i], at(field + ".tolerations", i), pod.tolerations))
        return *bad;
    }
  }
  if (object.contains("affinity")) {
    if (auto bad = readAffinity(object["affinity"], field + ".affinity")) return *bad;
    pod.affinity = object["affinity"];
  }
  if (object.contains("priorityClassName")) {
    auto name = requiredName(object, "priorityClassName", field + ".priorityClassName");
    if (!name) return name.rejection();
    pod.priorityClassName = *name;
  }
  if (object.contains("imagePullSecrets")) {
    if (auto bad =
            readImagePullSecrets(object["imagePullSecrets"], field + ".imagePullSecrets", pod)) {
      return *bad;
    }
  }
  if (object.contains("runtimeClassName")) {
    auto name = requiredName(object, "runtimeClassName", field + ".runtimeClassName");
    if (!name) return name.rejection();
    pod.runtimeClassName = *name;
  }
  return pod;
}

PodTemplate withDefaults(const std::optional<PodTemplate>& own, const PodTemplate& defaults) {
  if (!own) return defaults;
  PodTemplate merged = *own;
  if (merged.nodeSelector.empty()) merged.nodeSelector = defaults.nodeSelector;
  if (merged.tolerations.empty()) merged.tolerations = defaults.tolerations;
  if (merged.affinity.empty()) merged.affinity = defaults.affinity;
  if (!merged.priorityClassName) merged.priorityClassName = defaults.priorityClassName;
  if (merged.imagePullSecrets.empty()) merged.imagePullSecrets = defaults.imagePullSecrets;
  if (!merged.runtimeClassName) merged.runtimeClassName = defaults.runtimeClassName;
  return merged;
}

}  // namespace ps::reconcile
