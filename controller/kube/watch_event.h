#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kube/kube_error.h"

namespace ps::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

// One line of a watch stream.
struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;  // the object; for kError a metav1.Status

  std::string resourceVersion() const;
  // For kError: the Status code (410 means our resourceVersion is too old).
  int statusCode() const;
};

// Parses one watch line; a malformed line is a kBadResponse error.
Result<WatchEvent> parseWatchEvent(std::string_view line);

// Splits a byte stream into newline-terminated lines across chunk boundaries. A line longer than
// `maxLine` is refused (a broken or hostile server must not grow our memory without bound).
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t maxLine = 64 * 1024 * 1024) : maxLine_(maxLine) {}
  // Calls `onLine` for each complete line (without the newline); stops early if it returns false.
  // Returns false when a line exceeded the limit or `onLine` asked to stop.
  bool feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine);
  std::size_t pending() const { return partial_.size(); }

 private:
  const std::size_t maxLine_;
  std::string partial_;
};

}  // namespace ps::kube
