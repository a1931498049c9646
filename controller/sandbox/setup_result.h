#pragma once

#include <string>

#include "core/expected.h"

namespace ps::sandbox {

// Why the sandbox could not be set up (exit 126). Expected on hosts that lack a kernel feature,
// so it is a value, never an exception.
struct SetupError {
  std::string message;  // one line naming the step that failed and why
};

// Holds either a T or the SetupError that prevented it.
template <class T>
using SetupResult = core::Expected<T, SetupError>;

// A setup step that yields nothing: done, or the SetupError that stopped it.
using SetupStatus = SetupResult<core::Done>;

// "<what>: <strerror(errnum)>"
std::string describeErrno(const std::string& what, int errnum);

}  // namespace ps::sandbox
