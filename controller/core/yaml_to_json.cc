#include "core/yaml_to_json.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/number_parse.h"
#include "core/strict_json.h"

namespace ps::core {
namespace {

constexpr std::size_t kMaxDepth = 32;
constexpr std::size_t kMaxNodes = 100000;      // aliases can repeat a subtree: bound the expansion
constexpr std::size_t kMaxScalarBytes = 1024;  // bounds std::regex recursion too

// The YAML 1.2 core schema's patterns, compiled once (constructing a std::regex is costly).
// Scalars are bounded to kMaxScalarBytes before any of these runs.
const std::regex kDecimalInt("[-+]?[0-9]+");
const std::regex kOctalInt("0o[0-7]+");
const std::regex kHexInt("0x[0-9a-fA-F]+");
const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
const std::regex kInfOrNan("[-+]?\\.(inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN");

bool matches(const std::string& text, const std::regex& pattern) {
  return std::regex_match(text, pattern);
}

// A plain scalar by the core schema's rules; the rejection's message says why it has no JSON value.
Result<nlohmann::json> resolvePlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nlohmann::json();
  if (text == "true" || text == "True" || text == "TRUE") return nlohmann::json(true);
  if (text == "false" || text == "False" || text == "FALSE") return nlohmann::json(false);
  const std::string quoted = "\"" + text.substr(0, 64) + "\"";
  auto integer = [&](std::string_view digits, int base) -> Result<nlohmann::json> {
    if (auto value = parseInt64(digits, base)) return nlohmann::json(*value);
    return reject("json", "holds the integer " + quoted + ", which is outside the 64-bit range");
  };
  if (matches(text, kDecimalInt)) return integer(text, 10);
  if (matches(text, kOctalInt)) return integer(std::string_view(text).substr(2), 8);
  if (matches(text, kHexInt)) return integer(std::string_view(text).substr(2), 16);
  if (matches(text, kFloat)) {
    if (auto value = parseFiniteDouble(text)) return nlohmann::json(*value);
    return reject("json",
                  "holds the number " + quoted + ", which is outside the range of a 64-bit float");
  }
  if (matches(text, kInfOrNan))
    return reject("json", "holds " + quoted + ", which has no JSON equivalent");
  return nlohmann::json(text);
}

struct YamlRefusal {
  std::string message;
};

// Builds JSON straight from the parser's events: no node graph, so an alias can never be
// expanded (yaml-cpp's node API also becomes very slow on aliases), and every limit is checked
// as the events arrive.
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(std::string what) : what_(std::move(what)) {}
  nlohmann::json take() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { add(nlohmann::json()); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {
    refuse("uses a YAML alias, which is not supported");
  }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    add(scalar(tag, value));
  }
  void OnSequenceStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(tag, nlohmann::json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(tag, nlohmann::json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    nlohmann::json value;
    std::optional<std::string> key;  // for maps: the key waiting for its value
  };

  [[noreturn]] void refuse(const std::string& why) { throw YamlRefusal{what_ + " " + why}; }

  nlohmann::json scalar(const std::string& tag, const std::string& text) {
    if (text.size() > kMaxScalarBytes)
      refuse("has a scalar longer than " + std::to_string(kMaxScalarBytes) + " bytes");
    if (tag == "!" || tag == "tag:yaml.org,2002:str")
      return nlohmann::json(text);  // quoted or !!str
    if (tag != "?")
      refuse("uses the YAML tag \"" + tag.substr(0, 64) + "\", which is not supported");
    auto value = resolvePlainScalar(text);
    if (!value) refuse(value.rejection().message);
    return std::move(value).value();
  }

  void open(const std::string& tag, nlohmann::json container) {
    if (tag != "?" && tag != "!")
      refuse("uses the YAML tag \"" + tag.substr(0, 64) + "\", which is not supported");
    if (stack_.size() >= kMaxDepth)
      refuse("nests deeper than " + std::to_string(kMaxDepth) + " levels");
    count();
    stack_.push_back(Frame{std::move(container), std::nullopt});
  }

  void close() {
    nlohmann::json value = std::move(stack_.back().value);
    stack_.pop_back();
    place(std::move(value));
  }

  void add(nlohmann::json value) {
    count();
    place(std::move(value));
  }

  void place(nlohmann::json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& frame = stack_.back();
    if (frame.value.is_array()) {
      frame.value.push_back(std::move(value));
    } else if (!frame.key) {
      if (!value.is_string()) refuse("has a mapping key that is not a string");
      const auto& key = value.get_ref<const std::string&>();
      if (frame.value.contains(key)) refuse("has a duplicate key \"" + key.substr(0, 64) + "\"");
      frame.key = key;
    } else {
      frame.value[*frame.key] = std::move(value);
      frame.key.reset();
    }
  }

  void count() {
    if (++nodes_ > kMaxNodes) refuse("has more than 100000 nodes");
  }

  std::string what_;
  std::vector<Frame> stack_;
  nlohmann::json root_;
  std::size_t nodes_ = 0;
};

// yaml-cpp's parser recurses per nesting level: refuse deep flow nesting before it sees the
// text (counting brackets inside strings too over-approximates, which is fine here). Deep block
// nesting needs two bytes of indentation a level and stops at the builder's depth limit.
bool looksTooDeep(std::string_view text) {
  std::size_t depth = 0;
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
  if (looksTooDeep(text)) {
    return reject("json", name + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    JsonBuilder builder(name);
    if (!parser.HandleNextDocument(builder)) return nlohmann::json();
    if (parser.HandleNextDocument(builder))
      return reject("json", name + " holds more than one YAML document");
    return builder.take();
  } catch (const YamlRefusal& refusal) {
    return reject("json", refusal.message);
  } catch (const YAML::Exception& error) {
    return reject("json", name + " is not valid YAML: " + error.msg + " (line " +
                              std::to_string(error.mark.line + 1) + ")");
  }
}

}  // namespace ps::core
