// libFuzzer target: arbitrary text as a kubeconfig file (--kubeconfig, $KUBECONFIG: written by
// whoever deploys the controller or runs pluginctl). Parse only: relative certificate and token
// paths resolve into a directory that does not exist, and nothing is contacted. A config that
// parses has a server, and a client certificate only together with its key.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "kube/kube_config.h"

namespace {

// Relative paths resolve here, where nothing exists: the target reads no file of its own.
const std::filesystem::path kNowhere = "/nonexistent/kube_config_fuzz";

void check(std::string_view text, const std::string& context) {
  const auto config = ps::kube::parseKubeconfig(text, context, kNowhere, "fuzz");
  if (!config) return;
  FUZZ_CHECK(!config->server.empty());
  FUZZ_CHECK(config->clientCertPem.empty() == config->clientKeyPem.empty());
  FUZZ_CHECK(!config->defaultNamespace.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, "");      // its current-context
  check(text, "fuzz");  // a context named on the command line
  return 0;
}
