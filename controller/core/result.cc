#include "core/result.h"

namespace ps::core {

std::string Rejection::line() const {
  return "rejected: " + rule + ": " + message;
}

}  // namespace ps::core
