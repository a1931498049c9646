#include "kube/watcher.h"

#include <atomic>
#include <optional>
#include <thread>

#include "kube/json_member.h"
#include "kube/watch_event.h"

namespace ps::kube {
namespace {

// Fires `target` once no bytes arrived for `limit` on `clock`; runs a thread of its own because
// the watch blocks the watcher's thread inside the transport until something ends it.
class SilenceWatchdog {
 public:
  SilenceWatchdog(const Clock& clock, Clock::Duration limit, StopSignal& target)
      : clock_(clock),
        limit_(limit),
        target_(target),
        lastBytes_(clock.now().time_since_epoch().count()),
        thread_([this] { watch(); }) {}
  SilenceWatchdog(const SilenceWatchdog&) = delete;
  SilenceWatchdog& operator=(const SilenceWatchdog&) = delete;
  ~SilenceWatchdog() {
    done_.stop();
    thread_.join();
  }

  void sawBytes() { lastBytes_.store(clock_.now().time_since_epoch().count()); }
  bool fired() const { return fired_.load(); }

 private:
  Clock::TimePoint deadline() const {
    return Clock::TimePoint(Clock::Duration(lastBytes_.load())) + limit_;
  }
  void watch() {
    // Bytes move the deadline on; sleep again until the latest one passes with nothing new.
    while (done_.sleepUntil(clock_, deadline())) {
      if (clock_.now() >= deadline()) {
        fired_.store(true);
        target_.stop();
        return;
      }
    }
  }

  const Clock& clock_;
  const Clock::Duration limit_;
  StopSignal& target_;
  std::atomic<Clock::Duration::rep> lastBytes_;
  std::atomic<bool> fired_{false};
  StopSignal done_;
  std::thread thread_;  // last: starts once everything it reads exists
};

}  // namespace

Watcher::Watcher(KubeClient& client, GroupVersionResource gvr, std::string ns,
                 WatcherOptions options, const Clock& clock)
    : client_(client),
      gvr_(std::move(gvr)),
      ns_(std::move(ns)),
      options_(std::move(options)),
      clock_(clock),
      random_(std::random_device{}()) {}

void Watcher::run(WatcherSink& sink, StopSignal& stop) {
  Backoff backoff(options_.backoff, clock_);
  bool listed = false;
  while (!stop.stopped()) {
    if (!listed) {
      listed = relist(sink, stop);
      if (!listed) {
        stop.sleepFor(clock_, backoff.next());
        continue;
      }
    }
    switch (watchOnce(sink, stop)) {
      case WatchEnd::kTimedOut:  // normal: resume from the last version right away
      case WatchEnd::kStalled:   // reported; the server refused nothing, so no backoff either
        break;
      case WatchEnd::kExpired:  // our version was compacted away: start over with a list
        listed = false;
        break;
      case WatchEnd::kFailed:
        stop.sleepFor(clock_, backoff.next());
        break;
      case WatchEnd::kStopped:
        return;
    }
  }
}

bool Watcher::relist(WatcherSink& sink, StopSignal& stop) {
  ListOptions list;
  list.labelSelector = options_.labelSelector;
  list.fieldSelector = options_.fieldSelector;
  list.limit = options_.listPageSize;
  std::vector<nlohmann::json> objects;
  std::string listVersion;
  do {
    auto page = client_.list(gvr_, ns_, list);
    if (stop.stopped()) return false;
    if (!page) {
      sink.failed(page.error());
      return false;
    }
    if (listVersion.empty()) listVersion = page->resourceVersion;  // the first page's snapshot
    for (auto& item : page->items) {
      if (options_.transform) options_.transform(item);
      objects.push_back(std::move(item));
    }
    list.continueToken = page->continueToken;
    list.resourceVersion.clear();  // the continue token pins the snapshot
  } while (!list.continueToken.empty());
  resourceVersion_ = listVersion;
  sink.restarted(std::move(objects));
  return true;
}

Watcher::WatchEnd Watcher::watchOnce(WatcherSink& sink, StopSignal& stop) {
  WatchOptions watch;
  watch.resourceVersion = resourceVersion_;
  watch.labelSelector = options_.labelSelector;
  watch.fieldSelector = options_.fieldSelector;
  std::uniform_int_distribution<int> seconds(
      options_.minWatchSeconds, std::max(options_.minWatchSeconds, options_.maxWatchSeconds - 1));
  watch.timeoutSeconds = seconds(random_);

  // This watch alone can be cancelled: by `stop`, or by the watchdog when the stream goes quiet.
  StopSignal watchStop;
  const int linked = stop.onStop([&watchStop] { watchStop.stop(); });
  const auto silenceLimit = std::chrono::seconds(watch.timeoutSeconds) + options_.stallMargin;
  std::optional<SilenceWatchdog> watchdog(std::in_place, clock_, silenceLimit, watchStop);

  LineSplitter lines;
  WatchEnd end = WatchEnd::kTimedOut;
  auto onChunk = [&](std::string_view chunk) {
    watchdog->sawBytes();
    const bool whole = lines.feed(chunk, [&](std::string_view line) {
      end = handleLine(line, sink);
      return end == WatchEnd::kTimedOut;
    });
    if (!whole && end == WatchEnd::kTimedOut) {
      sink.failed(KubeError{ErrorKind::kBadResponse, 0, "", "watch line too long"});
      end = WatchEnd::kFailed;
    }
    return whole;
  };
  auto result = client_.watch(gvr_, ns_, watch, onChunk, watchStop);
  const bool stalled = watchdog->fired();
  watchdog.reset();
  stop.removeCallback(linked);
  if (stop.stopped()) return WatchEnd::kStopped;
  if (end != WatchEnd::kTimedOut) return end;
  if (stalled) {
    sink.failed(KubeError{ErrorKind::kTransport, 0, "",
                          "watch stalled: no bytes for " + std::to_string(silenceLimit.count()) +
                              " s (its timeoutSeconds plus the stall margin); reconnecting"});
    return WatchEnd::kStalled;
  }
  if (!result) {
    if (result.error().isGone()) return WatchEnd::kExpired;
    sink.failed(result.error());
    return WatchEnd::kFailed;
  }
  return WatchEnd::kTimedOut;
}

Watcher::WatchEnd Watcher::handleLine(std::string_view line, WatcherSink& sink) {
  auto event = parseWatchEvent(line);
  if (!event) {
    sink.failed(event.error());
    return WatchEnd::kFailed;
  }
  if (event->type == WatchEventType::kError) {
    if (event->statusCode() == 410) return WatchEnd::kExpired;
    sink.failed(KubeError{ErrorKind::kStatus, event->statusCode(),
                          stringMember(event->object, "reason"),
                          stringMember(event->object, "message")});
    return WatchEnd::kFailed;
  }
  if (auto version = event->resourceVersion(); !version.empty()) resourceVersion_ = version;
  switch (event->type) {
    case WatchEventType::kAdded:
    case WatchEventType::kModified:
      sink.applied(std::move(event->object));
      break;
    case WatchEventType::kDeleted:
      sink.deleted(std::move(event->object));
      break;
    case WatchEventType::kBookmark:
      sink.bookmark(resourceVersion_);
      break;
    case WatchEventType::kError:
      break;
  }
  return WatchEnd::kTimedOut;
}

}  // namespace ps::kube
