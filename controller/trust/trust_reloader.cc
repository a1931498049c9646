#include "trust/trust_reloader.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/digest.h"

namespace ps::reconcile {
namespace {

// The loaders refuse files above 1 MiB; one byte more is enough to tell such files apart.
constexpr std::size_t kMaxWatchedBytes = (1 << 20) + 1;
// At start a file may be mid-write; a few immediate re-reads settle it.
constexpr int kStartAttempts = 5;

// KeyRing::fromPemFileOrText's rule: PEM text inline, else a path.
bool isFileSource(const std::optional<std::string>& value, bool mayBeInlinePem) {
  if (!value || value->empty()) return false;
  return !mayBeInlinePem || value->find("-----BEGIN ") == std::string::npos;
}

std::vector<std::string> watchedLabels(const core::TrustSources& sources) {
  std::vector<std::string> labels;
  if (isFileSource(sources.policyFile, false)) labels.push_back("policy");
  if (isFileSource(sources.signingKey, true)) labels.push_back("signing keys");
  return labels;
}

std::vector<std::string> watchedPaths(const core::TrustSources& sources) {
  std::vector<std::string> paths;
  if (isFileSource(sources.policyFile, false)) paths.push_back(*sources.policyFile);
  if (isFileSource(sources.signingKey, true)) paths.push_back(*sources.signingKey);
  return paths;
}

// SHA-256 of the file's bytes as seen through `path` now (following symlinks); nullopt when it
// cannot be read, so "missing" is a state of its own that is reported once.
std::optional<std::string> fileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(kMaxWatchedBytes, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) return std::nullopt;
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return core::sha256Hex(bytes);
}

nlohmann::json trustSummary(const core::LoadedTrust& trust) {
  return {{"policyEntries",
           trust.policy ? nlohmann::json(trust.policy->entries().size()) : nlohmann::json()},
          {"keys", trust.keys ? nlohmann::json(trust.keys->keys().size()) : nlohmann::json()}};
}

double unixSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

}  // namespace

// One load bracketed by two reads of the files: `stable` when both saw the same bytes, so the
// loaded trust is known to be what `before` fingerprints.
struct TrustReloader::Attempt {
  Fingerprint before;
  core::Result<core::LoadedTrust> result;
  bool stable;
};

TrustReloader::TrustReloader(core::TrustSources sources, observe::MetricsRegistry& metrics,
                             observe::Logger& log, WallClock wallClock)
    : sources_(std::move(sources)),
      watched_(watchedLabels(sources_)),
      paths_(watchedPaths(sources_)),
      log_(log),
      wallClock_(std::move(wallClock)),
      lastSuccessful_(prometheus::BuildGauge()
                          .Name("plugin_sandbox_trust_last_reload_successful")
                          .Help("Whether the newest policy and key files loaded (1) or were "
                                "rejected and the last good ones stay in force (0).")
                          .Register(metrics.registry())
                          .Add({})),
      lastSuccessTime_(prometheus::BuildGauge()
                           .Name("plugin_sandbox_trust_last_reload_success_timestamp_seconds")
                           .Help("Unix time of the last successful load of the policy and keys.")
                           .Register(metrics.registry())
                           .Add({})),
      reloads_(prometheus::BuildCounter()
                   .Name("plugin_sandbox_trust_reloads_total")
                   .Help("Loads of changed policy or key files since start.")
                   .Register(metrics.registry())
                   .Add({})),
      failures_(prometheus::BuildCounter()
                    .Name("plugin_sandbox_trust_reloads_failed_total")
                    .Help("Changed policy or key files that were rejected.")
                    .Register(metrics.registry())
                    .Add({})) {}

