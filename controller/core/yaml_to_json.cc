#include "core/yaml_to_json.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>

#include "core/strict_json.h"

namespace ps::core {
namespace {

constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxNodes = 100000;  // aliases can repeat a subtree: bound the expansion
constexpr std::size_t kMaxScalarBytes = 4096;

bool matches(const std::string& text, const char* pattern) {
  return std::regex_match(text, std::regex(pattern));  // scalars are bounded before this
}

std::optional<nlohmann::json> resolvePlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nlohmann::json();
  if (text == "true" || text == "True" || text == "TRUE") return nlohmann::json(true);
  if (text == "false" || text == "False" || text == "FALSE") return nlohmann::json(false);
  auto integer = [&](std::string_view digits, int base,
                     bool negative) -> std::optional<nlohmann::json> {
    int64_t value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return nlohmann::json(negative ? -value : value);
  };
  if (matches(text, "[-+]?[0-9]+")) {
    std::string_view digits(text);
    bool negative = digits[0] == '-';
    if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
    return integer(digits, 10, negative);
  }
  if (matches(text, "0o[0-7]+")) return integer(std::string_view(text).substr(2), 8, false);
  if (matches(text, "0x[0-9a-fA-F]+")) return integer(std::string_view(text).substr(2), 16, false);
  if (matches(text, "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?")) {
    return nlohmann::json(std::stod(text));
  }
  if (matches(text, "[-+]?\\.(inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN")) return std::nullopt;
  return nlohmann::json(text);
}

class Converter {
 public:
  explicit Converter(std::string what) : what_(std::move(what)) {}
  Result<nlohmann::json> convert(const YAML::Node& node, int depth);

 private:
  Result<nlohmann::json> scalar(const YAML::Node& node);
  Result<nlohmann::json> map(const YAML::Node& node, int depth);

  std::string what_;
  std::size_t nodes_ = 0;
};

Result<nlohmann::json> Converter::scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (text.size() > kMaxScalarBytes)
    return reject("json", what_ + ": a scalar is longer than 4096 bytes");
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return nlohmann::json(text);  // quoted or !!str
  if (tag != "?")
    return reject("json", what_ + ": YAML tag \"" + tag.substr(0, 64) + "\" is not supported");
  auto value = resolvePlainScalar(text);
  if (!value) return reject("json", what_ + ": \"" + text + "\" has no JSON equivalent");
  return *value;
}

Result<nlohmann::json> Converter::map(const YAML::Node& node, int depth) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return reject("json", what_ + ": a mapping key is not a string");
    const std::string& key = entry.first.Scalar();
    if (key.size() > kMaxScalarBytes)
      return reject("json", what_ + ": a key is longer than 4096 bytes");
    if (object.contains(key))
      return reject("json", what_ + " has a duplicate key \"" + key.substr(0, 64) + "\"");
    auto value = convert(entry.second, depth + 1);
    if (!value) return value;
    object[key] = std::move(*value);
  }
  return object;
}

Result<nlohmann::json> Converter::convert(const YAML::Node& node, int depth) {
  if (depth > kMaxDepth)
    return reject("json", what_ + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
  if (++nodes_ > kMaxNodes) return reject("json", what_ + " expands to more than 100000 nodes");
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nlohmann::json();
    case YAML::NodeType::Scalar:
      return scalar(node);
    case YAML::NodeType::Map:
      return map(node, depth);
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) {
        auto value = convert(item, depth + 1);
        if (!value) return value;
        array.push_back(std::move(*value));
      }
      return array;
    }
    default:
      return reject("json", what_ + ": undefined YAML node");
  }
}

// yaml-cpp's parser recurses per nesting level: refuse deep flow or block nesting before it
// sees the text. Counting brackets and indentation steps over-approximates, which is fine here.
bool looksTooDeep(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<nlohmann::json> yamlToJson(std::string_view text, std::string_view what) {
  const std::string name(what);
  if (findInvalidUtf8(text) != std::string_view::npos)
    return reject("json", name + " is not valid UTF-8");
  if (looksTooDeep(text))
    return reject("json", name + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return Converter(name).convert(root, 0);
  } catch (const YAML::Exception& error) {
    return reject("json", name + " is not valid YAML: " + error.msg + " (line " +
                              std::to_string(error.mark.line + 1) + ")");
  }
}

}  // namespace ps::core
