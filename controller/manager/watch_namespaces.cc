#include "manager/watch_namespaces.h"

#include <algorithm>
#include <sstream>

namespace ps::reconcile {

namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Namespace names are RFC 1123 labels: at most 63 of [a-z0-9-], alphanumeric at both ends.
bool isNamespaceName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  };
  return std::all_of(name.begin(), name.end(), allowed) && name.front() != '-' &&
         name.back() != '-';
}

std::string emptyEntry(const std::string& flag) {
  return "--namespace \"" + flag + "\" has an empty entry; use \"\" alone for all namespaces";
}

}  // namespace

WatchNamespaces parseWatchNamespaces(const std::string& flag) {
  auto refuse = [](std::string error) { return WatchNamespaces{{}, std::move(error)}; };
  WatchNamespaces parsed;
  if (trimmed(flag).empty()) return parsed;
  std::stringstream entries(flag);
  std::string entry;
  while (std::getline(entries, entry, ',')) {
    const std::string name = trimmed(entry);
    if (name.empty()) return refuse(emptyEntry(flag));
    if (!isNamespaceName(name)) {
      return refuse("--namespace entry \"" + name +
                    "\" is not a namespace name (lowercase letters, digits and '-', at most 63)");
    }
    if (std::find(parsed.names.begin(), parsed.names.end(), name) == parsed.names.end()) {
      parsed.names.push_back(name);
    }
  }
  if (flag.back() == ',') return refuse(emptyEntry(flag));  // getline drops a last empty entry
  return parsed;
}

}  // namespace ps::reconcile
