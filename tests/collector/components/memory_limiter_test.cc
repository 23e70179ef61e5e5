#include "collector/processors/memory_limiter/memory_limiter.h"

#include <gtest/gtest.h>

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
// once the memory is freed (an RSS-based limiter could stay refusing after a burst).
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
