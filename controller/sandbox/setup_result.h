#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ps::sandbox {

// Why the sandbox could not be set up (exit 126). Expected on hosts that lack a kernel feature,
// so it is a value, never an exception.
struct SetupError {
  std::string message;  // one line naming the step that failed and why
};

// Holds either a T or the SetupError that prevented it (the sandbox's analogue of core::Result).
template <class T>
class SetupResult {
 public:
  SetupResult(T value) : state_(std::move(value)) {}           // NOLINT: implicit by design
  SetupResult(SetupError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const SetupError& error() const { return std::get<SetupError>(state_); }

 private:
  std::variant<T, SetupError> state_;
};

// "<what>: <strerror(errnum)>"
std::string describeErrno(const std::string& what, int errnum);

}  // namespace ps::sandbox
