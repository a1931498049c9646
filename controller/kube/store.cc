#include "kube/store.h"

#include "kube/json_member.h"

namespace ps::kube {

// Read with stringMember: json::value() throws when a member has another type, and what the
// server sends must not be able to throw out of the cache.
std::string objectKey(const nlohmann::json& object) {
  const nlohmann::json& meta = member(object, "metadata");
  const std::string name = stringMember(meta, "name");
  const std::string ns = stringMember(meta, "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

std::string resourceVersionOf(const nlohmann::json& object) {
  return stringMember(member(object, "metadata"), "resourceVersion");
}

std::vector<StoreDelta> Store::replace(std::vector<nlohmann::json>&& objects) {
  std::unordered_map<std::string, ObjectPtr> fresh;
  fresh.reserve(objects.size());
  for (auto& object : objects) {
    auto key = objectKey(object);
    fresh[std::move(key)] = std::make_shared<const nlohmann::json>(std::move(object));
  }
  std::vector<StoreDelta> deltas;
  WriterMutexLock lock(mutex_);
  for (const auto& [key, old] : objects_) {
    if (!fresh.contains(key)) deltas.push_back({StoreDelta::Kind::kDeleted, old, old});
  }
  for (const auto& [key, current] : fresh) {
    const auto found = objects_.find(key);
    if (found == objects_.end()) {
      deltas.push_back({StoreDelta::Kind::kAdded, nullptr, current});
    } else if (resourceVersionOf(*found->second) != resourceVersionOf(*current)) {
      deltas.push_back({StoreDelta::Kind::kUpdated, found->second, current});
    }
  }
  objects_ = std::move(fresh);
  return deltas;
}

std::optional<StoreDelta> Store::apply(nlohmann::json&& object) {
  auto key = objectKey(object);
  auto current = std::make_shared<const nlohmann::json>(std::move(object));
  WriterMutexLock lock(mutex_);
  auto found = objects_.find(key);
  if (found == objects_.end()) {
    objects_.emplace(std::move(key), current);
    return StoreDelta{StoreDelta::Kind::kAdded, nullptr, current};
  }
  if (resourceVersionOf(*found->second) == resourceVersionOf(*current)) return std::nullopt;
  ObjectPtr old = std::exchange(found->second, current);
  return StoreDelta{StoreDelta::Kind::kUpdated, std::move(old), current};
}

std::optional<StoreDelta> Store::remove(const nlohmann::json& object) {
  WriterMutexLock lock(mutex_);
  auto found = objects_.find(objectKey(object));
  if (found == objects_.end()) return std::nullopt;
  ObjectPtr old = std::move(found->second);
  objects_.erase(found);
  return StoreDelta{StoreDelta::Kind::kDeleted, old, old};
}

ObjectPtr Store::get(const std::string& key) const {
  ReaderMutexLock lock(mutex_);
  const auto found = objects_.find(key);
  return found == objects_.end() ? nullptr : found->second;
}

std::vector<ObjectPtr> Store::list() const {
  ReaderMutexLock lock(mutex_);
  std::vector<ObjectPtr> all;
  all.reserve(objects_.size());
  for (const auto& [key, object] : objects_) all.push_back(object);
  return all;
}

std::vector<std::string> Store::keys() const {
  ReaderMutexLock lock(mutex_);
  std::vector<std::string> all;
  all.reserve(objects_.size());
  for (const auto& [key, object] : objects_) all.push_back(key);
  return all;
}

std::size_t Store::size() const {
  ReaderMutexLock lock(mutex_);
  return objects_.size();
}

}  // namespace ps::kube
