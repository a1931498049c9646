#include "api/pod_naming.h"

#include "core/digest.h"

namespace ps::reconcile {
namespace {

constexpr size_t kMaxDnsLabel = 63;
constexpr size_t kHashChars = 10;

}  // namespace

std::string podNameFor(const PluginRun& run) {
  const std::string uid = run.uid.empty() ? kPlaceholderUid : run.uid;
  const std::string hash = core::sha256Hex(uid).substr(0, kHashChars);
  // Dots are legal in a run's name but not in a DNS label (the Pod's hostname).
  std::string prefix = run.name.substr(0, kMaxDnsLabel - kHashChars - 1);
  for (char& c : prefix) {
    if (c == '.') c = '-';
  }
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  return prefix.empty() ? "run-" + hash : prefix + "-" + hash;
}

std::string runLabelValue(const PluginRun& run) {
  return run.name.size() <= kMaxDnsLabel ? run.name : podNameFor(run);
}

}  // namespace ps::reconcile
