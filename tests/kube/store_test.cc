#include "kube/store.h"

#include <gtest/gtest.h>

namespace ps::kube {
namespace {

using nlohmann::json;

json object(const std::string& name, const std::string& rv, const std::string& ns = "ns") {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", rv}}}};
}

TEST(StoreTest, KeysAreNamespaceSlashName) {
  EXPECT_EQ(objectKey(object("a", "1")), "ns/a");
  EXPECT_EQ(objectKey(json{{"metadata", {{"name", "node"}}}}), "node");
  EXPECT_EQ(objectKey(json::object()), "");
}

// A listed object's metadata is not checked by the watch-line parser: reading it never throws.
TEST(StoreTest, MembersOfTheWrongTypeReadAsEmpty) {
  EXPECT_EQ(objectKey(nlohmann::json::parse(R"({"metadata":{"name":5,"namespace":"a"}})")), "a/");
  EXPECT_EQ(resourceVersionOf(nlohmann::json::parse(R"({"metadata":{"resourceVersion":7}})")), "");
  EXPECT_EQ(objectKey(nlohmann::json::parse(R"({"metadata":"x"})")), "");
}

TEST(StoreTest, ApplyAddsUpdatesAndIgnoresReplays) {
  Store store;
  auto added = store.apply(object("a", "1"));
  ASSERT_TRUE(added);
  EXPECT_EQ(added->kind, StoreDelta::Kind::kAdded);
  EXPECT_FALSE(store.apply(object("a", "1"))) << "the same version again is not a change";
  auto updated = store.apply(object("a", "2"));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->kind, StoreDelta::Kind::kUpdated);
  EXPECT_EQ(resourceVersionOf(*updated->old), "1");
  EXPECT_EQ(resourceVersionOf(*store.get("ns/a")), "2");
}

TEST(StoreTest, RemoveReportsLastStateOnce) {
  Store store;
  store.apply(object("a", "1"));
  auto removed = store.remove(object("a", "3"));
  ASSERT_TRUE(removed);
  EXPECT_EQ(resourceVersionOf(*removed->current), "1");
  EXPECT_FALSE(store.remove(object("a", "3")));
  EXPECT_EQ(store.size(), 0u);
}

TEST(StoreTest, ReplaceDiffsAgainstWhatWasHeld) {
  Store store;
  store.apply(object("kept", "1"));
  store.apply(object("changed", "1"));
  store.apply(object("gone", "1"));
  auto deltas = store.replace({object("kept", "1"), object("changed", "2"), object("new", "5")});
  std::map<std::string, StoreDelta::Kind> kinds;
  for (const auto& delta : deltas) kinds[objectKey(*delta.current)] = delta.kind;
  EXPECT_EQ(kinds,
            (std::map<std::string, StoreDelta::Kind>{{"ns/changed", StoreDelta::Kind::kUpdated},
                                                     {"ns/gone", StoreDelta::Kind::kDeleted},
                                                     {"ns/new", StoreDelta::Kind::kAdded}}));
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.get("ns/gone"), nullptr);
}

TEST(StoreTest, ReadersShareImmutableSnapshots) {
  Store store;
  store.apply(object("a", "1"));
  ObjectPtr held = store.get("ns/a");
  store.apply(object("a", "2"));
  EXPECT_EQ(resourceVersionOf(*held), "1") << "an object a reader holds never changes under it";
}

}  // namespace
}  // namespace ps::kube
