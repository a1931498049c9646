#include "kube/api_client.h"

#include "kube/json_member.h"
#include "kube/rfc3339.h"

namespace ps::kube {
namespace {

using nlohmann::json;

std::string queryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string query;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    query += (query.empty() ? "?" : "&") + name + "=" + encodeQueryValue(value);
  }
  return query;
}

std::string metadataField(const json& object, const char* field) {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  const auto value = meta->find(field);
  return value != meta->end() && value->is_string() ? value->get<std::string>() : "";
}

HttpRequest jsonRequest(std::string method, std::string path, const json* body,
                        std::string contentType = "application/json") {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.headers.emplace_back("Accept", "application/json");
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", std::move(contentType));
    request.body = body->dump();
  }
  return request;
}

}  // namespace

KubeError statusError(const HttpResponse& response) {
  KubeError error{ErrorKind::kStatus, response.status, "", ""};
  const json status = json::parse(response.body, nullptr, false);
  if (status.is_object()) {
    error.reason = stringMember(status, "reason");
    error.message = stringMember(status, "message");
  }
  if (error.message.empty()) error.message = response.body.substr(0, 512);
  return error;
}

KubeClient::KubeClient(HttpClientPtr transport, ClientOptions options)
    : transport_(std::move(transport)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SteadyClock::instance()),
      limiter_(options_.qps, options_.burst, clock_) {}

void KubeClient::recordRequest(const std::string& verb, const std::string& method,
                               const Result<HttpResponse>& response, Clock::TimePoint started) {
  if (options_.metrics == nullptr) return;
  const std::string code = response ? std::to_string(response->status) : "<error>";
  options_.metrics->requestDone(verb, method, code,
                                std::chrono::duration<double>(clock_.now() - started).count());
}

Result<json> KubeClient::call(const std::string& verb, HttpRequest request) {
  limiter_.take();
  request.headers.emplace_back("User-Agent", options_.userAgent);
  const auto started = clock_.now();
  auto response = transport_->send(request);
  recordRequest(verb, request.method, response, started);
  if (!response) return response.error();
  if (response->status / 100 != 2) return statusError(response.value());
  if (response->body.empty()) return json::object();
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded())
    return KubeError{ErrorKind::kBadResponse, response->status, "", "response is not JSON"};
  return body;
}

Result<json> KubeClient::get(const GroupVersionResource& gvr, const std::string& ns,
                             const std::string& name) {
  return call("GET", jsonRequest("GET", objectPath(gvr, ns, name), nullptr));
}

