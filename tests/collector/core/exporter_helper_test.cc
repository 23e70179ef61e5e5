#include "collector/core/exporter_helper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using testing::MakeTraces;

ExporterHelperSettings Fast() {
  ExporterHelperSettings s;
  s.retry.initial_interval = 10ms;
  s.retry.max_interval = 40ms;
  s.retry.max_elapsed_time = 2s;
  s.queue.num_consumers = 2;
  s.queue.queue_size = 10;
  return s;
}

bool WaitFor(const std::function<bool()>& f, std::chrono::milliseconds timeout = 5s) {
  auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(ExporterHelperTest, DefaultsAreTheGoCollectors) {
  ExporterHelperSettings s;
  ConfigErrors errors;
  ConfigReader r(YAML::Node(), "exporters.x", &errors);
  s.Parse(r);
  r.Finish();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(s.timeout, 5s);
  EXPECT_TRUE(s.queue.enabled);
  EXPECT_EQ(s.queue.num_consumers, 10);
  EXPECT_EQ(s.queue.queue_size, 1000);
  EXPECT_TRUE(s.retry.enabled);
  EXPECT_EQ(s.retry.initial_interval, 5s);
  EXPECT_DOUBLE_EQ(s.retry.multiplier, 1.5);
  EXPECT_DOUBLE_EQ(s.retry.randomization_factor, 0.5);
  EXPECT_EQ(s.retry.max_interval, 30s);
  EXPECT_EQ(s.retry.max_elapsed_time, 300s);
}

TEST(ExporterHelperTest, BackoffGrowsByTheMultiplierUpToTheCap) {
  RetrySettings r;
  EXPECT_EQ(BackoffInterval(r, 1), 5000ms);
  EXPECT_EQ(BackoffInterval(r, 2), 7500ms);
  EXPECT_EQ(BackoffInterval(r, 3), 11250ms);
  EXPECT_EQ(BackoffInterval(r, 6), 30000ms);
  EXPECT_EQ(BackoffInterval(r, 20), 30000ms);
}

TEST(ExporterHelperTest, RetriesRetryableErrorsUntilSuccess) {
  std::atomic<int> calls{0};
  QueuedExporter e("t", Fast(), [&](const PData&, std::chrono::milliseconds) {
    return ++calls < 3 ? Status::Retryable("busy") : Status::Ok();
  });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 4)).ok());
  ASSERT_TRUE(WaitFor([&] { return e.counters().sent_items == 4; }));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(e.counters().send_failed_items, 0u);
  e.Shutdown(Clock::now() + 1s);
}

TEST(ExporterHelperTest, SenderStateLastsFromABatchsFirstAttemptToItsLast) {
  std::mutex mu;
  std::vector<int> seen;  // the state's value at each attempt; -1 when null
  QueuedExporter e("t", Fast(),
                   QueuedExporter::StatefulPushFn([&](const PData&, std::chrono::milliseconds, std::shared_ptr<void>& state) {
                     std::lock_guard<std::mutex> lock(mu);
                     if (!state) {
                       seen.push_back(-1);
                       state = std::make_shared<int>(0);
                     } else {
                       seen.push_back(*std::static_pointer_cast<int>(state));
                     }
                     int& attempts = *std::static_pointer_cast<int>(state);
                     return ++attempts < 3 ? Status::Retryable("busy") : Status::Ok();
                   }));
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return e.counters().sent_items == 2; }));
  ASSERT_TRUE(e.Consume(MakeTraces(1, 2)).ok());  // a new batch starts without state
  ASSERT_TRUE(WaitFor([&] { return e.counters().sent_items == 4; }));
  e.Shutdown(Clock::now() + 1s);
  EXPECT_EQ(seen, (std::vector<int>{-1, 1, 2, -1, 1, 2}));
}

TEST(ExporterHelperTest, CancelEndsASleepAtOnceAndEveryLaterOne) {
  CancellableSleep sleep;
  EXPECT_TRUE(sleep.Sleep(1ms));
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    sleep.Cancel();
  });
  const auto start = Clock::now();
  EXPECT_FALSE(sleep.Sleep(60s));
  EXPECT_LT(Clock::now() - start, 10s);
  canceller.join();
  EXPECT_FALSE(sleep.Sleep(60s));
}

TEST(ExporterHelperTest, PermanentErrorsAreNotRetriedAndCountedAsDropped) {
  std::atomic<int> calls{0};
  QueuedExporter e("t", Fast(), [&](const PData&, std::chrono::milliseconds) {
    ++calls;
    return Status::Permanent("400 bad request");
  });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 3)).ok());
  ASSERT_TRUE(WaitFor([&] { return e.counters().send_failed_items == 3; }));
  EXPECT_EQ(calls, 1);
  e.Shutdown(Clock::now() + 1s);
}

