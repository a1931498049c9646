#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ps::reconcile {

struct WatchNamespaces {
  std::vector<std::string> names;  // empty = all namespaces
  std::string error;               // set when the flag is refused; names the offending entry
};

// Parses --namespace: "" = all namespaces, else a comma-separated list of namespace names (RFC 1123
// labels; spaces around entries ignored; duplicates dropped, order kept). A Helm chart renders
// one entry per watched namespace, so "team-a,team-b" is the common case.
WatchNamespaces parseWatchNamespaces(const std::string& flag);

}  // namespace ps::reconcile
