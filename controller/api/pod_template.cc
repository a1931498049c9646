#include "api/pod_template.h"

#include "api/spec_fields.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

constexpr int64_t kMaxTolerationSeconds = 365 * 86400;  // one year, as the CRD says

core::Check readNodeSelector(const json& selector, const std::string& field, PodTemplate& pod) {
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
  return core::accepted();
}

core::Check readToleration(const json& toleration, const std::string& field, json& out) {
  if (!toleration.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(toleration, field,
                                  {"key", "operator", "value", "effect", "tolerationSeconds"});
      !checked) {
    return checked.rejection();
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
    if (auto checked = oneOf(toleration["operator"], field + ".operator", {"Exists", "Equal"});
        !checked) {
      return checked.rejection();
    }
  }
  if (toleration.contains("effect")) {
    if (auto checked = oneOf(toleration["effect"], field + ".effect",
                             {"NoSchedule", "PreferNoSchedule", "NoExecute"});
        !checked) {
      return checked.rejection();
    }
  }
  if (toleration.contains("tolerationSeconds")) {
    auto seconds = integerField(toleration["tolerationSeconds"], field + ".tolerationSeconds", 0,
                                kMaxTolerationSeconds);
    if (!seconds) return seconds.rejection();
  }
  out.push_back(toleration);
  return core::accepted();
}

core::Check readImagePullSecrets(const json& secrets, const std::string& field, PodTemplate& pod) {
  if (!secrets.is_array()) return specError(field, "must be a list of {name: ...}");
  if (secrets.size() > kMaxImagePullSecrets) {
    return specError(field, "at most " + std::to_string(kMaxImagePullSecrets) + " secrets");
  }
  for (const auto& secret : secrets) {
    if (!secret.is_object()) return specError(field, "must be a list of {name: ...}");
    if (auto checked = unknownField(secret, field, {"name"}); !checked) return checked.rejection();
    auto name = requiredName(secret, "name", field + "[].name");
    if (!name) return name.rejection();
    pod.imagePullSecrets.push_back(*name);
  }
  return core::accepted();
}

// --- affinity: the Pod API's shape, every list and string bounded ---

using Checker = core::Check (*)(const json&, const std::string&);

std::string at(const std::string& field, size_t index) {
  return field + "[" + std::to_string(index) + "]";
}

core::Check listOf(const json& list, const std::string& field, size_t maxItems, Checker check) {
  if (!list.is_array()) return specError(field, "must be a list");
  if (list.size() > maxItems) {
    return specError(field, "at most " + std::to_string(maxItems) + " entries");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (auto checked = check(list[i], at(field, i)); !checked) return checked.rejection();
  }
  return core::accepted();
}

core::Check requiredString(const json& object, const char* key, const std::string& field,
                           size_t maxBytes) {
  if (!object.contains(key)) return specError(field + "." + key, "is required");
  auto text = boundedString(object[key], field + "." + key, maxBytes, false);
  if (!text) return text.rejection();
  return core::accepted();
}

// One requirement of a selector: key, operator, values (label values are at most 63 bytes; a
// node field such as metadata.name up to 253).
core::Check requirement(const json& item, const std::string& field,
                        std::initializer_list<std::string_view> operators, size_t maxValueBytes) {
  if (!item.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(item, field, {"key", "operator", "values"}); !checked)
    return checked.rejection();
  if (auto checked = requiredString(item, "key", field, 317); !checked) return checked.rejection();
  if (!item.contains("operator")) return specError(field + ".operator", "is required");
  if (auto checked = oneOf(item["operator"], field + ".operator", operators); !checked)
    return checked.rejection();
  if (item.contains("values")) {
    return boundedStrings(item["values"], field + ".values", kMaxSelectorValues, maxValueBytes);
  }
  return core::accepted();
}

