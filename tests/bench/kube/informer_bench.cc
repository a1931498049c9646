// `make bench` for ps_kube: a burst of N ConfigMap creations against the real API server while an
// informer watches the namespace. Reports the API server's own create rate, the rate at which the
// informer processed the resulting events (and its lag), the cold-start list rate of a second
// informer, and the memory each cached object costs.
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fake_http_client.h"
#include "kube/cpprest_http_client.h"
#include "kube/informer.h"
#include "kube/kube_config.h"

namespace {

using namespace ps::kube;
using Steady = std::chrono::steady_clock;

double secondsBetween(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::size_t heapInUse() {
  return mallinfo2().uordblks;
}

std::size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

bool waitUntil(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Steady::now() + limit;
  while (!done()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

struct Args {
  std::string kubeconfig;
  int objects = 5000;
  int writers = 8;
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--kubeconfig") args.kubeconfig = argv[i + 1];
    if (flag == "--objects") args.objects = std::stoi(argv[i + 1]);
    if (flag == "--writers") args.writers = std::stoi(argv[i + 1]);
  }
  return args;
}

nlohmann::json configMap(const std::string& ns, int index) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", "bench-" + std::to_string(index)},
            {"namespace", ns},
            {"labels", {{"bench", "informer"}}}}},
          {"data", {{"index", std::to_string(index)}, {"payload", std::string(200, 'x')}}}};
}

