#pragma once

#include "kube/http_client.h"
#include "kube/kube_config.h"

namespace ps::kube {

// The one HttpClient over cpprestsdk. TLS is verified against `config.caPem` (or the system store)
// unless `config.insecureSkipTlsVerify`; the client certificate and bearer token authenticate.
// `defaultTimeout` is the inactivity timeout for requests that set none.
HttpClientPtr makeCpprestHttpClient(
    const ClientConfig& config,
    std::chrono::milliseconds defaultTimeout = std::chrono::seconds(30));

}  // namespace ps::kube
