#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/annotated_mutex.h"
#include "core/result.h"
#include "core/trust_env.h"
#include "kube/clock.h"
#include "kube/stop_signal.h"
#include "observe/logger.h"
#include "observe/metrics_registry.h"
#include "trust/trust_snapshot.h"

namespace ps::reconcile {

// What one poll() found.
enum class ReloadOutcome {
  kUnchanged,  // the files hold the bytes last seen: nothing loaded
  kReloaded,   // new bytes, loaded and now in force
  kRejected,   // new bytes that do not load: the last good trust stays in force
  kInFlux,     // the bytes changed while being loaded (a writer mid-way): tried again next poll
};

class TrustReloader;
using TrustReloaderPtr = std::unique_ptr<TrustReloader>;

// Keeps the policy and signing keys in force in step with their files. Kubernetes updates a
// ConfigMap or Secret volume by swapping its `..data` symlink, so every poll reads the bytes
// through the configured path and compares their SHA-256 with the bytes last seen (mtimes of
// symlinked files do not tell). New bytes that load replace the snapshot; new bytes that do not are
// logged once and counted, and the last good snapshot stays in force. PEM text given inline never
// changes.
//
// Metrics (named like Prometheus' own config reload metrics):
//   plugin_sandbox_trust_last_reload_successful                 gauge 1/0
//   plugin_sandbox_trust_last_reload_success_timestamp_seconds  gauge, unix time
//   plugin_sandbox_trust_reloads_total                          counter, load attempts after start
//   plugin_sandbox_trust_reloads_failed_total                   counter, rejected attempts
class TrustReloader {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // The first load. Fails closed like core::loadTrust: a set but bad policy or key is a Rejection.
  // `metrics` and `log` must outlive the reloader.
  static core::Result<TrustReloaderPtr> load(
      core::TrustSources sources, observe::MetricsRegistry& metrics, observe::Logger& log,
      WallClock wallClock = [] { return std::chrono::system_clock::now(); });

  TrustReloader(const TrustReloader&) = delete;
  TrustReloader& operator=(const TrustReloader&) = delete;

  // The trust in force now. Thread-safe; a caller keeps its snapshot valid however often the files
  // change afterwards.
  TrustSnapshot snapshot() const;
  // A TrustProvider for the reconciler; this reloader must outlive it.
  TrustProvider provider() const;

  // One check of the files (the reload loop calls it; tests call it directly).
  ReloadOutcome poll();
  // Polls every `interval` until `stop` fires.
  void run(kube::StopSignal& stop, kube::Clock::Duration interval,
           const kube::Clock& clock = kube::SteadyClock::instance());

  // The rejection of the newest bytes, nullopt when they are the ones in force.
  std::optional<core::Rejection> lastRejection() const;

 private:
  // SHA-256 of each watched source's bytes, in watchedSources() order; nullopt = unreadable.
  using Fingerprint = std::vector<std::optional<std::string>>;
  struct Attempt;

  TrustReloader(core::TrustSources sources, observe::MetricsRegistry& metrics, observe::Logger& log,
                WallClock wallClock);
  Fingerprint fingerprint() const;
  Attempt attemptLoad() const;
  std::vector<std::string> changedSources(const Fingerprint& now) const REQUIRES(pollMutex_);
  void accept(core::LoadedTrust&& trust) REQUIRES(pollMutex_);
  void reportRejected(const core::Rejection& rejection, const std::vector<std::string>& changed);

  const core::TrustSources sources_;
  const std::vector<std::string> watched_;  // labels of the sources read from files
  const std::vector<std::string> paths_;    // their paths, same order
  observe::Logger& log_;
  const WallClock wallClock_;
  prometheus::Gauge& lastSuccessful_;
  prometheus::Gauge& lastSuccessTime_;
  prometheus::Counter& reloads_;
  prometheus::Counter& failures_;

  mutable Mutex snapshotMutex_;
  TrustSnapshot snapshot_ GUARDED_BY(snapshotMutex_);

  mutable Mutex pollMutex_;  // one poll at a time; orders the members below
  Fingerprint seen_ GUARDED_BY(pollMutex_);
  std::optional<core::Rejection> rejection_ GUARDED_BY(pollMutex_);
};

}  // namespace ps::reconcile
