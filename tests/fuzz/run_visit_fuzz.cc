// libFuzzer target: a PluginRun (spec and status: a tenant writes both), its plugin ConfigMap
// and its Pod, all JSON, through the whole pure visit (planVisit: spec checks, ConfigMap to
// files, the trust core with the repository's policy and demo key, Pod and NetworkPolicy
// building, the state machine, the status). Input: the three documents separated by a line
// "---" (a missing or unparsable ConfigMap or Pod is absent). Properties: a visit never throws,
// terminal states stay terminal, a Pod is created only with its launch and under the run's one
// deterministic name (a DNS label), and everything the controller would send serialises.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_ring.h"
#include "core/policy.h"
#include "core/strict_json.h"
#include "fuzz_check.h"
#include "kube/json_member.h"
#include "kube/rfc3339.h"
#include "reconcile/conditions.h"
#include "reconcile/run_visit.h"

namespace {

using nlohmann::json;
using namespace ps::reconcile;

struct Trust {
  Trust()
      : policy(*ps::core::Policy::load(std::string(PS_SOURCE_DIR) + "/plugins/policy.json")),
        keys(*ps::core::KeyRing::fromPemFile(std::string(PS_SOURCE_DIR) +
                                             "/plugins/keys/demo.pub.pem")) {}
  ps::core::Policy policy;
  ps::core::KeyRing keys;
  ControllerSettings settings;
};

// Splits at lines "---"; at most three parts, the last taking the rest.
std::vector<std::string_view> documents(std::string_view text) {
  std::vector<std::string_view> parts;
  while (parts.size() < 2) {
    const auto cut = text.find("\n---\n");
    if (cut == std::string_view::npos) break;
    parts.push_back(text.substr(0, cut));
    text.remove_prefix(cut + 5);
  }
  parts.push_back(text);
  return parts;
}

std::optional<json> parsed(const std::vector<std::string_view>& parts, std::size_t index) {
  if (index >= parts.size()) return std::nullopt;
  json value = json::parse(parts[index], nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// What the API client would do with it: dump() throws on invalid UTF-8.
void checkSendable(const json& object) {
  (void)object.dump();
}

void checkPlan(const VisitPlan& plan, const json& run, bool hadPod) {
  const RunState before = runStateFromStatus(ps::kube::member(run, "status"));
  if (isTerminal(before)) {
    FUZZ_CHECK(plan.decision.next == before);
    FUZZ_CHECK(!plan.decision.createPod);
  }
  if (plan.decision.createPod) {
    FUZZ_CHECK(!hadPod);
    FUZZ_CHECK(plan.pod && plan.launch);
    FUZZ_CHECK((*plan.pod)["metadata"]["name"] == plan.podName);
    FUZZ_CHECK(isDnsLabel(plan.podName));
  }
  if (plan.pod) checkSendable(*plan.pod);
  if (plan.networkPolicy) checkSendable(*plan.networkPolicy);
  if (plan.status) checkSendable(*plan.status);
  for (const auto& event : plan.events) {
    checkSendable(json(event.reason));
    checkSendable(json(event.message));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Trust trust;
  static const TimePoint now = *ps::kube::parseRfc3339("2026-11-27T21:00:00Z");
  const auto parts = documents(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto run = parsed(parts, 0);
  if (!run) return 0;
  const auto configMap = parsed(parts, 1);
  const auto pod = parsed(parts, 2);

  VisitInputs inputs;
  inputs.run = &*run;
  inputs.configMap = configMap ? &*configMap : nullptr;
  inputs.pod = pod ? &*pod : nullptr;
  inputs.trust = ps::core::TrustConfig{&trust.policy, &trust.keys};
  inputs.settings = &trust.settings;
  inputs.now = now;
  const VisitPlan plan = planVisit(inputs);
  checkPlan(plan, *run, pod.has_value());
  // The same facts, the same plan: the Pod name above all (a second name would be a second Pod).
  FUZZ_CHECK(planVisit(inputs).podName == plan.podName);
  return 0;
}
