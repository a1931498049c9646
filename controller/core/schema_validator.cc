#include "core/schema_validator.h"

#include <memory>
#include <optional>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "core/embedded_schemas.h"

namespace ps::core {
namespace {

std::unique_ptr<valijson::Schema> compileSchema(std::string_view text) {
  auto schema = std::make_unique<valijson::Schema>();
  const nlohmann::json document = nlohmann::json::parse(text);
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  parser.populateSchema(adapter, *schema);
  return schema;
}

// Compiled once; valijson only reads a Schema while validating.
const valijson::Schema& schemaFor(SchemaKind kind) {
  static const std::unique_ptr<valijson::Schema> manifest = compileSchema(manifestSchemaText());
  static const std::unique_ptr<valijson::Schema> policy = compileSchema(policySchemaText());
  return kind == SchemaKind::kManifest ? *manifest : *policy;
}

std::string escapePointerToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Path of the first string or member name longer than `limit`, or nullopt.
std::optional<std::string> findLongString(const nlohmann::json& value, std::size_t limit,
                                          const std::string& path) {
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().size() > limit) return path.empty() ? "/" : path;
    return std::nullopt;
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (key.size() > limit) return path + "/" + escapePointerToken(key.substr(0, 32)) + "...";
      if (auto found = findLongString(member, limit, path + "/" + escapePointerToken(key))) {
        return found;
      }
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (auto found = findLongString(value[i], limit, path + "/" + std::to_string(i)))
        return found;
    }
  }
  return std::nullopt;
}

// valijson's context is ["<root>", "[\"id\"]", "[0]"]: turn it into a readable path.
std::string contextPath(const std::vector<std::string>& context) {
  std::string path;
  for (std::size_t i = 1; i < context.size(); ++i) path += context[i];
  return path.empty() ? "<root>" : path;
}

}  // namespace

Check validateAgainstSchema(const nlohmann::json& document, SchemaKind kind, std::string_view what,
                            std::size_t maxStringBytes) {
  const std::string name(what);
  if (auto path = findLongString(document, maxStringBytes, "")) {
    return reject("schema", name + ": string at " + *path + " is longer than " +
                                std::to_string(maxStringBytes) + " bytes");
  }
  // valijson caches compiled patterns in its Validator: one per thread keeps them warm.
  thread_local valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(document);
  if (validator.validate(schemaFor(kind), target, &results)) return accepted();

  // The deepest error is the specific one; the outer ones only say "a child failed".
  const valijson::ValidationResults::Error* best = nullptr;
  for (const auto& error : results) {
    if (best == nullptr || error.context.size() > best->context.size()) best = &error;
  }
  std::string detail = best ? best->description : "does not match its schema";
  for (char& c : detail) {
    if (c == '\n') c = ' ';
  }
  return reject("schema",
                name + ": " + (best ? contextPath(best->context) : "<root>") + ": " + detail);
}

}  // namespace ps::core
