#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"

namespace ps::core {

enum class SchemaKind { kManifest, kPolicy };

// Rule "schema", naming the failing JSON path. Every string and member name is length-checked
// first: valijson applies `pattern` with std::regex, whose recursion can exhaust the stack on
// long input. `document` must already be depth-limited (parseStrictJson does that).
Check validateAgainstSchema(const nlohmann::json& document, SchemaKind kind, std::string_view what,
                            std::size_t maxStringBytes = 1024);

}  // namespace ps::core
