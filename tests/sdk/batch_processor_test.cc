#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <thread>

#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/processor.h"
#include "sdk/test_util.h"

namespace adot::sdk::trace {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::unique_ptr<SpanData> MakeSpan(bool sampled = true) {
  static auto info = std::make_shared<InstrumentationInfo>(
      InstrumentationInfo{{"test", "", "", {}}, std::make_shared<Resource>()});
  auto span = std::make_unique<SpanData>();
  span->name = "s";
  span->flags = api::trace::TraceFlags(sampled ? 1 : 0);
  span->instrumentation = info;
  return span;
}

// Blocks every Export until released or shut down, like an exporter facing a stalled endpoint.
class StalledExporter : public SpanExporter {
 public:
  ExportResult Export(SpanBatch spans) noexcept override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++calls_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ || shut_down_; });
    return shut_down_ ? ExportResult::kFailure : ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    shut_down_ = true;
    cv_.notify_all();
    return true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }
  bool WaitForCall() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, 5s, [&] { return calls_ > 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int calls_ = 0;
  bool released_ = false;
  bool shut_down_ = false;
};

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(BatchSpanProcessorTest, ExportsAFullBatchWithoutWaitingForTheTimer) {
  auto store = std::make_shared<InMemorySpanStore>();
  BatchSpanProcessorOptions options;
  options.schedule_delay = 1h;
  options.max_export_batch_size = 10;
  BatchSpanProcessor processor(std::make_unique<InMemorySpanExporter>(store), options);
  for (int i = 0; i < 9; ++i) processor.OnEnd(MakeSpan());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(store->size(), 0u);
  processor.OnEnd(MakeSpan());
  EXPECT_TRUE(WaitFor([&] { return store->size() == 10; }));
}

