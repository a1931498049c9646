#include "fake_http_client.h"

namespace ps::kube::testing {

void FakeHttpClient::script(std::string method, std::string pathPrefix, Reply reply) {
  std::lock_guard lock(mutex_);
  script_.push_back({std::move(method), std::move(pathPrefix), std::move(reply)});
}

std::vector<HttpRequest> FakeHttpClient::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<HttpRequest> FakeHttpClient::requestsTo(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  std::vector<HttpRequest> matching;
  for (const auto& request : requests_) {
    if (request.path.starts_with(prefix)) matching.push_back(request);
  }
  return matching;
}

bool FakeHttpClient::waitForRequests(const std::string& prefix, std::size_t count,
                                     std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] {
    std::size_t seen = 0;
    for (const auto& request : requests_) seen += request.path.starts_with(prefix) ? 1 : 0;
    return seen >= count;
  });
}

std::optional<FakeHttpClient::Reply> FakeHttpClient::take(const HttpRequest& request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  arrived_.notify_all();
  for (auto it = script_.begin(); it != script_.end(); ++it) {
    if (it->method == request.method && request.path.starts_with(it->pathPrefix)) {
      Reply reply = std::move(it->reply);
      script_.erase(it);
      return reply;
    }
  }
  return std::nullopt;
}

Result<HttpResponse> FakeHttpClient::send(const HttpRequest& request) {
  auto reply = take(request);
  if (!reply)
    return KubeError{ErrorKind::kTransport, 0, "", "no scripted reply for " + request.path};
  if (reply->error) return *reply->error;
  HttpResponse response;
  response.status = reply->status;
  response.body = reply->body;
  return response;
}

Result<HttpResponse> FakeHttpClient::stream(const HttpRequest& request, const ChunkHandler& onChunk,
                                            StopSignal& stop) {
  auto reply = take(request);
  if (!reply) reply = Reply{200, "", {}, true, std::nullopt};  // unscripted: an idle watch
  if (reply->error) return *reply->error;
  HttpResponse response;
  response.status = reply->status;
  if (response.status / 100 != 2) {
    response.body = reply->body;
    return response;
  }
  for (const auto& chunk : reply->chunks) {
    if (!onChunk(chunk)) return response;
  }
  if (reply->live) reply->live(onChunk, stop);
  if (reply->holdOpen) {
    while (stop.sleepFor(SteadyClock::instance(), std::chrono::milliseconds(20))) {
    }
    return KubeError{ErrorKind::kCancelled, 0, "", "stopped"};
  }
  return response;
}

}  // namespace ps::kube::testing
