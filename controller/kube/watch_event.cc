#include "kube/watch_event.h"

#include "kube/json_member.h"

namespace ps::kube {
namespace {

KubeError badEvent(std::string message) {
  return KubeError{ErrorKind::kBadResponse, 0, "", "watch event: " + std::move(message)};
}

}  // namespace

std::string WatchEvent::resourceVersion() const {
  return stringMember(member(object, "metadata"), "resourceVersion");
}

int WatchEvent::statusCode() const {
  if (!object.is_object()) return 0;
  const auto code = object.find("code");
  // An HTTP status: anything else (a float, a huge number that get<int> would truncate) is none.
  if (code == object.end() || !code->is_number_integer()) return 0;
  const bool fits = code->is_number_unsigned()
                        ? code->get<uint64_t>() <= 999
                        : code->get<int64_t>() >= 0 && code->get<int64_t>() <= 999;
  return fits ? static_cast<int>(code->get<int64_t>()) : 0;
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return badEvent("not a JSON object");
  const auto type = parsed.find("type");
  const auto object = parsed.find("object");
  if (type == parsed.end() || !type->is_string()) return badEvent("no type");
  if (object == parsed.end() || !object->is_object()) return badEvent("no object");
  // What the cache and the watch loop read of every object: of the wrong type, the event is
  // malformed (json::value() would throw out of the watcher's thread).
  if (const auto meta = object->find("metadata"); meta != object->end()) {
    if (!meta->is_object()) return badEvent("metadata is not an object");
    for (const char* field : {"name", "namespace", "resourceVersion"}) {
      const auto value = meta->find(field);
      if (value != meta->end() && !value->is_string()) {
        return badEvent("metadata." + std::string(field) + " is not a string");
      }
    }
  }
  WatchEvent event;
  const auto& name = type->get_ref<const std::string&>();
  if (name == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (name == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (name == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (name == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (name == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return badEvent("unknown type \"" + name.substr(0, 32) + "\"");
  }
  event.object = std::move(*object);
  return event;
}

bool LineSplitter::feed(std::string_view chunk,
                        const std::function<bool(std::string_view)>& onLine) {
  while (!chunk.empty()) {
    const auto newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (partial_.size() + chunk.size() > maxLine_) return false;
      partial_.append(chunk);
      return true;
    }
    const auto piece = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    if (partial_.size() + piece.size() > maxLine_) return false;
    bool keepGoing = true;
    if (partial_.empty()) {
      if (!piece.empty()) keepGoing = onLine(piece);
    } else {
      partial_.append(piece);
      keepGoing = onLine(partial_);
      partial_.clear();
    }
    if (!keepGoing) return false;
  }
  return true;
}

}  // namespace ps::kube
