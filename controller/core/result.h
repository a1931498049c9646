#pragma once

#include <string>
#include <utility>
#include <variant>

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

// Holds either a T or the Rejection that prevented it.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}                  // NOLINT: implicit by design
  Result(Rejection rejection) : state_(std::move(rejection)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Rejection& rejection() const { return std::get<Rejection>(state_); }

 private:
  std::variant<T, Rejection> state_;
};

// For operations that produce nothing but may be refused.
struct Accepted {};
using Check = Result<Accepted>;
inline Check accepted() {
  return Accepted{};
}

}  // namespace ps::core
