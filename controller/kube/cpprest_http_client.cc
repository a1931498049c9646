// The only file that includes cpprestsdk headers for the client side.
#include "kube/cpprest_http_client.h"

#include <cpprest/http_client.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

#include "core/annotated_mutex.h"
#include "kube/credentials.h"

namespace ps::kube {
namespace {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;

// Watch streams arrive in large blocks; splitting lines ourselves beats read_line by ~3x.
constexpr std::size_t kReadBlock = 64 * 1024;

KubeError transportError(std::string message) {
  return KubeError{ErrorKind::kTransport, 0, "", std::move(message)};
}

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class CpprestHttpClient final : public HttpClient {
 public:
  CpprestHttpClient(const ClientConfig& config, std::chrono::milliseconds defaultTimeout)
      : config_(config),
        defaultTimeout_(defaultTimeout),
        credentials_(makeCredentialSource(config)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    StopSignal neverStopped;
    std::string body;
    auto response = stream(
        request,
        [&body](std::string_view chunk) {
          body.append(chunk);
          return true;
        },
        neverStopped);
    if (response && response->status / 100 == 2) response->body = std::move(body);
    return response;
  }

  Result<HttpResponse> stream(const HttpRequest& request, const ChunkHandler& onChunk,
                              StopSignal& stop) override {
    if (stop.stopped()) return KubeError{ErrorKind::kCancelled, 0, "", "stopped"};
    pplx::cancellation_token_source cancel;
    const int callbackId = stop.onStop([&cancel] { cancel.cancel(); });
    auto result = authenticatedExchange(request, onChunk, cancel.get_token());
    stop.removeCallback(callbackId);
    if (!result && stop.stopped()) {
      // A stream is cancelled at shutdown or because its connection went silent (a stalled
      // watch). Its idle siblings in the pool may be just as dead: the next request must not
      // inherit one, so this timeout's client (and pool) is made afresh.
      forgetClient(request.timeout);
      return KubeError{ErrorKind::kCancelled, 0, "", "stopped"};
    }
    return result;
  }

 private:
  // A 401 renews the credentials (a rotated token file, an expired plugin token) and, when they
  // changed, sends the request once more: the server did nothing with the refused one, and a
  // 401 body is never handed to `onChunk`.
  Result<HttpResponse> authenticatedExchange(const HttpRequest& request,
                                             const ChunkHandler& onChunk,
                                             const pplx::cancellation_token& token) {
    auto credentials = credentials_->current();
    if (!credentials) return credentials.error();
    auto result = exchange(request, *credentials, onChunk, token);
    if (!result || result->status != 401) return result;
    if (!credentials_->renewAfterUnauthorized(*credentials)) return result;
    auto renewed = credentials_->current();
    if (!renewed) return renewed.error();
    return exchange(request, *renewed, onChunk, token);
  }

  Result<HttpResponse> exchange(const HttpRequest& request, const Credentials& credentials,
                                const ChunkHandler& onChunk,
                                const pplx::cancellation_token& token) {
    try {
      // Held for the whole exchange: a certificate rotation may replace the map's entry meanwhile.
      std::shared_ptr<http_client> client = clientFor(request.timeout, credentials);
      // Runs on the caller's own thread: blocking here never starves the PPLX pool.
      http::http_response response =
          client->request(buildMessage(request, credentials.bearerToken), token).get();
      HttpResponse head;
      head.status = response.status_code();
      for (const auto& [name, value] : response.headers()) head.headers[lowerCase(name)] = value;
      const bool success = head.status / 100 == 2;
      auto buffer = response.body().streambuf();
      std::string block(kReadBlock, '\0');
      while (true) {
        // getn() waits until the whole count is buffered, so ask only for what has arrived (at
        // least one byte): a quiet watch must not hold back its last events until 64 KiB pile up.
        const std::size_t wanted = std::clamp<std::size_t>(buffer.in_avail(), 1, block.size());
        const std::size_t n = buffer.getn(reinterpret_cast<uint8_t*>(block.data()), wanted).get();
        if (n == 0) break;
        const std::string_view chunk(block.data(), n);
        if (!success) {
          head.body.append(chunk);
        } else if (!onChunk(chunk)) {
          break;
        }
      }
      return head;
    } catch (const pplx::task_canceled&) {
      return KubeError{ErrorKind::kCancelled, 0, "", "cancelled"};
    } catch (const std::exception& e) {
      return transportError(e.what());
    }
  }

  http::http_request buildMessage(const HttpRequest& request, const std::string& bearerToken) {
    http::http_request message(request.method);
    message.set_request_uri(web::uri(request.path));
    std::string contentType = "application/json";
    for (const auto& [name, value] : request.headers) {
      if (lowerCase(name) == "content-type") {
        contentType = value;
      } else {
        message.headers().add(name, value);
      }
    }
    if (!bearerToken.empty()) message.headers().add("Authorization", "Bearer " + bearerToken);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      message.set_body(request.body, contentType);
    }
    return message;
  }

  // One client per inactivity timeout: watches need a longer one than ordinary requests. A new
  // client certificate (from an exec plugin) starts new clients, so new connections present it.
  std::shared_ptr<http_client> clientFor(std::chrono::milliseconds timeout,
                                         const Credentials& credentials) {
    if (timeout.count() == 0) timeout = defaultTimeout_;
    MutexLock lock(mutex_);
    if (credentials.clientCertPem != clientCertPem_ || credentials.clientKeyPem != clientKeyPem_) {
      clients_.clear();
      clientCertPem_ = credentials.clientCertPem;
      clientKeyPem_ = credentials.clientKeyPem;
    }
    auto found = clients_.find(timeout);
    if (found != clients_.end()) return found->second;
    http_client_config settings;
    settings.set_timeout(timeout);
    settings.set_validate_certificates(!config_.insecureSkipTlsVerify);
    settings.set_ssl_context_callback([caPem = config_.caPem, certPem = clientCertPem_,
                                       keyPem = clientKeyPem_](boost::asio::ssl::context& context) {
      if (!caPem.empty()) context.add_certificate_authority(boost::asio::buffer(caPem));
      if (!certPem.empty()) {
        context.use_certificate_chain(boost::asio::buffer(certPem));
        context.use_private_key(boost::asio::buffer(keyPem), boost::asio::ssl::context::pem);
      }
    });
    auto client = std::make_shared<http_client>(web::uri(config_.server), settings);
    clients_.emplace(timeout, client);
    return client;
  }

  void forgetClient(std::chrono::milliseconds timeout) {
    if (timeout.count() == 0) timeout = defaultTimeout_;
    MutexLock lock(mutex_);
    clients_.erase(timeout);
  }

  const ClientConfig config_;
  const std::chrono::milliseconds defaultTimeout_;
  const CredentialSourcePtr credentials_;
  Mutex mutex_;
  std::string clientCertPem_ GUARDED_BY(mutex_);  // the certificate the clients present
  std::string clientKeyPem_ GUARDED_BY(mutex_);
  std::map<std::chrono::milliseconds, std::shared_ptr<http_client>> clients_ GUARDED_BY(mutex_);
};

}  // namespace

HttpClientPtr makeCpprestHttpClient(const ClientConfig& config,
                                    std::chrono::milliseconds defaultTimeout) {
  return std::make_unique<CpprestHttpClient>(config, defaultTimeout);
}

}  // namespace ps::kube
