#pragma once

#include <cstddef>
#include <string_view>

namespace ps::kube {

// Hooks through which the runtime reports what it does; `observe/` implements them with
// Prometheus metrics. All may be called from any thread.

class RequestMetrics {
 public:
  virtual ~RequestMetrics() = default;
  // `verb` is the client's (GET, LIST, WATCH, CREATE, ...), `method` the HTTP method it used;
  // `code` is the HTTP status, or "<error>" when no response came back.
  virtual void requestDone(std::string_view verb, std::string_view method, std::string_view code,
                           double seconds) = 0;
};

class QueueMetrics {
 public:
  virtual ~QueueMetrics() = default;
  virtual void added() = 0;
  virtual void depth(std::size_t items) = 0;
  virtual void retried() = 0;
  virtual void queued(double seconds) = 0;  // time from add to a worker taking it
};

class ReconcileMetrics {
 public:
  virtual ~ReconcileMetrics() = default;
  // `result` is one of success, error, requeue, requeue_after (controller-runtime's labels).
  virtual void reconciled(std::string_view result, double seconds) = 0;
  virtual void activeWorkers(int workers) = 0;
};

}  // namespace ps::kube
