#include "reconcile/network_policy_builder.h"

#include <gtest/gtest.h>

#include "api/pod_naming.h"

namespace ps::reconcile {
namespace {

using nlohmann::json;

// Evaluates a LabelSelector's matchExpressions (only the operators it uses) against labels:
// the test checks the policy's meaning, not its spelling.
bool selects(const json& selector, const json& labels) {
  for (const auto& expression : selector["matchExpressions"]) {
    const std::string key = expression["key"];
    const std::string op = expression["operator"];
    const bool has = labels.contains(key);
    if (op == "Exists" && !has) return false;
    if (op == "NotIn" && has) {
      for (const auto& value : expression["values"]) {
        if (labels[key] == value) return false;
      }
    }
    if (op != "Exists" && op != "NotIn") ADD_FAILURE() << "unexpected operator " << op;
  }
  return true;
}

TEST(NetworkPolicyBuilderTest, DeniesAllIngressAndEgress) {
  const json policy = buildNetworkPolicy("team-a");
  EXPECT_EQ(policy["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(policy["kind"], "NetworkPolicy");
  EXPECT_EQ(policy["metadata"]["namespace"], "team-a");
  EXPECT_EQ(policy["metadata"]["name"], kNetworkPolicyName);
  EXPECT_EQ(policy["spec"]["policyTypes"], json({"Ingress", "Egress"}));
  EXPECT_FALSE(policy["spec"].contains("ingress"));
  EXPECT_FALSE(policy["spec"].contains("egress"));
}

TEST(NetworkPolicyBuilderTest, SelectsSandboxPodsUnlessNetworkIsGranted) {
  const json selector = buildNetworkPolicy("ns")["spec"]["podSelector"];
  EXPECT_TRUE(selects(selector, {{kRunLabel, "r"}, {kNetworkLabel, kNetworkIsolated}}));
  EXPECT_TRUE(selects(selector, {{kRunLabel, "r"}}));  // label missing: isolated, fail closed
  EXPECT_TRUE(selects(selector, {{kRunLabel, "r"}, {kNetworkLabel, "Granted"}}));
  EXPECT_FALSE(selects(selector, {{kRunLabel, "r"}, {kNetworkLabel, kNetworkGranted}}));
  EXPECT_FALSE(selects(selector, {{"app", "web"}}));  // other workloads are left alone
}

}  // namespace
}  // namespace ps::reconcile
