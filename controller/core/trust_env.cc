#include "core/trust_env.h"

#include <cstdlib>

namespace ps::core {
namespace {

std::optional<std::string> environmentValue(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

TrustSources trustSourcesFromEnvironment() {
  return TrustSources{environmentValue(kPolicyFileEnv), environmentValue(kSigningKeyEnv)};
}

TrustSources mergeTrustSources(const TrustSources& flags, const TrustSources& environment) {
  return TrustSources{flags.policyFile ? flags.policyFile : environment.policyFile,
                      flags.signingKey ? flags.signingKey : environment.signingKey};
}

Result<LoadedTrust> loadTrust(const TrustSources& sources) {
  LoadedTrust trust;
  if (sources.policyFile) {
    if (sources.policyFile->empty()) return reject("policy", "policy file is set but empty");
    auto policy = Policy::load(*sources.policyFile);
    if (!policy) return policy.rejection();
    trust.policy = std::move(*policy);
  }
  if (sources.signingKey) {
    auto keys = KeyRing::fromPemFileOrText(*sources.signingKey);
    if (!keys) return keys.rejection();
    trust.keys = std::move(*keys);
  }
  return trust;
}

}  // namespace ps::core
