#include "cli/plan_output.h"

#include "core/exit_codes.h"

namespace ps::cli {

nlohmann::json planToJson(const core::AcceptedPlan& plan) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& file : plan.files)
    files.push_back({{"path", file.path}, {"digest", file.digest}});
  nlohmann::json limits = nlohmann::json::object();
  if (plan.limits.maxTimeoutSeconds) limits["maxTimeoutSeconds"] = *plan.limits.maxTimeoutSeconds;
  if (plan.limits.maxMemory) limits["maxMemory"] = *plan.limits.maxMemory;
  return {{"accepted", true},
          {"id", plan.id},
          {"version", plan.version},
          {"permissions", plan.permissions},
          {"signedBy", plan.signerKeyId ? nlohmann::json(*plan.signerKeyId) : nlohmann::json()},
          {"files", files},
          {"limits", limits},
          {"policyConfigured", plan.policyConfigured}};
}

std::string planSummary(const core::AcceptedPlan& plan) {
  std::string permissions;
  for (const auto& permission : plan.permissions)
    permissions += (permissions.empty() ? "" : ", ") + permission;
  return "ok: " + plan.id + " " + plan.version + ", permissions [" + permissions + "], " +
         (plan.signerKeyId ? "signed by " + *plan.signerKeyId
                           : std::string("no verified signature")) +
         ", " + std::to_string(plan.files.size()) + " files verified";
}

int reportRejection(const core::Rejection& rejection, bool json, std::ostream& out,
                    std::ostream& err) {
  if (json) {
    out << nlohmann::json{{"accepted", false},
                          {"rule", rejection.rule},
                          {"message", rejection.message}}
               .dump()
        << "\n";
  } else {
    err << rejection.line() << "\n";
  }
  return kExitRejected;
}

}  // namespace ps::cli