TEST(ExporterHelperTest, GivesUpAfterMaxElapsedTime) {
  auto s = Fast();
  s.retry.max_elapsed_time = 100ms;
  QueuedExporter e("t", s, [&](const PData&, std::chrono::milliseconds) { return Status::Retryable("down"); });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return e.counters().send_failed_items == 2; }));
  e.Shutdown(Clock::now() + 1s);
}

TEST(ExporterHelperTest, ServerDelayIsHonoured) {
  auto s = Fast();
  std::atomic<int> calls{0};
  Clock::time_point first, second;
  QueuedExporter e("t", s, [&](const PData&, std::chrono::milliseconds) {
    if (++calls == 1) {
      first = Clock::now();
      return Status::Exhausted("slow down", 300ms);
    }
    second = Clock::now();
    return Status::Ok();
  });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(WaitFor([&] { return e.counters().sent_items == 1; }));
  EXPECT_GE(second - first, 300ms);
  e.Shutdown(Clock::now() + 1s);
}

TEST(ExporterHelperTest, FullQueueRefusesAndCounts) {
  auto s = Fast();
  s.queue.num_consumers = 1;
  s.queue.queue_size = 2;
  std::atomic<bool> release{false};
  QueuedExporter e("t", s, [&](const PData&, std::chrono::milliseconds) {
    while (!release) std::this_thread::sleep_for(1ms);
    return Status::Ok();
  });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 1)).ok());  // taken by the consumer
  ASSERT_TRUE(WaitFor([&] { return e.QueueLength() == 0; }));
  ASSERT_TRUE(e.Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 1)).ok());
  Status full = e.Consume(MakeTraces(1, 5));
  EXPECT_TRUE(full.retryable());
  EXPECT_EQ(e.counters().enqueue_failed_items, 5u);
  release = true;
  e.Shutdown(Clock::now() + 2s);
  EXPECT_EQ(e.counters().sent_items, 3u);
}

TEST(ExporterHelperTest, ShutdownDrainsTheQueueWithOneAttemptEach) {
  auto s = Fast();
  s.queue.num_consumers = 1;
  std::atomic<int> calls{0};
  QueuedExporter e("t", s, [&](const PData&, std::chrono::milliseconds) {
    ++calls;
    std::this_thread::sleep_for(20ms);
    return Status::Ok();
  });
  ASSERT_TRUE(e.Start().ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(e.Consume(MakeTraces(1, 1)).ok());
  e.Shutdown(Clock::now() + 5s);
  EXPECT_EQ(e.counters().sent_items, 5u);
  // After shutdown new data is refused.
  EXPECT_FALSE(e.Consume(MakeTraces(1, 1)).ok());
}

TEST(ExporterHelperTest, ShutdownStopsRetryingAndDropsAtTheDeadline) {
  auto s = Fast();
  s.queue.num_consumers = 1;
  s.retry.initial_interval = 10s;  // a long back-off, cut short by shutdown
  s.retry.max_interval = 10s;
  std::atomic<bool> cancelled{false};
  QueuedExporter e(
      "t", s,
      [&](const PData&, std::chrono::milliseconds) {
        return cancelled ? Status::Permanent("cancelled") : Status::Retryable("down");
      },
      [&] { cancelled = true; });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 3)).ok());
  std::this_thread::sleep_for(50ms);
  auto start = Clock::now();
  e.Shutdown(Clock::now() + 2s);
  EXPECT_LT(Clock::now() - start, 2s);
  // Every accepted item is accounted for.
  EXPECT_EQ(e.counters().send_failed_items + e.counters().sent_items, 5u);
}

TEST(ExporterHelperTest, StuckSendIsCancelledAtTheDeadline) {
  auto s = Fast();
  s.queue.num_consumers = 1;
  std::atomic<bool> cancelled{false};
  QueuedExporter e(
      "t", s,
      [&](const PData&, std::chrono::milliseconds) {
        while (!cancelled) std::this_thread::sleep_for(1ms);
        return Status::Permanent("cancelled");
      },
      [&] { cancelled = true; });
  ASSERT_TRUE(e.Start().ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(e.Consume(MakeTraces(1, 2)).ok());
  auto start = Clock::now();
  e.Shutdown(Clock::now() + 200ms);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(e.counters().send_failed_items, 3u);
}

TEST(ExporterHelperTest, WithoutQueueTheCallerGetsTheResult) {
  auto s = Fast();
  s.queue.enabled = false;
  s.retry.enabled = false;
  QueuedExporter e("t", s, [&](const PData&, std::chrono::milliseconds) { return Status::Retryable("down"); });
  ASSERT_TRUE(e.Start().ok());
  EXPECT_EQ(e.Consume(MakeTraces(1, 1)).code(), StatusCode::kRetryable);
  EXPECT_EQ(e.counters().send_failed_items, 1u);
  e.Shutdown(Clock::now() + 1s);
}

}  // namespace
}  // namespace adot::collector
