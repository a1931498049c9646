#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/annotated_mutex.h"

namespace ps::kube {

// Cached objects are immutable and shared between the store and whoever reads them.
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKey).
std::string objectKey(const nlohmann::json& object);
std::string resourceVersionOf(const nlohmann::json& object);

struct StoreDelta {
  enum class Kind { kAdded, kUpdated, kDeleted };
  Kind kind;
  ObjectPtr old;      // null for kAdded
  ObjectPtr current;  // for kDeleted: the last state we had
};

// The reflector's thread-safe cache: "just a cache, may be out of date". Writes return what
// changed so the informer can tell handlers exactly once per change.
class Store {
 public:
  // Replaces everything with a fresh list and returns the difference: objects gone are deleted,
  // changed ones (by resourceVersion) updated, new ones added; unchanged ones produce nothing.
  std::vector<StoreDelta> replace(std::vector<nlohmann::json>&& objects);
  // Adds or updates; nothing when we already hold this resourceVersion (a replayed event).
  std::optional<StoreDelta> apply(nlohmann::json&& object);
  // Nothing when the object was not cached.
  std::optional<StoreDelta> remove(const nlohmann::json& object);

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

 private:
  mutable SharedMutex mutex_;
  std::unordered_map<std::string, ObjectPtr> objects_ GUARDED_BY(mutex_);
};

}  // namespace ps::kube
