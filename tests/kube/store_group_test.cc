#include "kube/store_group.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ps::kube {
namespace {

using nlohmann::json;

json object(const std::string& ns, const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", "1"}}}};
}

std::vector<std::string> keysOf(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> keys;
  for (const ObjectPtr& object : objects) keys.push_back(objectKey(*object));
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(StoreGroupTest, EmptyGroupHoldsNothing) {
  StoreGroup group;
  EXPECT_EQ(group.get("a/x"), nullptr);
  EXPECT_TRUE(group.list().empty());
  EXPECT_EQ(group.size(), 0u);
}

TEST(StoreGroupTest, ReadsEveryNamespacesStore) {
  Store teamA;
  Store teamB;
  teamA.apply(object("team-a", "run-1"));
  teamB.apply(object("team-b", "run-1"));
  teamB.apply(object("team-b", "run-2"));
  StoreGroup group({&teamA, &teamB});

  ASSERT_NE(group.get("team-a/run-1"), nullptr);
  EXPECT_EQ(objectKey(*group.get("team-b/run-2")), "team-b/run-2");
  EXPECT_EQ(group.get("team-c/run-1"), nullptr) << "an unwatched namespace is not in the cache";
  EXPECT_EQ(keysOf(group.list()),
            (std::vector<std::string>{"team-a/run-1", "team-b/run-1", "team-b/run-2"}));
  EXPECT_EQ(group.size(), 3u);
}

TEST(StoreGroupTest, SeesLaterChangesOfItsStores) {
  Store store;
  StoreGroup group;
  group.add(store);
  EXPECT_EQ(group.get("ns/a"), nullptr);
  store.apply(object("ns", "a"));
  EXPECT_NE(group.get("ns/a"), nullptr) << "a view, not a copy";
  store.remove(object("ns", "a"));
  EXPECT_EQ(group.size(), 0u);
}

}  // namespace
}  // namespace ps::kube
