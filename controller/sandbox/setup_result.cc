#include "sandbox/setup_result.h"

#include <cstring>

namespace ps::sandbox {

std::string describeErrno(const std::string& what, int errnum) {
  return what + ": " + std::strerror(errnum);
}

}  // namespace ps::sandbox
