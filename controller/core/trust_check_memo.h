#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/annotated_mutex.h"
#include "core/plugin_files.h"
#include "core/trust_check.h"

namespace ps::core {

// What an accepted check depends on, and nothing else: the SHA-256 of every file (manifest.json
// included) with its path, the key ring's digest and the policy's digest ("none" for either when
// not configured). The same key means the same verdict, so a repeated check of the same bytes
// (the same plugin ConfigMap, run after run) skips the manifest parse, schema and signature.
std::string trustCheckKey(const PluginFiles& plugin, const Policy* policy, const KeyRing* keys);

// Accepted checks, least recently used evicted beyond `capacity`. Rejections are not kept: they
// are cheap to repeat and their messages must stay fresh. Thread-safe.
class TrustCheckMemo {
 public:
  explicit TrustCheckMemo(std::size_t capacity = 1024) : capacity_(capacity) {}

  std::optional<AcceptedPlan> find(const std::string& key) EXCLUDES(mutex_);
  void remember(const std::string& key, const AcceptedPlan& plan) EXCLUDES(mutex_);
  std::size_t size() const EXCLUDES(mutex_);
  std::size_t hits() const EXCLUDES(mutex_);  // find() calls answered from the memo

 private:
  struct Entry {
    std::string key;
    AcceptedPlan plan;
  };
  using Order = std::list<Entry>;  // most recently used first

  const std::size_t capacity_;
  mutable Mutex mutex_;
  Order order_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, Order::iterator> byKey_ GUARDED_BY(mutex_);
  std::size_t hits_ GUARDED_BY(mutex_) = 0;
};

}  // namespace ps::core