TEST(BatchSpanProcessorTest, ExportsPartialBatchOnScheduleDelay) {
  auto store = std::make_shared<InMemorySpanStore>();
  BatchSpanProcessorOptions options;
  options.schedule_delay = 50ms;
  BatchSpanProcessor processor(std::make_unique<InMemorySpanExporter>(store), options);
  processor.OnEnd(MakeSpan());
  processor.OnEnd(MakeSpan(false));  // not sampled: never exported
  EXPECT_TRUE(WaitFor([&] { return store->size() == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(store->size(), 1u);
}

TEST(BatchSpanProcessorTest, ForceFlushExportsEverything) {
  auto store = std::make_shared<InMemorySpanStore>();
  BatchSpanProcessorOptions options;
  options.schedule_delay = 1h;
  options.max_export_batch_size = 4;
  BatchSpanProcessor processor(std::make_unique<InMemorySpanExporter>(store), options);
  for (int i = 0; i < 11; ++i) processor.OnEnd(MakeSpan());
  EXPECT_TRUE(processor.ForceFlush(5000ms));
  EXPECT_EQ(store->size(), 11u);
  EXPECT_EQ(processor.GetStats().exported, 11u);
}

TEST(BatchSpanProcessorTest, FullQueueDropsAndCountsWithoutBlocking) {
  auto exporter = std::make_unique<StalledExporter>();
  StalledExporter* stalled = exporter.get();
  BatchSpanProcessorOptions options;
  options.max_queue_size = 8;
  options.max_export_batch_size = 4;
  options.schedule_delay = 1h;
  BatchSpanProcessor processor(std::move(exporter), options);
  for (int i = 0; i < 4; ++i) processor.OnEnd(MakeSpan());
  ASSERT_TRUE(stalled->WaitForCall());  // the worker now holds 4 spans in a stalled export
  auto start = Clock::now();
  for (int i = 0; i < 100; ++i) processor.OnEnd(MakeSpan());
  EXPECT_LT(Clock::now() - start, 100ms);
  EXPECT_EQ(processor.GetStats().dropped, 92u);  // 8 fit in the queue
  stalled->Release();
  EXPECT_TRUE(processor.ForceFlush(5000ms));
  EXPECT_EQ(processor.GetStats().exported, 12u);
}

TEST(BatchSpanProcessorTest, ShutdownMeetsItsDeadlineWithStalledExporter) {
  auto exporter = std::make_unique<StalledExporter>();
  StalledExporter* stalled = exporter.get();
  BatchSpanProcessorOptions options;
  options.max_export_batch_size = 2;
  BatchSpanProcessor processor(std::move(exporter), options);
  for (int i = 0; i < 5; ++i) processor.OnEnd(MakeSpan());
  ASSERT_TRUE(stalled->WaitForCall());
  auto start = Clock::now();
  EXPECT_FALSE(processor.Shutdown(200ms));
  auto took = Clock::now() - start;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 1000ms);
  auto stats = processor.GetStats();
  EXPECT_EQ(stats.exported + stats.export_failed + stats.dropped, 5u);
  processor.OnEnd(MakeSpan());  // after shutdown: dropped, no crash
  EXPECT_EQ(processor.GetStats().dropped, stats.dropped + 1);
}

TEST(BatchSpanProcessorTest, ShutdownExportsWhatIsQueued) {
  auto store = std::make_shared<InMemorySpanStore>();
  BatchSpanProcessorOptions options;
  options.schedule_delay = 1h;
  BatchSpanProcessor processor(std::make_unique<InMemorySpanExporter>(store), options);
  for (int i = 0; i < 7; ++i) processor.OnEnd(MakeSpan());
  EXPECT_TRUE(processor.Shutdown(5000ms));
  EXPECT_EQ(store->size(), 7u);
}

TEST(BatchSpanProcessorTest, ConcurrentProducersLoseNothingBelowCapacity) {
  auto store = std::make_shared<InMemorySpanStore>();
  BatchSpanProcessorOptions options;
  options.max_queue_size = 100000;
  options.max_export_batch_size = 512;
  BatchSpanProcessor processor(std::make_unique<InMemorySpanExporter>(store), options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) processor.OnEnd(MakeSpan());
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(processor.ForceFlush(10000ms));
  EXPECT_EQ(store->size(), 20000u);
  EXPECT_EQ(processor.GetStats().dropped, 0u);
}

TEST(BatchSpanProcessorTest, ForkedChildRestartsWorkerAndDoesNotReexportParentSpans) {
  auto store = std::make_shared<InMemorySpanStore>();
  BatchSpanProcessorOptions options;
  options.schedule_delay = 1h;
  BatchSpanProcessor processor(std::make_unique<InMemorySpanExporter>(store), options);
  for (int i = 0; i < 3; ++i) processor.OnEnd(MakeSpan());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: the parent's 3 queued spans must not be exported here; a new one must be.
    processor.OnEnd(MakeSpan());
    bool flushed = processor.ForceFlush(5000ms);
    _exit(flushed ? static_cast<int>(store->size()) : 100);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_TRUE(processor.ForceFlush(5000ms));
  EXPECT_EQ(store->size(), 3u);
}

TEST(BatchSpanProcessorTest, OptionsFromEnvironment) {
  using adot::testing::ScopedEnv;
  ScopedEnv a("OTEL_BSP_SCHEDULE_DELAY", "100");
  ScopedEnv b("OTEL_BSP_EXPORT_TIMEOUT", "200");
  ScopedEnv c("OTEL_BSP_MAX_QUEUE_SIZE", "64");
  ScopedEnv d("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "128");  // above the queue size -> 64
  auto o = BatchSpanProcessorOptions::FromEnvironment();
  EXPECT_EQ(o.schedule_delay, 100ms);
  EXPECT_EQ(o.export_timeout, 200ms);
  EXPECT_EQ(o.max_queue_size, 64u);
  EXPECT_EQ(o.max_export_batch_size, 64u);
  ScopedEnv e("OTEL_BSP_MAX_QUEUE_SIZE", "lots");
  EXPECT_EQ(BatchSpanProcessorOptions::FromEnvironment().max_queue_size, 2048u);
}

}  // namespace
}  // namespace adot::sdk::trace
