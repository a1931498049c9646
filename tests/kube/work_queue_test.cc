#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "manual_clock.h"

namespace ps::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

WorkQueueOptions unlimitedBucket() {
  WorkQueueOptions options;
  options.qps = 0;  // isolate per-key backoff from the overall bucket
  return options;
}

TEST(WorkQueueTest, DeduplicatesWaitingKeys) {
  testing::ManualClock clock;
  WorkQueue queue(unlimitedBucket(), clock);
  queue.add("a");
  queue.add("b");
  queue.add("a");
  EXPECT_EQ(queue.len(), 2u);
  EXPECT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.get(), "b");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueueTest, KeyReaddedWhileProcessingRunsOnceMoreAfterDone) {
  testing::ManualClock clock;
  WorkQueue queue(unlimitedBucket(), clock);
  queue.add("a");
  ASSERT_EQ(queue.get(), "a");
  queue.add("a");
  queue.add("a");
  EXPECT_EQ(queue.len(), 0u) << "not handed out while a worker holds it";
  queue.done("a");
  EXPECT_EQ(queue.len(), 1u);
  ASSERT_EQ(queue.get(), "a");
  queue.done("a");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueueTest, NeverTwoWorkersOnOneKey) {
  WorkQueue queue(unlimitedBucket());
  std::atomic<int> concurrent{0};
  std::atomic<int> worstOverlap{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        const int now = ++concurrent;
        worstOverlap = std::max(worstOverlap.load(), now);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --concurrent;
        ++processed;
        queue.done(*key);
      }
    });
  }
  for (int i = 0; i < 300; ++i) queue.add("only-key");
  EXPECT_TRUE(queue.shutDownWithDrain(seconds(10)));
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(worstOverlap.load(), 1);
  EXPECT_GE(processed.load(), 1);
  EXPECT_LE(processed.load(), 300);
}

TEST(WorkQueueTest, PerKeyBackoffDoublesFromFiveMillisecondsAndForgetResets) {
  testing::ManualClock clock;
  WorkQueue queue(unlimitedBucket(), clock);
  for (int failure = 0; failure < 4; ++failure) {
    queue.addRateLimited("a");
    EXPECT_EQ(queue.delayed(), 1u);
    const auto delay = milliseconds(5 << failure);
    clock.advance(delay - milliseconds(1));
    EXPECT_EQ(queue.len(), 0u);
    clock.advance(milliseconds(1));
    ASSERT_EQ(queue.get(), "a") << "after " << delay.count() << " ms";
    queue.done("a");
  }
  EXPECT_EQ(queue.retries("a"), 4);
  queue.forget("a");
  EXPECT_EQ(queue.retries("a"), 0);
  queue.addRateLimited("a");
  clock.advance(milliseconds(5));
  EXPECT_EQ(queue.get(), "a");
}

TEST(WorkQueueTest, BackoffIsCappedAtMaxDelay) {
  testing::ManualClock clock;
  WorkQueue queue(unlimitedBucket(), clock);
  for (int i = 0; i < 40; ++i) queue.addRateLimited("a");  // 5ms * 2^39 would be years
  queue.forget("b");
  clock.advance(seconds(1000));
  EXPECT_EQ(queue.get(), "a");
}

TEST(WorkQueueTest, OverallBucketLimitsRetriesOfManyKeys) {
  testing::ManualClock clock;
  WorkQueueOptions options;
  options.qps = 10;
  options.burst = 2;
  WorkQueue queue(options, clock);
  for (const char* key : {"a", "b", "c", "d"}) queue.addRateLimited(key);
  clock.advance(milliseconds(5));
  EXPECT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.get(), "b");
  EXPECT_EQ(queue.delayed(), 2u) << "c and d wait for bucket tokens";
  clock.advance(milliseconds(100));
  EXPECT_EQ(queue.get(), "c");
  clock.advance(milliseconds(100));
  EXPECT_EQ(queue.get(), "d");
}

TEST(WorkQueueTest, AddAfterWaitsOnTheClockAndWakesABlockedWorker) {
  testing::ManualClock clock;
  WorkQueue queue(unlimitedBucket(), clock);
  auto taken = std::async(std::launch::async, [&] { return queue.get(); });
  queue.addAfter("later", seconds(30));
  EXPECT_EQ(taken.wait_for(milliseconds(50)), std::future_status::timeout);
  clock.advance(seconds(30));
  ASSERT_EQ(taken.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(taken.get(), "later");
}

TEST(WorkQueueTest, AddAfterKeepsOneTimerPerKeyAndTheEarliestDeadline) {
  testing::ManualClock clock;
  WorkQueue queue(unlimitedBucket(), clock);
  queue.addAfter("hot", seconds(10));
  for (int i = 0; i < 998; ++i) queue.addAfter("hot", seconds(60));
  queue.addAfter("hot", seconds(5));
  EXPECT_EQ(queue.delayed(), 1u) << "1000 addAfter of one key leave one pending entry";
  clock.advance(seconds(4));
  EXPECT_EQ(queue.len(), 0u);
  clock.advance(seconds(1));
  EXPECT_EQ(queue.get(), "hot") << "the earliest deadline (5s) wins";
  queue.done("hot");
  EXPECT_EQ(queue.delayed(), 0u);
  auto taken = std::async(std::launch::async, [&] { return queue.get(); });
  clock.advance(seconds(60));
  EXPECT_EQ(taken.wait_for(milliseconds(50)), std::future_status::timeout)
      << "the superseded 10s and 60s timers do not fire again";
  queue.addAfter("hot", seconds(1));
  clock.advance(seconds(1));
  ASSERT_EQ(taken.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(taken.get(), "hot") << "a key re-added after firing gets a fresh timer";
}

TEST(WorkQueueTest, ShutDownWakesWorkersAndDropsNewWork) {
  WorkQueue queue(unlimitedBucket());
  auto taken = std::async(std::launch::async, [&] { return queue.get(); });
  queue.shutDown();
  ASSERT_EQ(taken.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(taken.get(), std::nullopt);
  queue.add("late");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueueTest, DrainFinishesQueuedWorkButGivesUpAtDeadline) {
  WorkQueue queue(unlimitedBucket());
  queue.add("a");
  queue.add("b");
  std::thread worker([&] {
    while (auto key = queue.get()) queue.done(*key);
  });
  EXPECT_TRUE(queue.shutDownWithDrain(seconds(5)));
  worker.join();

  WorkQueue stuck(unlimitedBucket());
  stuck.add("held");
  ASSERT_EQ(stuck.get(), "held");  // never done
  EXPECT_FALSE(stuck.shutDownWithDrain(milliseconds(50)));
  EXPECT_EQ(stuck.get(), std::nullopt);
}

}  // namespace
}  // namespace ps::kube
