#include "reconcile/result_text.h"

#include "core/utf8.h"

namespace ps::reconcile {
namespace {

std::string truncationMarker(size_t dropped) {
  return std::string(core::kEllipsis) + "[truncated " + std::to_string(dropped) + " bytes]\n";
}

}  // namespace

std::string resultText(std::string_view message, size_t maxBytes) {
  std::string text = sanitizeUtf8(message);
  if (text.size() <= maxBytes) return text;
  // The marker's length depends on N and N on the marker's length; N only grows, so this settles.
  size_t dropped = text.size() - maxBytes;
  while (true) {
    const size_t markerSize = truncationMarker(dropped).size();
    if (markerSize >= maxBytes) return {};  // no room for any output at all
    size_t cut = text.size() - (maxBytes - markerSize);
    // Never start inside a character: move the cut forward past continuation bytes.
    cut = core::nextCharBoundary(text, cut);
    if (truncationMarker(cut).size() == markerSize) return truncationMarker(cut) + text.substr(cut);
    dropped = cut;
  }
}

}  // namespace ps::reconcile
