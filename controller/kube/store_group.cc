#include "kube/store_group.h"

namespace ps::kube {

ObjectPtr StoreGroup::get(const std::string& key) const {
  for (const Store* store : stores_) {
    if (ObjectPtr object = store->get(key)) return object;
  }
  return nullptr;
}

std::vector<ObjectPtr> StoreGroup::list() const {
  std::vector<ObjectPtr> all;
  for (const Store* store : stores_) {
    std::vector<ObjectPtr> part = store->list();
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return all;
}

std::size_t StoreGroup::size() const {
  std::size_t total = 0;
  for (const Store* store : stores_) total += store->size();
  return total;
}

}  // namespace ps::kube
