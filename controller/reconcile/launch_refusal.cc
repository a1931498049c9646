#include "reconcile/launch_refusal.h"

#include <algorithm>

namespace ps::reconcile {
namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

bool isTransientRefusal(int httpStatus, std::string_view message) {
  if (httpStatus == 429) return true;
  if (httpStatus == 403) {
    // A full quota, or one the quota controller has not counted yet.
    if (contains(message, "exceeded quota") || contains(message, "status unknown for quota"))
      return true;
    // "error looking up service account NS/default: serviceaccount \"default\" not found"
    if (contains(message, "serviceaccount") && contains(message, "not found")) return true;
    return false;
  }
  if (httpStatus == 500 || httpStatus == 503 || httpStatus == 504) {
    return contains(message, "failed calling webhook") || contains(message, "deadline exceeded") ||
           contains(message, "Timeout");
  }
  return false;
}

std::chrono::seconds refusalBackoff(int attempts) {
  const int exponent = std::clamp(attempts - 1, 0, 6);
  return std::min(std::chrono::seconds{60}, std::chrono::seconds{1LL << exponent});
}

}  // namespace ps::reconcile
