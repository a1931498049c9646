#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

// The checks every PluginRun field is read with: each rejection is rule "spec" and names the
// field ("spec.podTemplate.tolerations[0].effect: must be one of ...").
namespace ps::reconcile {

core::Rejection specError(const std::string& field, const std::string& problem);

// An unknown field is most often a typo ("timeoutSecond"): refusing it beats ignoring it.
core::Check unknownField(const nlohmann::json& object, const std::string& where,
                         std::initializer_list<std::string_view> known);

// object[key], a DNS-1123 subdomain (an object name); required.
core::Result<std::string> requiredName(const nlohmann::json& object, const char* key,
                                       const std::string& field);

// A whole number in [minimum, maximum]; JSON floats like 1.5 and booleans are refused.
core::Result<int64_t> integerField(const nlohmann::json& value, const std::string& field,
                                   int64_t minimum, int64_t maximum);

// A string of at most `maxBytes`, "" allowed only when `allowEmpty`.
core::Result<std::string> boundedString(const nlohmann::json& value, const std::string& field,
                                        size_t maxBytes, bool allowEmpty = true);

// A string that is one of `allowed`.
core::Check oneOf(const nlohmann::json& value, const std::string& field,
                  std::initializer_list<std::string_view> allowed);

// A list of at most `maxItems` strings, each at most `maxBytes`.
core::Check boundedStrings(const nlohmann::json& value, const std::string& field, size_t maxItems,
                           size_t maxBytes);

// DNS-1123 subdomain (object names) and label (namespaces) as the API server checks them.
bool isDnsSubdomain(std::string_view name);
bool isDnsLabel(std::string_view name);

}  // namespace ps::reconcile
