#pragma once

#include <string>
#include <vector>

#include "kube/store.h"

namespace ps::kube {

// A read-only view over the stores of several informers, one per watched namespace, so code that
// reads "the cache" does not care how many namespaces are watched. Keys are "namespace/name";
// stores never share an object, so the first hit is the only one.
class StoreGroup {
 public:
  StoreGroup() = default;
  explicit StoreGroup(std::vector<const Store*> stores) : stores_(std::move(stores)) {}

  // The store must outlive the group.
  void add(const Store& store) { stores_.push_back(&store); }

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::size_t size() const;

 private:
  std::vector<const Store*> stores_;
};

}  // namespace ps::kube
