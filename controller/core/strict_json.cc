#include "core/strict_json.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/utf8.h"

namespace ps::core {
namespace {

// Deepest bracket nesting outside strings; stops counting once past `limit`.
int bracketDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

std::size_t findInvalidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = utf8SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

Result<nlohmann::json> parseStrictJson(std::string_view text, std::string_view what,
                                       const StrictJsonLimits& limits) {
  const std::string name(what);
  if (text.size() > limits.maxBytes) {
    return reject("json", name + " is " + std::to_string(text.size()) + " bytes, the limit is " +
                              std::to_string(limits.maxBytes));
  }
  if (std::size_t bad = findInvalidUtf8(text); bad != std::string_view::npos) {
    return reject("json", name + " is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
  }
  // nlohmann's lexer takes a NUL byte for the end of input and ignores what follows, which no
  // other JSON reader does (JSON has no raw NUL anywhere: inside strings it must be escaped).
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return reject("json", name + " holds a NUL byte (byte offset " + std::to_string(nul) + ")");
  }
  // nlohmann parses iteratively, but destroying or walking the result recurses: cap depth first.
  if (bracketDepth(text, limits.maxDepth) > limits.maxDepth) {
    return reject("json",
                  name + " nests deeper than " + std::to_string(limits.maxDepth) + " levels");
  }

  std::vector<std::unordered_set<std::string>> keysPerObject;
  std::optional<std::string> duplicate;
  auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      keysPerObject.emplace_back();
    } else if (event == Event::object_end) {
      keysPerObject.pop_back();
    } else if (event == Event::key && !keysPerObject.empty()) {
      if (!keysPerObject.back().insert(parsed.get<std::string>()).second && !duplicate) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  try {
    nlohmann::json document = nlohmann::json::parse(text.begin(), text.end(), callback);
    if (duplicate) {
      return reject("json", name + " has a duplicate key \"" + duplicate->substr(0, 64) + "\"");
    }
    return document;
  } catch (const nlohmann::json::exception& error) {
    // The message of nlohmann's parse_error names the offset and the token; keep it to one line.
    std::string detail = error.what();
    for (char& c : detail) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return reject("json", name + " is not valid JSON: " + detail.substr(0, 200));
  }
}

}  // namespace ps::core