core::Check nodeRequirement(const json& item, const std::string& field) {
  return requirement(item, field, {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"}, 253);
}

core::Check labelRequirement(const json& item, const std::string& field) {
  return requirement(item, field, {"In", "NotIn", "Exists", "DoesNotExist"}, 63);
}

core::Check nodeSelectorTerm(const json& term, const std::string& field) {
  if (!term.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(term, field, {"matchExpressions", "matchFields"}); !checked)
    return checked.rejection();
  for (const char* key : {"matchExpressions", "matchFields"}) {
    if (!term.contains(key)) continue;
    if (auto checked =
            listOf(term[key], field + "." + key, kMaxSelectorRequirements, nodeRequirement);
        !checked)
      return checked.rejection();
  }
  return core::accepted();
}

core::Check labelSelector(const json& selector, const std::string& field) {
  if (!selector.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(selector, field, {"matchLabels", "matchExpressions"}); !checked)
    return checked.rejection();
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
  return core::accepted();
}

core::Check podAffinityTerm(const json& term, const std::string& field) {
  if (!term.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(term, field,
                                  {"labelSelector", "namespaceSelector", "namespaces",
                                   "topologyKey", "matchLabelKeys", "mismatchLabelKeys"});
      !checked) {
    return checked.rejection();
  }
  if (auto checked = requiredString(term, "topologyKey", field, 317); !checked)
    return checked.rejection();
  for (const char* key : {"labelSelector", "namespaceSelector"}) {
    if (!term.contains(key)) continue;
    if (auto checked = labelSelector(term[key], field + "." + key); !checked)
      return checked.rejection();
  }
  if (term.contains("namespaces")) {
    if (auto checked =
            boundedStrings(term["namespaces"], field + ".namespaces", kMaxAffinityNamespaces, 63);
        !checked) {
      return checked.rejection();
    }
  }
  for (const char* key : {"matchLabelKeys", "mismatchLabelKeys"}) {
    if (!term.contains(key)) continue;
    if (auto checked = boundedStrings(term[key], field + "." + key, kMaxSelectorRequirements, 317);
        !checked)
      return checked.rejection();
  }
  return core::accepted();
}

// {weight: 1..100, <inner>: ...}, the shape of every preferred... entry.
core::Check weighted(const json& item, const std::string& field, const char* inner, Checker check) {
  if (!item.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(item, field, {"weight", inner}); !checked)
    return checked.rejection();
  if (!item.contains("weight")) return specError(field + ".weight", "is required");
  if (auto weight = integerField(item["weight"], field + ".weight", 1, 100); !weight)
    return weight.rejection();
  if (!item.contains(inner)) return specError(field + "." + inner, "is required");
  return check(item[inner], field + "." + inner);
}

core::Check preferredNode(const json& item, const std::string& field) {
  return weighted(item, field, "preference", nodeSelectorTerm);
}

core::Check preferredPod(const json& item, const std::string& field) {
  return weighted(item, field, "podAffinityTerm", podAffinityTerm);
}

constexpr const char* kRequired = "requiredDuringSchedulingIgnoredDuringExecution";
constexpr const char* kPreferred = "preferredDuringSchedulingIgnoredDuringExecution";

core::Check nodeAffinity(const json& affinity, const std::string& field) {
  if (!affinity.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(affinity, field, {kRequired, kPreferred}); !checked)
    return checked.rejection();
  if (affinity.contains(kRequired)) {
    const json& selector = affinity[kRequired];
    const std::string where = field + "." + kRequired;
    if (!selector.is_object()) return specError(where, "must be an object");
    if (auto checked = unknownField(selector, where, {"nodeSelectorTerms"}); !checked)
      return checked.rejection();
    const auto terms = selector.find("nodeSelectorTerms");
    if (terms == selector.end() || (terms->is_array() && terms->empty())) {
      return specError(where + ".nodeSelectorTerms", "needs at least one term");
    }
    if (auto checked =
            listOf(*terms, where + ".nodeSelectorTerms", kMaxAffinityTerms, nodeSelectorTerm);
        !checked)
      return checked.rejection();
  }
  if (affinity.contains(kPreferred)) {
    return listOf(affinity[kPreferred], field + "." + kPreferred, kMaxAffinityTerms, preferredNode);
  }
  return core::accepted();
}

core::Check podAffinity(const json& affinity, const std::string& field) {
  if (!affinity.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(affinity, field, {kRequired, kPreferred}); !checked)
    return checked.rejection();
  if (affinity.contains(kRequired)) {
    if (auto checked = listOf(affinity[kRequired], field + "." + kRequired, kMaxAffinityTerms,
                              podAffinityTerm);
        !checked) {
      return checked.rejection();
    }
  }
  if (affinity.contains(kPreferred)) {
    return listOf(affinity[kPreferred], field + "." + kPreferred, kMaxAffinityTerms, preferredPod);
  }
  return core::accepted();
}

core::Check readAffinity(const json& affinity, const std::string& field) {
  if (!affinity.is_object()) return specError(field, "must be an object");
  if (auto checked =
          unknownField(affinity, field, {"nodeAffinity", "podAffinity", "podAntiAffinity"});
      !checked)
    return checked.rejection();
  if (affinity.contains("nodeAffinity")) {
    if (auto checked = nodeAffinity(affinity["nodeAffinity"], field + ".nodeAffinity"); !checked)
      return checked.rejection();
  }
  for (const char* key : {"podAffinity", "podAntiAffinity"}) {
    if (!affinity.contains(key)) continue;
    if (auto checked = podAffinity(affinity[key], field + "." + key); !checked)
      return checked.rejection();
  }
  return core::accepted();
}

}  // namespace

core::Result<PodTemplate> parsePodTemplate(const json& object, const std::string& field) {
  if (!object.is_object()) return specError(field, "must be an object");
  if (auto checked = unknownField(object, field,
                                  {"nodeSelector", "tolerations", "affinity", "priorityClassName",
                                   "imagePullSecrets", "runtimeClassName"});
      !checked) {
    return checked.rejection();
  }
  PodTemplate pod;
  if (object.contains("nodeSelector")) {
    if (auto checked = readNodeSelector(object["nodeSelector"], field + ".nodeSelector", pod);
        !checked)
      return checked.rejection();
  }
  if (object.contains("tolerations")) {
    const json& tolerations = object["tolerations"];
    if (!tolerations.is_array()) return specError(field + ".tolerations", "must be a list");
    if (tolerations.size() > kMaxTolerations) {
      return specError(field + ".tolerations",
                       "at most " + std::to_string(kMaxTolerations) + " tolerations");
    }
    for (size_t i = 0; i < tolerations.size(); ++i) {
      if (auto checked =
              readToleration(tolerations[i], at(field + ".tolerations", i), pod.tolerations);
          !checked)
        return checked.rejection();
    }
  }
  if (object.contains("affinity")) {
    if (auto checked = readAffinity(object["affinity"], field + ".affinity"); !checked)
      return checked.rejection();
    pod.affinity = object["affinity"];
  }
  if (object.contains("priorityClassName")) {
    auto name = requiredName(object, "priorityClassName", field + ".priorityClassName");
    if (!name) return name.rejection();
    pod.priorityClassName = *name;
  }
  if (object.contains("imagePullSecrets")) {
    if (auto checked =
            readImagePullSecrets(object["imagePullSecrets"], field + ".imagePullSecrets", pod);
        !checked) {
      return checked.rejection();
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
