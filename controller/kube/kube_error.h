#pragma once

#include <string>

#include "core/expected.h"

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
using Result = core::Expected<T, KubeError>;

// Result of an operation that yields nothing but success.
using Done = core::Done;

}  // namespace ps::kube
