#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ps::kube {

// Reads of API objects that tolerate any shape: a missing member, or a member of something that
// is not an object, reads as null (so `member(member(pod, "metadata"), "name")` never throws).
const nlohmann::json& member(const nlohmann::json& object, const char* name);

// The member's text; "" when it is missing or not a string.
std::string stringMember(const nlohmann::json& object, const char* name);

}  // namespace ps::kube
