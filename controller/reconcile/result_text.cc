#include "reconcile/result_text.h"

#include "core/utf8.h"

namespace ps::reconcile {

std::string resultText(std::string_view message, size_t maxBytes) {
  const std::string text = sanitizeUtf8(message);
  const auto split = core::splitTruncationMarker(text);
  return core::markedTail(split.tail, maxBytes, split.cut);
}

}  // namespace ps::reconcile
