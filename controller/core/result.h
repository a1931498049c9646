#pragma once

#include <string>
#include <utility>

#include "core/expected.h"

namespace ps::core {

// Why a plugin (or a policy, or a key) was refused. An ordinary value, never an exception:
// a rejected plugin is an expected outcome, not a failure of the program.
struct Rejection {
  std::string rule;     // machine-stable: json, schema, layout, digest, signature, key, policy
  std::string message;  // one line a person understands, naming what failed

  // "rejected: <rule>: <message>"
  std::string line() const;
};

inline Rejection reject(std::string rule, std::string message) {
  return Rejection{std::move(rule), std::move(message)};
}

// Holds either a T or the Rejection that prevented it; rejection() reads as the trust core speaks.
template <class T>
class Result : public Expected<T, Rejection> {
 public:
  using Expected<T, Rejection>::Expected;
  const Rejection& rejection() const { return this->error(); }
};

// For operations that produce nothing but may be refused.
struct Accepted {};
using Check = Result<Accepted>;
inline Check accepted() {
  return Accepted{};
}

}  // namespace ps::core
