#include "kube/credentials.h"

#include "kube/bearer_token.h"
#include "kube/exec_credential.h"
#include "kube/kube_config.h"

namespace ps::kube {
namespace {

// A kubeconfig's (or the service account's) token, fixed or from a file, and client certificate.
class TokenCredentialSource final : public CredentialSource {
 public:
  explicit TokenCredentialSource(const ClientConfig& config)
      : certPem_(config.clientCertPem),
        keyPem_(config.clientKeyPem),
        token_(config.bearerToken, config.bearerTokenFile, SteadyClock::instance()) {}

  Result<Credentials> current() override {
    return Credentials{token_.current(), certPem_, keyPem_};
  }

  bool renewAfterUnauthorized(const Credentials& used) override {
    return token_.reread() != used.bearerToken;
  }

 private:
  const std::string certPem_, keyPem_;
  BearerTokenSource token_;
};

}  // namespace

CredentialSourcePtr makeCredentialSource(const ClientConfig& config) {
  if (config.exec) {
    return std::make_unique<ExecCredentialSource>(
        *config.exec, ExecClusterInfo{config.server, config.caPem, config.insecureSkipTlsVerify});
  }
  return std::make_unique<TokenCredentialSource>(config);
}

}  // namespace ps::kube