Result<ListPage> KubeClient::list(const GroupVersionResource& gvr, const std::string& ns,
                                  const ListOptions& options) {
  const std::string query =
      queryString({{"labelSelector", options.labelSelector},
                   {"fieldSelector", options.fieldSelector},
                   {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                   {"continue", options.continueToken},
                   {"resourceVersion", options.resourceVersion}});
  auto body = call("LIST", jsonRequest("GET", collectionPath(gvr, ns) + query, nullptr));
  if (!body) return body.error();
  ListPage page;
  const json& value = body.value();
  if (value.contains("items") && value["items"].is_array()) page.items = value["items"];
  if (value.contains("metadata") && value["metadata"].is_object()) {
    page.resourceVersion = stringMember(value["metadata"], "resourceVersion");
    page.continueToken = stringMember(value["metadata"], "continue");
  }
  return page;
}

Result<ListPage> KubeClient::listAll(const GroupVersionResource& gvr, const std::string& ns,
                                     ListOptions options) {
  ListPage all;
  bool first = true;
  do {
    auto page = list(gvr, ns, options);
    if (!page) return page.error();
    if (first) all.resourceVersion = page->resourceVersion;
    first = false;
    for (auto& item : page->items) all.items.push_back(std::move(item));
    options.continueToken = page->continueToken;
    options.resourceVersion.clear();  // the continue token pins the snapshot
  } while (!options.continueToken.empty());
  return all;
}

Result<json> KubeClient::create(const GroupVersionResource& gvr, const std::string& ns,
                                const json& object) {
  return call("POST", jsonRequest("POST", collectionPath(gvr, ns), &object));
}

Result<json> KubeClient::replace(const GroupVersionResource& gvr, const std::string& ns,
                                 const json& object) {
  const auto path = objectPath(gvr, ns, metadataField(object, "name"));
  return call("PUT", jsonRequest("PUT", path, &object));
}

Result<json> KubeClient::updateStatus(const GroupVersionResource& gvr, const std::string& ns,
                                      const json& object) {
  const auto path = objectPath(gvr, ns, metadataField(object, "name"), "status");
  return call("PUT", jsonRequest("PUT", path, &object));
}

Result<json> KubeClient::mergePatch(const GroupVersionResource& gvr, const std::string& ns,
                                    const std::string& name, const json& patch,
                                    const std::string& subresource) {
  return call("PATCH", jsonRequest("PATCH", objectPath(gvr, ns, name, subresource), &patch,
                                   "application/merge-patch+json"));
}

Result<json> KubeClient::apply(const GroupVersionResource& gvr, const std::string& ns,
                               const std::string& name, const json& object,
                               const std::string& fieldManager, bool force) {
  const auto query = queryString({{"fieldManager", fieldManager}, {"force", force ? "true" : ""}});
  // JSON is YAML, so the apply content type accepts our JSON body as it is.
  return call("APPLY", jsonRequest("PATCH", objectPath(gvr, ns, name) + query, &object,
                                   "application/apply-patch+yaml"));
}

Result<Done> KubeClient::remove(const GroupVersionResource& gvr, const std::string& ns,
                                const std::string& name, const DeleteOptions& options) {
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (options.uid) body["preconditions"]["uid"] = *options.uid;
  if (options.resourceVersion) body["preconditions"]["resourceVersion"] = *options.resourceVersion;
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  auto result = call("DELETE", jsonRequest("DELETE", objectPath(gvr, ns, name), &body));
  if (!result) return result.error();
  return Done{};
}

Result<json> KubeClient::createEvent(const std::string& ns, const EventSpec& event) {
  const json& target = event.involvedObject;
  const json reference = {{"apiVersion", target.value("apiVersion", "")},
                          {"kind", target.value("kind", "")},
                          {"namespace", metadataField(target, "namespace")},
                          {"name", metadataField(target, "name")},
                          {"uid", metadataField(target, "uid")},
                          {"resourceVersion", metadataField(target, "resourceVersion")}};
  json object = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", metadataField(target, "name") + "."}, {"namespace", ns}}},
      {"involvedObject", reference},
      {"type", event.type},
      {"reason", event.reason},
      {"message", event.message},
      {"source", {{"component", event.component}}},
      {"count", 1}};
  // Without these, `kubectl get events` shows LAST SEEN as <unknown>.
  const std::string now = formatMicroTime(std::chrono::system_clock::now());
  object["firstTimestamp"] = now;
  object["lastTimestamp"] = now;
  return create(eventsResource(), ns, object);
}

Result<Done> KubeClient::watch(const GroupVersionResource& gvr, const std::string& ns,
                               const WatchOptions& options, const ChunkHandler& onChunk,
                               StopSignal& stop) {
  const auto query =
      queryString({{"watch", "true"},
                   {"resourceVersion", options.resourceVersion},
                   {"timeoutSeconds", std::to_string(options.timeoutSeconds)},
                   {"allowWatchBookmarks", options.allowWatchBookmarks ? "true" : ""},
                   {"labelSelector", options.labelSelector},
                   {"fieldSelector", options.fieldSelector}});
  HttpRequest request = jsonRequest("GET", collectionPath(gvr, ns) + query, nullptr);
  request.headers.emplace_back("User-Agent", options_.userAgent);
  // The inactivity timeout must outlast the server's own watch timeout, or we cut healthy watches.
  request.timeout = std::chrono::seconds(options.timeoutSeconds + 60);
  limiter_.take();
  const auto started = clock_.now();
  auto response = transport_->stream(request, onChunk, stop);
  recordRequest("WATCH", request.method, response, started);
  if (!response) return response.error();
  if (response->status / 100 != 2) return statusError(response.value());
  return Done{};
}

}  // namespace ps::kube