// The informer's own capacity, without a server: the objects just cached, replayed as one watch
// stream in 64 KiB chunks through the scripted transport (parse, store, handler per event).
double replayRate(const std::vector<ObjectPtr>& objects) {
  std::string stream;
  for (const auto& object : objects)
    stream += nlohmann::json{{"type", "ADDED"}, {"object", *object}}.dump() + "\n";
  std::vector<std::string> chunks;
  for (std::size_t at = 0; at < stream.size(); at += 64 * 1024)
    chunks.push_back(stream.substr(at, 64 * 1024));
  auto fake = std::make_unique<testing::FakeHttpClient>();
  fake->script("GET", "/api/v1/namespaces/replay/configmaps?limit=",
               {200, R"({"metadata":{"resourceVersion":"1"},"items":[]})"});
  fake->script("GET", "/api/v1/namespaces/replay/configmaps?watch=true", {200, "", chunks, true});
  ClientOptions unlimited;
  unlimited.qps = 0;
  KubeClient client(std::move(fake), unlimited);
  Informer informer(client, configMapsResource(), "replay");
  std::atomic<std::size_t> added{0};
  informer.addHandlers({[&](const ObjectPtr&) { ++added; }, {}, {}});
  const auto started = Steady::now();
  informer.start();
  waitUntil([&] { return added.load() >= objects.size(); }, std::chrono::seconds(60));
  const double rate = static_cast<double>(added.load()) / secondsBetween(started, Steady::now());
  informer.stop();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  auto config = loadKubeconfig(args.kubeconfig);
  if (!config) {
    std::fprintf(stderr, "kube bench: %s\n", config.error().describe().c_str());
    return 1;
  }
  ClientOptions unlimited;
  unlimited.qps = 0;  // measure the server, not our client-side limiter
  KubeClient client(makeCpprestHttpClient(config.value()), unlimited);
  const std::string ns = "kube-bench-" + std::to_string(std::random_device{}() % 100000);
  const GroupVersionResource namespaces{"", "v1", "namespaces", false};
  if (auto made = client.create(
          namespaces, "",
          {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
      !made) {
    std::fprintf(stderr, "kube bench: namespace: %s\n", made.error().describe().c_str());
    return 1;
  }

  InformerOptions options;
  options.watcher.labelSelector = "bench=informer";
  Informer informer(client, configMapsResource(), ns, options);
  std::atomic<int> added{0};
  std::atomic<long long> lastAddNanos{0};
  informer.addHandlers({[&](const ObjectPtr&) {
                          ++added;
                          lastAddNanos = Steady::now().time_since_epoch().count();
                        },
                        {},
                        {}});
  informer.start();
  informer.waitForSync(std::chrono::seconds(30));
  const std::size_t heapBefore = heapInUse();
  const std::size_t rssBefore = residentBytes();

  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  const auto started = Steady::now();
  std::vector<std::thread> writers;
  for (int w = 0; w < args.writers; ++w) {
    writers.emplace_back([&] {
      for (int i = next++; i < args.objects; i = next++) {
        auto made = client.create(configMapsResource(), ns, configMap(ns, i));
        if (!made) {
          if (failures++ == 0)
            std::fprintf(stderr, "first failed create: %s\n", made.error().describe().c_str());
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  const auto created = Steady::now();
  const bool complete = waitUntil([&] { return added.load() >= args.objects - failures.load(); },
                                  std::chrono::seconds(120));
  const int seenAfterWait = added.load();
  const auto processed = Steady::time_point(Steady::duration(lastAddNanos.load()));
  const std::size_t heapAfter = heapInUse();
  const std::size_t rssAfter = residentBytes();
  const auto cached = informer.store().list();
  const double serverObjectBytes =
      cached.empty() ? 0.0 : static_cast<double>(cached.front()->dump().size());

  // A second informer starting cold: list (pages of 500) and store everything.
  const std::size_t heapBeforeCold = heapInUse();
  const auto coldStart = Steady::now();
  Informer cold(client, configMapsResource(), ns, options);
  cold.start();
  cold.waitForSync(std::chrono::seconds(120));
  const auto coldSynced = Steady::now();
  const std::size_t coldObjects = cold.store().size();
  const std::size_t heapAfterCold = heapInUse();
  cold.stop();

  // Exact cost of the cache's representation: deep copies of every cached object, as the store
  // holds them (shared_ptr<const json>), with and without managedFields.
  const auto cachedObjects = informer.store().list();
  auto copyCost = [&](bool strip) {
    const std::size_t before = heapInUse();
    std::vector<ObjectPtr> copies;
    copies.reserve(cachedObjects.size());
    for (const auto& object : cachedObjects) {
      nlohmann::json copy = *object;
      if (strip) stripManagedFields(copy);
      copies.push_back(std::make_shared<const nlohmann::json>(std::move(copy)));
    }
    const std::size_t after = heapInUse();
    return static_cast<double>(after - before) /
           static_cast<double>(std::max<std::size_t>(1, copies.size()));
  };
  const double replayed = replayRate(cachedObjects);
  const double fullBytes = copyCost(false);
  const double strippedBytes = copyCost(true);
  informer.stop();

  const double createRate = (args.objects - failures) / secondsBetween(started, created);
  const double eventRate = added / secondsBetween(started, processed);
  std::printf("objects created          %d (failures %d, %d writers)\n", args.objects,
              failures.load(), args.writers);
  std::printf("api-server create rate   %.0f objects/s (%.2f s)\n", createRate,
              secondsBetween(started, created));
  std::printf("informer event rate      %.0f events/s (%d events, %s)\n", eventRate, added.load(),
              complete ? "all seen" : "INCOMPLETE");
  if (!complete) std::printf("  only %d events within 120 s of the last create\n", seenAfterWait);
  std::printf("ratio informer/api       %.2f\n", eventRate / createRate);
  std::printf(
      "informer capacity        %.0f events/s (same objects replayed without a server; %.1fx the "
      "create rate)\n",
      replayed, replayed / createRate);
  std::printf("lag after last create    %.0f ms\n",
              1000 * std::max(0.0, secondsBetween(created, processed)));
  std::printf("cold list+sync           %zu objects in %.2f s (%.0f objects/s)\n", coldObjects,
              secondsBetween(coldStart, coldSynced),
              static_cast<double>(coldObjects) / secondsBetween(coldStart, coldSynced));
  std::printf(
      "memory per cached object %.0f B heap (cold informer's store, list pages freed)\n",
      static_cast<double>(heapAfterCold - heapBeforeCold) / static_cast<double>(coldObjects));
  std::printf("store representation     %.0f B per object, %.0f B with managedFields stripped\n",
              fullBytes, strippedBytes);
  std::printf(
      "memory while streaming   %.0f B heap, %.0f B RSS (the object as JSON text: %.0f B)\n",
      static_cast<double>(heapAfter - heapBefore) / added.load(),
      static_cast<double>(rssAfter > rssBefore ? rssAfter - rssBefore : 0) / added.load(),
      serverObjectBytes);

  client.remove(namespaces, "", ns);
  return complete && failures == 0 ? 0 : 1;
}
