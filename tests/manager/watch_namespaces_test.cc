#include "manager/watch_namespaces.h"

#include <gtest/gtest.h>

namespace ps::reconcile {
namespace {

using Names = std::vector<std::string>;

TEST(WatchNamespacesTest, EmptyMeansAllNamespaces) {
  for (const std::string flag : {"", "  "}) {
    const WatchNamespaces parsed = parseWatchNamespaces(flag);
    EXPECT_TRUE(parsed.error.empty()) << flag;
    EXPECT_TRUE(parsed.names.empty()) << flag;
  }
}

TEST(WatchNamespacesTest, OneOrSeveralNames) {
  EXPECT_EQ(parseWatchNamespaces("team-a").names, Names{"team-a"});
  EXPECT_EQ(parseWatchNamespaces("team-a,team-b").names, (Names{"team-a", "team-b"}));
  EXPECT_EQ(parseWatchNamespaces(" team-a , team-b ").names, (Names{"team-a", "team-b"}));
  EXPECT_EQ(parseWatchNamespaces("b,a,b").names, (Names{"b", "a"}))
      << "duplicates dropped, order kept";
}

TEST(WatchNamespacesTest, RefusesEmptyEntriesAndNonNames) {
  const struct {
    std::string flag;
    std::string named;
  } cases[] = {
      {"a,,b", "empty entry"},  {"a,", "empty entry"},
      {",a", "empty entry"},    {"a, ", "empty entry"},
      {"Team-A", "\"Team-A\""}, {"team_a", "\"team_a\""},
      {"-team", "\"-team\""},   {"team-", "\"team-\""},
      {"a/b", "\"a/b\""},       {std::string(64, 'a'), std::string(64, 'a')},
  };
  for (const auto& c : cases) {
    const WatchNamespaces parsed = parseWatchNamespaces(c.flag);
    EXPECT_TRUE(parsed.names.empty()) << c.flag;
    EXPECT_NE(parsed.error.find(c.named), std::string::npos) << c.flag << ": " << parsed.error;
    EXPECT_EQ(parsed.error.find('\n'), std::string::npos);
  }
  EXPECT_TRUE(parseWatchNamespaces(std::string(63, 'a')).error.empty());
}

}  // namespace
}  // namespace ps::reconcile
