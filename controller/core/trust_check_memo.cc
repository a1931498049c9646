#include "core/trust_check_memo.h"

#include "core/digest.h"
#include "core/key_ring.h"
#include "core/policy.h"

namespace ps::core {
namespace {

// Each part length-prefixed, so that no two different inputs spell the same bytes.
void appendPart(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

}  // namespace

std::string trustCheckKey(const PluginFiles& plugin, const Policy* policy, const KeyRing* keys) {
  std::string parts;
  for (const auto& [path, bytes] : plugin.files) {  // std::map: in path order
    appendPart(parts, path);
    appendPart(parts, sha256Hex(bytes));
  }
  appendPart(parts, policy ? policy->digest() : "none");
  appendPart(parts, keys ? keys->digest() : "none");
  return sha256Hex(parts);
}

std::optional<AcceptedPlan> TrustCheckMemo::find(const std::string& key) {
  MutexLock lock(mutex_);
  auto found = byKey_.find(key);
  if (found == byKey_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, found->second);
  ++hits_;
  return found->second->plan;
}

void TrustCheckMemo::remember(const std::string& key, const AcceptedPlan& plan) {
  if (capacity_ == 0) return;
  MutexLock lock(mutex_);
  if (auto found = byKey_.find(key); found != byKey_.end()) {
    order_.splice(order_.begin(), order_, found->second);
    return;
  }
  order_.push_front(Entry{key, plan});
  byKey_.emplace(key, order_.begin());
  while (order_.size() > capacity_) {
    byKey_.erase(order_.back().key);
    order_.pop_back();
  }
}

std::size_t TrustCheckMemo::size() const {
  MutexLock lock(mutex_);
  return order_.size();
}

std::size_t TrustCheckMemo::hits() const {
  MutexLock lock(mutex_);
  return hits_;
}

}  // namespace ps::core
