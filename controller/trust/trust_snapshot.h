#pragma once

#include <functional>
#include <memory>

#include "core/trust_env.h"

namespace ps::reconcile {

// The policy and keys in force at one moment. A visit holds its snapshot for its whole length, so a
// reload in the middle never mixes an old policy with new keys.
using TrustSnapshot = std::shared_ptr<const core::LoadedTrust>;

// Where the reconciler gets the trust in force for each visit (fixed, or reloaded from files).
using TrustProvider = std::function<TrustSnapshot()>;

inline TrustProvider fixedTrust(TrustSnapshot snapshot) {
  return [snapshot = std::move(snapshot)] { return snapshot; };
}

}  // namespace ps::reconcile
