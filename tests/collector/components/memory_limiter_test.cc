#include "collector/processors/memory_limiter/memory_limiter.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <thread>

#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;

std::shared_ptr<Processor> Make(const std::string& yaml, std::shared_ptr<Consumer> next) {
  Factory f = MemoryLimiterProcessorFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "processors.memory_limiter", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return f.create_processor(*cfg, CreateSettings{"memory_limiter", Signal::kTraces, "traces"}, next);
}

// The limiter watches the live heap: refuses while it is above the soft limit, and accepts again
// once the memory is freed (a limiter on RSS alone could stay refusing after a burst).
TEST(MemoryLimiterTest, RefusesAboveTheSoftLimitAndRecoversWhenTheHeapShrinks) {
  const uint64_t base = ProcessHeapInUseBytes();
  const uint64_t limit_mib = (base >> 20) + 48;
  auto sink = std::make_shared<RecordingConsumer>();
  auto m = Make("{check_interval: 10ms, limit_mib: " + std::to_string(limit_mib) + ", spike_limit_mib: 8}", sink);
  ASSERT_TRUE(m->Start().ok());
  ASSERT_TRUE(m->Consume(MakeTraces(1, 1)).ok());

  auto burst = std::make_unique<std::vector<char>>(64u << 20, 'x');  // a burst of data in flight
  ASSERT_GE(ProcessHeapInUseBytes(), base + (64u << 20));
  Status s;
  for (int i = 0; i < 200 && s.ok(); ++i) {
    std::this_thread::sleep_for(5ms);
    s = m->Consume(MakeTraces(1, 1));
  }
  EXPECT_EQ(s.code(), StatusCode::kRetryable);
  EXPECT_EQ(s.message(), "data refused due to high memory usage");

  burst.reset();
  for (int i = 0; i < 200 && !s.ok(); ++i) {
    std::this_thread::sleep_for(5ms);
    s = m->Consume(MakeTraces(1, 1));
  }
  EXPECT_TRUE(s.ok()) << "still refusing after the heap shrank: " << s.message();
  m->Shutdown(Clock::now() + 1s);
}

// Between two checks, the batches it let in that are still held count: a sender with a backlog
// cannot push the heap far past the soft limit within one check_interval.
TEST(MemoryLimiterTest, RefusesBetweenChecksOnceWhatItLetInReachesTheSoftLimit) {
  const uint64_t base = ProcessHeapInUseBytes();
  const uint64_t limit_mib = (base >> 20) + 48;  // soft limit: 40 MiB above what the heap holds now
  auto sink = std::make_shared<RecordingConsumer>();
  auto m = Make("{check_interval: 1h, limit_mib: " + std::to_string(limit_mib) + ", spike_limit_mib: 8}", sink);
  ASSERT_TRUE(m->Start().ok());  // the one check of this test
  PData batch = MakeTraces(1, 5000);
  const uint64_t size = batch.MemoryBytes();
  ASSERT_GT(size, 100u << 10);
  uint64_t accepted = 0;
  Status s;
  for (int i = 0; i < 2000 && s.ok(); ++i) {
    s = m->Consume(batch.Clone());
    if (s.ok()) ++accepted;
  }
  EXPECT_EQ(s.code(), StatusCode::kRetryable);
  EXPECT_LE(accepted * size, (40u << 20) + size);
  EXPECT_GE(accepted * size, 30u << 20);
  EXPECT_EQ(sink->received().size(), accepted);
  m->Shutdown(Clock::now() + 1s);
}

// Batches that are gone (exported and freed) do not count against the limit between checks.
TEST(MemoryLimiterTest, BatchesThatLeftMakeRoomBetweenChecks) {
  class Discarding : public Consumer {
   public:
    Status Consume(PData) override { return Status::Ok(); }
    bool MutatesData() const override { return false; }
  };
  const uint64_t limit_mib = (ProcessHeapInUseBytes() >> 20) + 48;
  auto m = Make("{check_interval: 1h, limit_mib: " + std::to_string(limit_mib) + ", spike_limit_mib: 8}",
                std::make_shared<Discarding>());
  ASSERT_TRUE(m->Start().ok());
  PData batch = MakeTraces(1, 5000);
  // Ten times the room below the soft limit passes through, one batch at a time.
  const int n = static_cast<int>((400u << 20) / batch.MemoryBytes()) + 1;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(m->Consume(batch.Clone()).ok()) << "refused batch " << i;
  m->Shutdown(Clock::now() + 1s);
}

// RSS that stays above the limit after the allocator gave back its free memory refuses too, even
// with the heap under the soft limit (here the limit is set below what the process maps anyway).
TEST(MemoryLimiterTest, RefusesWhileRssStaysAboveTheLimitAfterTrimming) {
  malloc_trim(0);  // what the limiter's own trim would give back
  const uint64_t rss_mib = ProcessRssBytes() >> 20;
  const uint64_t heap_mib = ProcessHeapInUseBytes() >> 20;
  ASSERT_GT(rss_mib, heap_mib + 8) << "the test needs RSS well above the heap";
  const uint64_t limit_mib = rss_mib * 3 / 4;  // soft limit (80 % of it) still above the heap
  ASSERT_LT(heap_mib + 1, limit_mib * 4 / 5);
  auto sink = std::make_shared<RecordingConsumer>();
  auto m = Make("{check_interval: 1h, limit_mib: " + std::to_string(limit_mib) + "}", sink);
  ASSERT_TRUE(m->Start().ok());
  Status s = m->Consume(MakeTraces(1, 1));
  EXPECT_EQ(s.code(), StatusCode::kRetryable);
  EXPECT_TRUE(sink->received().empty());
  m->Shutdown(Clock::now() + 1s);
}

TEST(MemoryLimiterTest, PassesDataBelowTheLimit) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto m = Make("{check_interval: 10ms, limit_mib: 1000000}", sink);
  ASSERT_TRUE(m->Start().ok());
  EXPECT_TRUE(m->Consume(MakeTraces(1, 1)).ok());
  EXPECT_EQ(sink->received().size(), 1u);
  EXPECT_FALSE(m->MutatesData());
  m->Shutdown(Clock::now() + 1s);
}

TEST(MemoryLimiterTest, PercentagesUseTheAvailableMemory) {
  EXPECT_GT(AvailableMemoryBytes(), 0u);
  auto sink = std::make_shared<RecordingConsumer>();
  auto m = Make("{check_interval: 1s, limit_percentage: 99, spike_limit_percentage: 1}", sink);
  ASSERT_TRUE(m->Start().ok());
  EXPECT_TRUE(m->Consume(MakeTraces(1, 1)).ok());
  m->Shutdown(Clock::now() + 1s);
}

}  // namespace
}  // namespace adot::collector
