#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ps::kube {

// Where a failure came from. Expected failures (an API error, a dropped connection, a bad
// kubeconfig) are values the caller inspects, not exceptions.
enum class ErrorKind {
  kConfig,       // kubeconfig / in-cluster settings unusable
  kTransport,    // no HTTP response (connection refused, reset, TLS failure, timeout)
  kCancelled,    // the caller cancelled the request
  kBadResponse,  // a response we could not parse
  kStatus,       // the API server answered with a non-2xx status
};

struct KubeError {
  ErrorKind kind = ErrorKind::kTransport;
  int httpStatus = 0;   // for kStatus; 0 otherwise
  std::string reason;   // Status.reason, e.g. "Conflict", "AlreadyExists", "NotFound"
  std::string message;  // Status.message, or a description of the failure

  bool isNotFound() const { return httpStatus == 404; }
  bool isAlreadyExists() const { return httpStatus == 409 && reason == "AlreadyExists"; }
  // A 409 on update: someone else changed the object since we read it.
  bool isConflict() const { return httpStatus == 409 && reason != "AlreadyExists"; }
  bool isGone() const { return httpStatus == 410 || reason == "Expired" || reason == "Gone"; }
  std::string describe() const;
};

// A value or the KubeError that prevented it.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(KubeError error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const KubeError& error() const { return std::get<KubeError>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, KubeError> state_;
};

// Result of an operation that yields nothing but success.
using Done = std::monostate;

}  // namespace ps::kube
