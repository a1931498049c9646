#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kube/clock.h"
#include "kube/http_client.h"
#include "kube/instrumentation.h"
#include "kube/resource.h"
#include "kube/token_bucket.h"

namespace ps::kube {

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int limit = 0;  // page size; 0 = server default (everything)
  std::string continueToken;
  std::string resourceVersion;
};

struct ListPage {
  nlohmann::json items = nlohmann::json::array();
  std::string resourceVersion;
  std::string continueToken;
};

struct WatchOptions {
  std::string resourceVersion;
  int timeoutSeconds = 300;
  bool allowWatchBookmarks = true;
  std::string labelSelector;
  std::string fieldSelector;
};

struct DeleteOptions {
  std::optional<std::string> uid;              // precondition
  std::optional<std::string> resourceVersion;  // precondition
  std::string propagationPolicy;               // "", "Foreground", "Background", "Orphan"
};

// What an Event says about an object (core/v1 Event).
struct EventSpec {
  nlohmann::json involvedObject;  // the object itself, or an ObjectReference
  std::string type = "Normal";    // Normal | Warning
  std::string reason;             // UpperCamelCase
  std::string message;
  std::string component;  // reporting controller
};

struct ClientOptions {
  double qps = 50;  // generous: low defaults were the bottleneck for Tekton
  int burst = 100;
  std::string userAgent = "plugin-sandbox";
  RequestMetrics* metrics = nullptr;  // not owned; may be null
  const Clock* clock = nullptr;       // null = the real clock
};

// Requests on any group/version/resource, JSON in and out. Thread-safe; calls block the caller.
class KubeClient {
 public:
  KubeClient(HttpClientPtr transport, ClientOptions options = {});

  Result<nlohmann::json> get(const GroupVersionResource& gvr, const std::string& ns,
                             const std::string& name);
  // One page; follow `continueToken` for the next.
  Result<ListPage> list(const GroupVersionResource& gvr, const std::string& ns,
                        const ListOptions& options = {});
  // Every page, concatenated; the resourceVersion is the first page's (a consistent snapshot).
  Result<ListPage> listAll(const GroupVersionResource& gvr, const std::string& ns,
                           ListOptions options = {});
  Result<nlohmann::json> create(const GroupVersionResource& gvr, const std::string& ns,
                                const nlohmann::json& object);
  // PUT; the object's metadata.resourceVersion makes it conditional (409 on conflict).
  Result<nlohmann::json> replace(const GroupVersionResource& gvr, const std::string& ns,
                                 const nlohmann::json& object);
  // PUT on the status subresource, conditional on metadata.resourceVersion.
  Result<nlohmann::json> updateStatus(const GroupVersionResource& gvr, const std::string& ns,
                                      const nlohmann::json& object);
  Result<nlohmann::json> mergePatch(const GroupVersionResource& gvr, const std::string& ns,
                                    const std::string& name, const nlohmann::json& patch,
                                    const std::string& subresource = "");
  // Server-side apply as `fieldManager`; `force` takes over conflicting fields.
  Result<nlohmann::json> apply(const GroupVersionResource& gvr, const std::string& ns,
                               const std::string& name, const nlohmann::json& object,
                               const std::string& fieldManager, bool force = false);
  Result<Done> remove(const GroupVersionResource& gvr, const std::string& ns,
                      const std::string& name, const DeleteOptions& options = {});
  Result<nlohmann::json> createEvent(const std::string& ns, const EventSpec& event);

  // Streams watch events (one JSON object per line) to `onChunk` until the server ends the watch,
  // the handler returns false or `stop` fires. Non-2xx answers come back as kStatus errors.
  Result<Done> watch(const GroupVersionResource& gvr, const std::string& ns,
                     const WatchOptions& options, const ChunkHandler& onChunk, StopSignal& stop);

 private:
  Result<nlohmann::json> call(const std::string& verb, HttpRequest request);
  void recordRequest(const std::string& verb, const std::string& method,
                     const Result<HttpResponse>& response, Clock::TimePoint started);

  HttpClientPtr transport_;
  const ClientOptions options_;
  const Clock& clock_;
  TokenBucket limiter_;
};

// Turns a non-2xx response into a KubeError carrying the API's Status reason and message.
KubeError statusError(const HttpResponse& response);

}  // namespace ps::kube
