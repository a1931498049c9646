#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "core/result.h"
#include "core/trust_check.h"

namespace ps::cli {

nlohmann::json planToJson(const core::AcceptedPlan& plan);

// "ok: techdebt 1.2.0, permissions [read_files], signed by sha256:..., 2 files verified, policy
// configured"
std::string planSummary(const core::AcceptedPlan& plan);

// Prints the rejection (one line on `err`, or a JSON object on `out`) and returns 125.
int reportRejection(const core::Rejection& rejection, bool json, std::ostream& out,
                    std::ostream& err);

}  // namespace ps::cli
