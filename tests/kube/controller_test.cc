#include "kube/controller.h"

#include <gtest/gtest.h>

#include <map>

#include "manual_clock.h"

namespace ps::kube {
namespace {

class CountingMetrics final : public ReconcileMetrics {
 public:
  void reconciled(std::string_view result, double) override {
    std::lock_guard lock(mutex);
    ++results[std::string(result)];
  }
  void activeWorkers(int) override {}
  std::map<std::string, int> snapshot() {
    std::lock_guard lock(mutex);
    return results;
  }
  std::mutex mutex;
  std::map<std::string, int> results;
};

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

TEST(ReconcileResultTest, NamedFactoriesSayWhatHappensNext) {
  const ReconcileResult done = ReconcileResult::done();
  EXPECT_FALSE(done.error.has_value());
  EXPECT_FALSE(done.retry);
  EXPECT_EQ(done.retryAfter, Clock::Duration::zero());
  const ReconcileResult requeue = ReconcileResult::requeue();
  EXPECT_FALSE(requeue.error.has_value());
  EXPECT_TRUE(requeue.retry);
  const ReconcileResult later = ReconcileResult::requeueAfter(std::chrono::seconds(7));
  EXPECT_FALSE(later.retry);
  EXPECT_EQ(later.retryAfter, std::chrono::seconds(7));
  EXPECT_EQ(ReconcileResult::failure("boom").error, "boom");
}

TEST(VisitStepTest, GoOnOrEndTheVisitWithAResult) {
  EXPECT_FALSE(VisitStep::goOn().endsVisit());
  const VisitStep conflict = VisitStep::endVisit(ReconcileResult::requeue());
  ASSERT_TRUE(conflict.endsVisit());
  EXPECT_TRUE(conflict.result().retry);
  const VisitStep failed = VisitStep::endVisit(ReconcileResult::failure("create Pod: 500"));
  ASSERT_TRUE(failed.endsVisit());
  EXPECT_EQ(failed.result().error, "create Pod: 500");
}

TEST(ControllerTest, ErrorsRetryWithBackoffUntilSuccess) {
  WorkQueueOptions queueOptions;
  queueOptions.qps = 0;
  WorkQueue queue(queueOptions);
  CountingMetrics metrics;
  std::atomic<int> attempts{0};
  ControllerOptions options;
  options.workers = 2;
  options.metrics = &metrics;
  Controller controller(options, queue, [&](const std::string&) {
    return ++attempts < 3 ? ReconcileResult::failure("not yet") : ReconcileResult::done();
  });
  controller.start();
  queue.add("ns/a");
  ASSERT_TRUE(eventually([&] { return metrics.snapshot()["success"] == 1; }));
  EXPECT_TRUE(controller.stop(std::chrono::seconds(5)));
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_EQ(metrics.snapshot()["error"], 2);
  EXPECT_EQ(queue.retries("ns/a"), 0) << "success forgets the backoff";
}

TEST(ControllerTest, RequeueAfterAndThrowingReconcilers) {
  testing::ManualClock clock;
  WorkQueueOptions queueOptions;
  queueOptions.qps = 0;
  WorkQueue queue(queueOptions, clock);
  CountingMetrics metrics;
  std::atomic<int> calls{0};
  ControllerOptions options;
  options.metrics = &metrics;
  Controller controller(
      options, queue,
      [&](const std::string& key) -> ReconcileResult {
        ++calls;
        if (key == "throws") throw std::runtime_error("bug");
        return calls == 1 ? ReconcileResult::requeueAfter(std::chrono::minutes(5))
                          : ReconcileResult::done();
      },
      clock);
  controller.start();
  queue.add("later");
  ASSERT_TRUE(eventually([&] { return metrics.snapshot()["requeue_after"] == 1; }));
  EXPECT_EQ(queue.delayed(), 1u);
  clock.advance(std::chrono::minutes(5));
  ASSERT_TRUE(eventually([&] { return metrics.snapshot()["success"] == 1; }));
  queue.add("throws");
  ASSERT_TRUE(eventually([&] { return metrics.snapshot()["error"] >= 1; }));
  controller.stop(std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace ps::kube