core::Result<TrustReloaderPtr> TrustReloader::load(core::TrustSources sources,
                                                   observe::MetricsRegistry& metrics,
                                                   observe::Logger& log, WallClock wallClock) {
  TrustReloaderPtr reloader(
      new TrustReloader(std::move(sources), metrics, log, std::move(wallClock)));
  Attempt attempt = reloader->attemptLoad();
  for (int i = 1; i < kStartAttempts && !attempt.stable; ++i) attempt = reloader->attemptLoad();
  if (!attempt.result) return attempt.result.rejection();
  // Unstable after all attempts: `before` may not match what loaded, so the next poll loads again.
  MutexLock lock(reloader->pollMutex_);
  reloader->seen_ = std::move(attempt.before);
  reloader->accept(std::move(attempt.result.value()));
  return reloader;
}

TrustSnapshot TrustReloader::snapshot() const {
  MutexLock lock(snapshotMutex_);
  return snapshot_;
}

TrustProvider TrustReloader::provider() const {
  return [this] { return snapshot(); };
}

std::optional<core::Rejection> TrustReloader::lastRejection() const {
  MutexLock lock(pollMutex_);
  return rejection_;
}

TrustReloader::Fingerprint TrustReloader::fingerprint() const {
  Fingerprint digests;
  for (const auto& path : paths_) digests.push_back(fileDigest(path));
  return digests;
}

TrustReloader::Attempt TrustReloader::attemptLoad() const {
  Fingerprint before = fingerprint();
  auto result = core::loadTrust(sources_);
  const bool stable = fingerprint() == before;
  return Attempt{std::move(before), std::move(result), stable};
}

std::vector<std::string> TrustReloader::changedSources(const Fingerprint& now) const {
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < now.size(); ++i) {
    if (i >= seen_.size() || now[i] != seen_[i]) changed.push_back(watched_[i]);
  }
  return changed;
}

ReloadOutcome TrustReloader::poll() {
  MutexLock lock(pollMutex_);
  if (fingerprint() == seen_) return ReloadOutcome::kUnchanged;  // the common case: one read
  Attempt attempt = attemptLoad();
  if (!attempt.stable) {
    log_.debug("policy or key files changed while being read; trying again next poll");
    return ReloadOutcome::kInFlux;
  }
  if (attempt.before == seen_) return ReloadOutcome::kUnchanged;  // changed and changed back
  const std::vector<std::string> changed = changedSources(attempt.before);
  seen_ = std::move(attempt.before);
  reloads_.Increment();
  if (!attempt.result) {
    rejection_ = attempt.result.rejection();
    reportRejected(*rejection_, changed);
    return ReloadOutcome::kRejected;
  }
  rejection_.reset();
  nlohmann::json fields = trustSummary(attempt.result.value());
  fields["changed"] = changed;
  accept(std::move(attempt.result.value()));
  log_.info("reloaded the policy and signing keys", fields);
  return ReloadOutcome::kReloaded;
}

void TrustReloader::run(kube::StopSignal& stop, kube::Clock::Duration interval,
                        const kube::Clock& clock) {
  if (paths_.empty()) return;  // inline PEM text and "not configured" never change
  log_.info(
      "checking the policy and key files for changes",
      {{"files", paths_}, {"intervalSeconds", std::chrono::duration<double>(interval).count()}});
  while (stop.sleepFor(clock, interval)) {
    try {
      poll();
    } catch (const std::exception& error) {
      // Loaders report bad input as values; anything thrown is unexpected, and must not end the
      // controller while the last good trust is still usable.
      log_.error("reloading the policy and signing keys failed unexpectedly",
                 {{"error", error.what()}});
    }
  }
}

void TrustReloader::accept(core::LoadedTrust&& trust) {
  auto next = std::make_shared<const core::LoadedTrust>(std::move(trust));
  {
    MutexLock lock(snapshotMutex_);
    snapshot_ = std::move(next);
  }
  lastSuccessful_.Set(1);
  lastSuccessTime_.Set(unixSeconds(wallClock_()));
}

void TrustReloader::reportRejected(const core::Rejection& rejection,
                                   const std::vector<std::string>& changed) {
  failures_.Increment();
  lastSuccessful_.Set(0);
  log_.error("rejected the changed policy or signing keys; the last good ones stay in force",
             {{"changed", changed}, {"rejection", rejection.line()}});
}

}  // namespace ps::reconcile
