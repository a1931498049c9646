#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"

namespace ps::core {

// YAML to JSON by the YAML 1.2 core schema: only true/false (any case form the spec lists) are
// booleans, `no`/`on`/`yes` stay strings; null/Null/NULL/~/empty are null; ints and floats by
// the 1.2 patterns; quoted scalars are always strings; scalars are at most 1024 bytes. Rule "json"
// (with `what` in the message) for duplicate keys, non-string keys, .inf/.nan, unknown tags, or a
// tree that is too deep or, through aliases, too large.
Result<nlohmann::json> yamlToJson(std::string_view text, std::string_view what);

}  // namespace ps::core
