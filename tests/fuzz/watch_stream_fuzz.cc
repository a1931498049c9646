// libFuzzer target: what an API server (or anything posing as one) sends a watcher. The input's
// first byte picks how the body is cut into chunks; up to the first newline after it is the LIST
// response body; the rest is the WATCH response body, delivered in those chunks. It runs through
// the real KubeClient, Watcher (line framing, event decoding, 410, bookmarks) and Store (the
// reflector's cache). Nothing may escape as an exception, and the cache must stay consistent.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "kube/api_client.h"
#include "kube/store.h"
#include "kube/watcher.h"

namespace {

using namespace ps::kube;

// Time that jumps to every deadline at once: backoff never sleeps for real.
class InstantClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void waitUntil(std::condition_variable&, std::unique_lock<std::mutex>&,
                 TimePoint deadline) const override {
    if (deadline > now_) now_ = deadline;
  }

 private:
  mutable TimePoint now_{};
};

// Answers every LIST with `listBody` and every WATCH with `watchChunks`; after a few requests it
// stops the watcher, which would otherwise retry for ever.
class ScriptedServer final : public HttpClient {
 public:
  ScriptedServer(std::string_view listBody, std::vector<std::string_view> watchChunks,
                 StopSignal& stop)
      : listBody_(listBody), watchChunks_(std::move(watchChunks)), stop_(stop) {}

  Result<HttpResponse> send(const HttpRequest&) override {
    if (++requests_ >= kMaxRequests) stop_.stop();
    return HttpResponse{200, {}, std::string(listBody_)};
  }

  Result<HttpResponse> stream(const HttpRequest&, const ChunkHandler& onChunk,
                              StopSignal&) override {
    if (++requests_ >= kMaxRequests) stop_.stop();
    for (const auto chunk : watchChunks_) {
      if (!onChunk(chunk)) break;
    }
    return HttpResponse{200, {}, ""};
  }

 private:
  static constexpr int kMaxRequests = 4;
  const std::string_view listBody_;
  const std::vector<std::string_view> watchChunks_;
  StopSignal& stop_;
  int requests_ = 0;
};

class StoreSink final : public WatcherSink {
 public:
  void restarted(std::vector<nlohmann::json>&& objects) override {
    store.replace(std::move(objects));
  }
  void applied(nlohmann::json&& object) override { store.apply(std::move(object)); }
  void deleted(nlohmann::json&& object) override { store.remove(object); }
  Store store;
};

std::vector<std::string_view> chunksOf(std::string_view body, uint8_t pattern) {
  std::vector<std::string_view> chunks;
  uint32_t state = pattern;
  while (!body.empty()) {
    state = state * 1103515245u + 12345u;  // a fixed LCG: the same input, the same cuts
    const std::size_t size = pattern == 0 ? body.size() : 1 + (state >> 16) % 97;
    chunks.push_back(body.substr(0, size));
    body.remove_prefix(std::min(size, body.size()));
  }
  return chunks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t pattern = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t newline = rest.find('\n');
  const std::string_view listBody = rest.substr(0, newline);
  const std::string_view watchBody =
      newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

  StopSignal stop;
  InstantClock clock;
  auto server = std::make_unique<ScriptedServer>(listBody, chunksOf(watchBody, pattern), stop);
  ClientOptions options;
  options.qps = 1e9;
  options.burst = 1000;
  options.clock = &clock;
  KubeClient client(std::move(server), options);
  WatcherOptions watcherOptions;
  watcherOptions.backoff = {};
  Watcher watcher(client, GroupVersionResource{"sandbox.plugins.dev", "v1alpha1", "pluginruns"},
                  "team-a", watcherOptions, clock);
  StoreSink sink;
  watcher.run(sink, stop);

  std::set<std::string> keys;
  for (const auto& key : sink.store.keys()) {
    FUZZ_CHECK(keys.insert(key).second);
    FUZZ_CHECK(sink.store.get(key) != nullptr);
  }
  FUZZ_CHECK(sink.store.size() == keys.size());
  return 0;
}
