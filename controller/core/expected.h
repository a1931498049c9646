#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ps::core {

// The one error-as-value template: a T, or the E that prevented it (std::expected's shape; g++ 12
// has no <expected>). Each layer names its error type once and aliases this:
//   core::Result<T>           = Expected<T, core::Rejection>   (the trust core: rule + message)
//   sandbox::SetupResult<T>   = Expected<T, sandbox::SetupError> (a host lacks a feature: 126)
//   kube::Result<T>           = Expected<T, kube::KubeError>   (API status, transport, config)
// Expected failures are values the caller inspects; exceptions are for programming errors.
template <class T, class E>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(E error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const E& error() const { return std::get<E>(state_); }

 private:
  std::variant<T, E> state_;
};

// The value of an operation that yields nothing but success.
using Done = std::monostate;

// An operation that yields nothing but may fail, with one line saying why (where no richer error
// type fits: a file not written, a listener that cannot bind, a check that does not pass).
using Status = Expected<Done, std::string>;
inline Status succeeded() {
  return Done{};
}
inline Status failed(std::string why) {
  return Status(std::move(why));
}

}  // namespace ps::core
