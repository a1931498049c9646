#pragma once

#include <algorithm>
#include <string_view>

#include "core/trust_check.h"

namespace ps::core {

// Whether the accepted plan holds `permission` ("read_files", "network"): what every executor
// asks before it mounts the input or keeps the network.
inline bool grants(const AcceptedPlan& plan, std::string_view permission) {
  return std::find(plan.permissions.begin(), plan.permissions.end(), permission) !=
         plan.permissions.end();
}

}  // namespace ps::core
