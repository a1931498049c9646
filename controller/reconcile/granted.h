#pragma once

#include <algorithm>
#include <string_view>

#include "core/trust_check.h"

namespace ps::reconcile {

// Whether the trust core granted `permission` to the accepted plugin: what decides /input and
// the network for a Pod and for a local sandbox alike.
inline bool granted(const core::AcceptedPlan& plan, std::string_view permission) {
  return std::find(plan.permissions.begin(), plan.permissions.end(), permission) !=
         plan.permissions.end();
}

}  // namespace ps::reconcile
