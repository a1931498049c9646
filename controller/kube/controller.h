#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kube/instrumentation.h"
#include "kube/work_queue.h"

namespace ps::kube {

// What one reconcile asks for next (controller-runtime's Result plus its error).
struct ReconcileResult {
  std::optional<std::string> error;  // retried with per-key backoff
  bool retry = false;                // retried with per-key backoff, not counted as an error
  Clock::Duration retryAfter{0};     // retried after this delay; backoff forgotten

  // Nothing more to do until the object changes.
  static ReconcileResult done() { return {}; }
  static ReconcileResult failure(std::string message) { return {std::move(message), false, {}}; }
  // Try again soon (with the key's backoff), e.g. after a write conflict; not an error.
  static ReconcileResult requeue() { return {std::nullopt, true, {}}; }
  static ReconcileResult requeueAfter(Clock::Duration delay) {
    return {std::nullopt, false, delay};
  }
};

// One step of a visit (a launch, a status write): either the visit goes on with its next step,
// or it ends here with `result` (a failure, a requeue after a write conflict).
class VisitStep {
 public:
  static VisitStep goOn() { return VisitStep(std::nullopt); }
  static VisitStep endVisit(ReconcileResult result) { return VisitStep(std::move(result)); }

  bool endsVisit() const { return result_.has_value(); }
  // Only when endsVisit().
  const ReconcileResult& result() const { return *result_; }

 private:
  explicit VisitStep(std::optional<ReconcileResult> result) : result_(std::move(result)) {}
  std::optional<ReconcileResult> result_;
};

using Reconciler = std::function<ReconcileResult(const std::string& key)>;

struct ControllerOptions {
  std::string name = "controller";
  int workers = 1;
  ReconcileMetrics* metrics = nullptr;  // not owned; may be null
  // Told of every failed reconcile (key, error), e.g. to log it; may be empty.
  std::function<void(const std::string& key, const std::string& error)> onError;
};

// N workers taking keys from a WorkQueue (which guarantees one worker per key) and applying
// the reconcile outcome to the queue.
class Controller {
 public:
  Controller(ControllerOptions options, WorkQueue& queue, Reconciler reconciler,
             const Clock& clock = SteadyClock::instance());
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void start();
  // Lets the workers finish queued and in-flight keys for up to `deadline`, then joins them.
  // Returns whether everything drained in time.
  bool stop(Clock::Duration deadline);

 private:
  void work();
  void settle(const std::string& key, const ReconcileResult& result, double seconds);

  const ControllerOptions options_;
  WorkQueue& queue_;
  const Reconciler reconciler_;
  const Clock& clock_;
  std::atomic<int> active_{0};
  std::vector<std::thread> workers_;
};

}  // namespace ps::kube
