#include "core/canonical_json.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/ecmascript_number.h"

namespace ps::core {
namespace {

// UTF-16 code units of a (valid) UTF-8 string, for ordering member names.
std::u16string toUtf16(const std::string& utf8) {
  std::u16string out;
  for (std::size_t i = 0; i < utf8.size();) {
    auto lead = static_cast<uint8_t>(utf8[i]);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    uint32_t cp = length == 1   ? lead
                  : length == 2 ? lead & 0x1fu
                  : length == 3 ? lead & 0x0fu
                                : lead & 0x07u;
    for (std::size_t k = 1; k < length && i + k < utf8.size(); ++k) {
      cp = (cp << 6) | (static_cast<uint8_t>(utf8[i + k]) & 0x3fu);
    }
    i += length;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void appendString(const std::string& text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    auto byte = static_cast<uint8_t>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out.push_back(kHex[byte >> 4]);
          out.push_back(kHex[byte & 0x0f]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

Check appendValue(const nlohmann::json& value, std::string& out);

Check appendObject(const nlohmann::json& object, std::string& out) {
  std::vector<std::pair<std::u16string, const std::string*>> names;
  names.reserve(object.size());
  for (const auto& [key, member] : object.items()) names.emplace_back(toUtf16(key), &key);
  std::sort(names.begin(), names.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.push_back('{');
  bool first = true;
  for (const auto& [utf16, key] : names) {
    if (!first) out.push_back(',');
    first = false;
    appendString(*key, out);
    out.push_back(':');
    if (auto checked = appendValue(object.at(*key), out); !checked) return checked.rejection();
  }
  out.push_back('}');
  return accepted();
}

Check appendNumber(const nlohmann::json& value, std::string& out) {
  const double number = value.get<double>();
  auto text = formatEcmaScriptNumber(number);
  // JCS numbers are IEEE doubles. An integer whose digits its double does not print back would
  // change silently (2^53 + 1). Refusing only |n| > 2^53 is wrong the other way: the canonical
  // text of the double 1.234567890123456e17 is the integer 123456789012345600.
  if (value.is_number_integer() && text && *text != value.dump())
    return reject("json", "integer " + value.dump() + " is not exact as an IEEE double");
  if (!text) return reject("json", "number cannot be represented in JSON");
  out += *text;
  return accepted();
}

Check appendValue(const nlohmann::json& value, std::string& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return accepted();
    case nlohmann::json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return accepted();
    case nlohmann::json::value_t::string:
      appendString(value.get_ref<const std::string&>(), out);
      return accepted();
    case nlohmann::json::value_t::object:
      return appendObject(value, out);
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out.push_back(',');
        if (auto checked = appendValue(value[i], out); !checked) return checked.rejection();
      }
      out.push_back(']');
      return accepted();
    }
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return appendNumber(value, out);
    default:
      return reject("json",
                    "value of type " + std::string(value.type_name()) + " has no JSON form");
  }
}

}  // namespace

Result<std::string> canonicalJson(const nlohmann::json& value) {
  std::string out;
  if (auto checked = appendValue(value, out); !checked) return checked.rejection();
  return out;
}

}  // namespace ps::core
