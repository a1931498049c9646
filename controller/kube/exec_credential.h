#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/annotated_mutex.h"
#include "kube/credentials.h"
#include "kube/kube_error.h"

namespace ps::kube {

// A kubeconfig user's `exec` stanza: a client-go credential plugin (aws eks get-token,
// gke-gcloud-auth-plugin, kubelogin) that prints an ExecCredential on stdout.
struct ExecConfig {
  std::string apiVersion;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;     // resolved against the kubeconfig's directory when it holds a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to (and overriding) ours
  bool provideClusterInfo = false;
  std::string installHint;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

// What KUBERNETES_EXEC_INFO tells the plugin about the cluster (with provideClusterInfo).
struct ExecClusterInfo {
  std::string server;
  std::string caPem;
  bool insecureSkipTlsVerify = false;
};

struct ExecCredential {
  Credentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiry;  // none: valid until a 401
};

// The KUBERNETES_EXEC_INFO value kubectl sets: an ExecCredential of `apiVersion` with
// spec.interactive false (we never have a terminal) and spec.cluster when provideClusterInfo.
std::string execInfoJson(const ExecConfig& exec, const ExecClusterInfo& cluster);

// Reads a plugin's stdout. Its apiVersion must be the one asked for and kind ExecCredential;
// status.token, or status.clientCertificateData with clientKeyData (PEM), or both;
// status.expirationTimestamp RFC 3339 when present. kTransport error naming what is wrong.
Result<ExecCredential> parseExecCredential(std::string_view text, const std::string& apiVersion);

// Runs the plugin when no credential is cached or the cached one has expired, and again after
// the server refused the cached one (401). One run at a time; callers wait for it.
class ExecCredentialSource final : public CredentialSource {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  ExecCredentialSource(ExecConfig exec, ExecClusterInfo cluster, WallClock now = nullptr);

  Result<Credentials> current() override;
  bool renewAfterUnauthorized(const Credentials& used) override;

 private:
  Result<ExecCredential> run();
  bool fresh() const REQUIRES(mutex_);

  const ExecConfig exec_;
  const ExecClusterInfo cluster_;
  const WallClock now_;
  Mutex mutex_;
  std::optional<ExecCredential> cached_ GUARDED_BY(mutex_);
};

}  // namespace ps::kube
