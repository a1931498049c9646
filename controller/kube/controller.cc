#include "kube/controller.h"

#include <exception>

namespace ps::kube {

Controller::Controller(ControllerOptions options, WorkQueue& queue, Reconciler reconciler,
                       const Clock& clock)
    : options_(std::move(options)),
      queue_(queue),
      reconciler_(std::move(reconciler)),
      clock_(clock) {}

Controller::~Controller() {
  queue_.shutDown();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void Controller::start() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

bool Controller::stop(Clock::Duration deadline) {
  const bool drained = queue_.shutDownWithDrain(deadline);
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  return drained;
}

void Controller::work() {
  while (auto key = queue_.get()) {
    if (options_.metrics != nullptr) options_.metrics->activeWorkers(++active_);
    const auto started = clock_.now();
    ReconcileResult result;
    try {
      result = reconciler_(*key);
    } catch (const std::exception& e) {
      // A throwing reconciler is a bug, but one object must not take the controller down.
      result = ReconcileResult::failure(std::string("reconciler threw: ") + e.what());
    }
    settle(*key, result, std::chrono::duration<double>(clock_.now() - started).count());
    queue_.done(*key);
    if (options_.metrics != nullptr) options_.metrics->activeWorkers(--active_);
  }
}

void Controller::settle(const std::string& key, const ReconcileResult& result, double seconds) {
  std::string_view label = "success";
  if (result.error) {
    label = "error";
    if (options_.onError) options_.onError(key, *result.error);
    queue_.addRateLimited(key);
  } else if (result.retryAfter > Clock::Duration::zero()) {
    label = "requeue_after";
    queue_.forget(key);
    queue_.addAfter(key, result.retryAfter);
  } else if (result.retry) {
    label = "requeue";
    queue_.addRateLimited(key);
  } else {
    queue_.forget(key);
  }
  if (options_.metrics != nullptr) options_.metrics->reconciled(label, seconds);
}

}  // namespace ps::kube
