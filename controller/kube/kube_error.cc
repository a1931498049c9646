#include "kube/kube_error.h"

namespace ps::kube {

std::string KubeError::describe() const {
  switch (kind) {
    case ErrorKind::kConfig:
      return "config: " + message;
    case ErrorKind::kTransport:
      return "transport: " + message;
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kBadResponse:
      return "bad response: " + message;
    case ErrorKind::kStatus:
      break;
  }
  std::string text = "HTTP " + std::to_string(httpStatus);
  if (!reason.empty()) text += " " + reason;
  if (!message.empty()) text += ": " + message;
  return text;
}

}  // namespace ps::kube
