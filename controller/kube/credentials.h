#pragma once

#include <memory>
#include <string>

#include "kube/kube_error.h"

namespace ps::kube {

struct ClientConfig;

// What authenticates one request: a bearer token, a client certificate, or both.
struct Credentials {
  std::string bearerToken;
  std::string clientCertPem;
  std::string clientKeyPem;
  bool operator==(const Credentials&) const = default;
};

// Where the transport gets credentials for each request. Sources that can change (a token file
// the kubelet rotates, an exec plugin's expiring token) refresh themselves.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // The credentials for the next request; an error when none can be had (a failing plugin).
  virtual Result<Credentials> current() = 0;
  // The server answered 401 to a request made with `used`: drop them and fetch afresh (re-read
  // the token file, re-run the plugin). True when the credentials changed, so that one retry of
  // the request is worth it (a 401 means the server did nothing with it).
  virtual bool renewAfterUnauthorized(const Credentials& used) = 0;
};

using CredentialSourcePtr = std::unique_ptr<CredentialSource>;

// The source `config` describes: its exec plugin, else its token file (re-read every minute and
// at once after a 401) and client certificate, else its fixed token and certificate.
CredentialSourcePtr makeCredentialSource(const ClientConfig& config);

}  // namespace ps::kube
