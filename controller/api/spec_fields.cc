#include "api/spec_fields.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

bool isAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

core::Rejection specError(const std::string& field, const std::string& problem) {
  return core::reject("spec", field + ": " + problem);
}

core::Check unknownField(const json& object, const std::string& where,
                         std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (auto name : known) found = found || key == name;
    if (!found) return specError(where + "." + key, "unknown field");
  }
  return core::accepted();
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

core::Result<std::string> boundedString(const json& value, const std::string& field,
                                        size_t maxBytes, bool allowEmpty) {
  if (!value.is_string()) return specError(field, "must be a string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > maxBytes) {
    return specError(field, "longer than " + std::to_string(maxBytes) + " bytes");
  }
  if (!allowEmpty && text.empty()) return specError(field, "must not be empty");
  return text;
}

core::Check oneOf(const json& value, const std::string& field,
                  std::initializer_list<std::string_view> allowed) {
  if (value.is_string()) {
    for (auto name : allowed) {
      if (value.get_ref<const std::string&>() == name) return core::accepted();
    }
  }
  std::string list;
  for (auto name : allowed) list += std::string(list.empty() ? "" : ", ") + std::string(name);
  return specError(field, "must be one of " + list);
}

core::Check boundedStrings(const json& value, const std::string& field, size_t maxItems,
                           size_t maxBytes) {
  if (!value.is_array()) return specError(field, "must be a list of strings");
  if (value.size() > maxItems) {
    return specError(field, "at most " + std::to_string(maxItems) + " entries");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    auto text = boundedString(value[i], field + "[" + std::to_string(i) + "]", maxBytes);
    if (!text) return text.rejection();
  }
  return core::accepted();
}

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

}  // namespace ps::reconcile
