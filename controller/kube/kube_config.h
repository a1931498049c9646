#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kube/exec_credential.h"
#include "kube/kube_error.h"

namespace ps::kube {

// Everything needed to reach and authenticate to one API server. PEM material is held as text.
struct ClientConfig {
  std::string server;  // e.g. "https://127.0.0.1:6443"
  std::string caPem;   // empty: the system trust store
  std::string clientCertPem;
  std::string clientKeyPem;
  std::string bearerToken;                // fixed token, or
  std::filesystem::path bearerTokenFile;  // a token file re-read when it rotates
  std::optional<ExecConfig> exec;         // or a credential plugin (users[].user.exec)
  bool insecureSkipTlsVerify = false;     // only ever set explicitly
  std::string defaultNamespace = "default";
};

// Looks up an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup processEnvironment();

// Reads a kubeconfig file using `context` (or its current-context). Relative certificate and
// token paths (and an exec command holding a '/') are resolved against the kubeconfig's directory.
// An exec stanza needs a command and apiVersion client.authentication.k8s.io/v1 or v1beta1, and
// cannot ask for interactiveMode Always (a controller has no terminal) nor stand beside a token.
Result<ClientConfig> loadKubeconfig(const std::filesystem::path& path,
                                    const std::string& context = "");
// The same for kubeconfig text already read; `baseDir` resolves its relative paths. `what` names
// the file in messages.
Result<ClientConfig> parseKubeconfig(std::string_view text, const std::string& context,
                                     const std::filesystem::path& baseDir, std::string_view what);

// The pod's service-account configuration: KUBERNETES_SERVICE_HOST/PORT, the token (as a file, so
// rotations are picked up), CA and namespace from `accountDir`.
Result<ClientConfig> inClusterConfig(
    const EnvLookup& env,
    const std::filesystem::path& accountDir = "/var/run/secrets/kubernetes.io/serviceaccount");

// The usual order: an explicit path, else $KUBECONFIG, else in-cluster.
Result<ClientConfig> loadClientConfig(const std::string& explicitPath, const EnvLookup& env);

}  // namespace ps::kube
